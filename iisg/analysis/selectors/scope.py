"""What the analysis looks at: the scope a person chose, the needs it counts, the actions active in
a year, and the transactions that count as money (the rules of the package's docstring)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import CharField, Exists, IntegerField, OuterRef, Q
from django.db.models.functions import Cast, Substr

from iisg.actions.choices import OrganisationRole, ResponseStatus, TransactionType
from iisg.actions.models import ActionOrganisation, Response
from iisg.core.permissions import viewer_of, visible
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.choices import ANALYSED_STATUSES, PUBLIC_STATUSES
from iisg.needs.models import Area, Cycle, Need

COMMITMENT_TYPES = (TransactionType.OUTGOING_COMMITMENT,)
DISBURSEMENT_TYPES = (TransactionType.DISBURSEMENT, TransactionType.EXPENDITURE)
ZERO = Decimal(0)
# The year of a transaction's date, from its ISO text: on SQLite, ExtractYear calls back into Python
# for every row, which at 100,000 actions cost more than the rest of the query.
YEAR_OF_DATE = Cast(Substr(Cast("date", output_field=CharField()), 1, 4), output_field=IntegerField())


@dataclass(frozen=True)
class Scope:
    """What the analysis looks at: a needs-mapping cycle, a year, and optional narrowing."""

    cycle: Cycle
    year: int
    pillar: Pillar | None = None
    partner: Partner | None = None
    area: Area | None = None
    priority: str = ""
    donor: Organisation | None = None


def default_cycle():
    """The needs-mapping cycle the dashboards open on: the latest one with adopted needs (what the
    public sees figures of), so that a newer cycle still being mapped does not open on a page of a
    few needs none of which is covered yet; without any, the latest adopted cycle, else the latest.

    The one choice of the default cycle: every page and form that opens without one asks here."""
    cycles = Cycle.objects.needs_mapping()
    with_public_needs = Need.objects.filter(cycle=OuterRef("pk"), status__in=PUBLIC_STATUSES)
    return cycles.filter(Exists(with_public_needs)).latest_first().first() or cycles.to_show()


def default_year(cycle, today=None):
    """The year the dashboards open on: this year while the cycle runs, else its last year."""
    today = today or datetime.date.today()
    return min(max(today.year, cycle.first_year), cycle.last_year)


def analysed_needs(user, scope):
    """The needs the analysis counts for this viewer: adopted ones for the public, every analysed
    need the viewer may see for members, narrowed by the scope."""
    needs = Need.objects.filter(cycle=scope.cycle)
    if viewer_of(user).is_member:
        needs = visible(user, needs.filter(status__in=ANALYSED_STATUSES))
    else:
        needs = needs.filter(status__in=PUBLIC_STATUSES)
    if scope.pillar is not None:
        needs = needs.filter(pillar=scope.pillar)
    if scope.partner is not None:
        needs = needs.filter(partner=scope.partner)
    if scope.area is not None:
        needs = needs.filter(Q(area=scope.area) | Q(area__parent=scope.area))
    if scope.priority:
        needs = needs.filter(priority=scope.priority)
    if scope.donor is not None:
        funded = ActionOrganisation.objects.filter(organisation=scope.donor, role=OrganisationRole.FUNDING)
        needs = needs.filter(
            pk__in=Response.objects.filter(status=ResponseStatus.CONFIRMED, action__in=funded.values("action")).values(
                "need"
            )
        )
    return needs
