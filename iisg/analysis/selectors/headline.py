"""The few figures of the IISG Database the home page shows anyone, from the same rules as the
dashboards: adopted needs only, and the actions of the mission only."""

from dataclasses import dataclass

from iisg.actions.choices import OrganisationRole
from iisg.actions.models import Action, ActionOrganisation
from iisg.directory.models import Partner
from iisg.needs.choices import PUBLIC_STATUSES
from iisg.needs.models import Need


@dataclass(frozen=True)
class Headline:
    needs: int  # adopted needs, every cycle
    actions: int  # actions of the mission that are not withdrawn (ActionQuerySet.counted)
    partners: int
    donors: int  # organisations funding one of those actions


def headline_figures():
    """The public figures of the database, in four queries; nothing private."""
    counted = Action.objects.counted()
    return Headline(
        needs=Need.objects.filter(status__in=PUBLIC_STATUSES).count(),
        actions=counted.count(),
        partners=Partner.objects.count(),
        donors=ActionOrganisation.objects.filter(role=OrganisationRole.FUNDING, action__in=counted)
        .values("organisation")
        .distinct()
        .count(),
    )
