"""The support mapping: every analysed need of a scope with its coverage and the money behind it,
computed in a constant number of queries and kept in the process while the data stays the same."""

import datetime
import json
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from iisg.actions.choices import Coverage, OrganisationRole, ResponseStatus
from iisg.actions.models import Action, ActionOrganisation, Response, Transaction
from iisg.actions.queries import is_active, year_span
from iisg.core.permissions import viewer_of
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.choices import NeedStatus, Priority
from iisg.needs.models import Area, Need

from .scope import COMMITMENT_TYPES, DISBURSEMENT_TYPES, YEAR_OF_DATE, ZERO, Scope, analysed_needs


@dataclass
class ActionLine:
    """One confirmed response to a need, seen from the need."""

    action_id: int
    title: str
    coverage: str
    active: bool
    start: datetime.date | None
    end: datetime.date | None
    donors: tuple = ()
    implementers: tuple = ()
    committed: Decimal = ZERO  # this need's share
    disbursed: Decimal = ZERO

    @property
    def coverage_label(self):
        return Coverage(self.coverage).label


@dataclass
class NeedCoverage:
    """A need with what responds to it in the scope's year. Its figures are worked out once, when
    first read: support_mapping() has added every response by then."""

    id: int
    reference: str
    title: str
    status: str
    priority: str
    partner: Partner
    pillar: Pillar
    area: Area | None
    responses: list = field(default_factory=list)

    @property
    def priority_label(self):
        return Priority(self.priority).label

    @property
    def coverage_label(self):
        return Coverage(self.coverage).label if self.coverage else _("None")

    @cached_property
    def active_responses(self):
        return [line for line in self.responses if line.active]

    @cached_property
    def coverage(self):
        coverages = {line.coverage for line in self.active_responses}
        if Coverage.FULL in coverages:
            return Coverage.FULL
        return Coverage.PARTIAL if coverages else ""

    @property
    def covered_share(self):
        """1 when fully covered, ½ when partly, 0 when not."""
        return {Coverage.FULL: Decimal(1), Coverage.PARTIAL: Decimal("0.5")}.get(self.coverage, ZERO)

    @property
    def uncovered_share(self):
        return 1 - self.covered_share

    @cached_property
    def donors(self):
        return _unique(donor for line in self.active_responses for donor in line.donors)

    @cached_property
    def implementers(self):
        return _unique(org for line in self.active_responses for org in line.implementers)

    @property
    def is_covered(self):
        return bool(self.active_responses)

    @cached_property
    def is_gap(self):
        return self.status == NeedStatus.ADOPTED and not self.active_responses

    @cached_property
    def is_overlap(self):
        return len(self.donors) >= 2

    @cached_property
    def committed(self):
        return sum((line.committed for line in self.active_responses), ZERO)

    @cached_property
    def disbursed(self):
        return sum((line.disbursed for line in self.active_responses), ZERO)

    @property
    def objective(self):
        return self.area.parent if self.area is not None and self.area.parent_id else self.area


@dataclass
class SupportMapping:
    """Every analysed need of a scope with its coverage, and the money behind it by year."""

    scope: Scope
    needs: list
    # (action_id, year) -> [committed, disbursed] of the whole action
    money_by_year: dict
    # action_id -> number of confirmed responses the action's money is shared among
    shares: dict
    donors_of: dict
    transactions_without_eur: int
    breakdowns: dict = field(default_factory=dict, repr=False)

    @property
    def gaps(self):
        return [need for need in self.needs if need.is_gap]

    @property
    def overlaps(self):
        return [need for need in self.needs if need.is_overlap]


def _unique(organisations):
    # By primary key: hashing and comparing model instances is a Python call each, and this runs
    # for every need's donors and implementers (the largest single cost left under cProfile).
    return tuple({organisation.pk: organisation for organisation in organisations}.values())


# Support mappings computed in this process, by what they were computed from (see support_mapping).
_computed = OrderedDict()
COMPUTED_KEPT = 4  # about 16 MB each at 5,000 needs and 100,000 actions (tracemalloc)


def data_version():
    """What the support mapping is computed from, in one cheap query: the last history record of
    each table it reads (every save, delete and import leaves one there, with its time) and when an
    organisation last changed. Any write changes it; nothing else does."""
    tables = [model.history.model._meta.db_table for model in (Need, Response, Action, ActionOrganisation, Transaction)]
    last = ", ".join(
        f"(SELECT history_id || '@' || history_date FROM {table} ORDER BY history_id DESC LIMIT 1)" for table in tables
    )
    organisations = Organisation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {last}, (SELECT MAX(updated_at) FROM {organisations})")
        return tuple(cursor.fetchone())


def forget_computed():
    """Drop the support mappings this process keeps (tests start from nothing)."""
    _computed.clear()


def support_mapping(user, scope):
    """The coverage of every need in `scope` as `user` may see it, in a constant number of queries
    (twelve, whatever the number of needs and actions).

    The result depends only on the data and on the viewer's rights, so it is kept in this process
    and given again while neither changed: the key holds data_version() and the partners, pillars
    and areas as read now. Each process keeps its own; a write made by any process changes the
    version all of them read. The result is shared: treat it as read-only.
    """
    viewer = viewer_of(user)
    partners = {partner.pk: partner for partner in Partner.objects.all()}
    pillars = {pillar.pk: pillar for pillar in Pillar.objects.all()}
    areas = {area.pk: area for area in Area.objects.filter(cycle=scope.cycle).select_related("parent")}
    labels = tuple(
        (type(obj).__name__, obj.pk, *(getattr(obj, name, None) for name in LABEL_FIELDS))
        for obj in (*partners.values(), *pillars.values(), *areas.values())
    )
    key = (
        viewer.roles,
        viewer.partner_id,
        viewer.organisation_id,
        tuple((name, getattr(value, "pk", value)) for name, value in vars(scope).items()),
        labels,
        data_version(),
    )
    mapping = _computed.get(key)
    if mapping is None:
        mapping = _compute(user, scope, partners=partners, pillars=pillars, areas=areas)
        _computed[key] = mapping
        while len(_computed) > COMPUTED_KEPT:
            _computed.popitem(last=False)
    _computed.move_to_end(key)
    return mapping


def _listed(ids):
    """`ids` as a subquery of one query parameter, for `pk__in` and `action__in`: the queries after
    the responses read the responded actions by their ids (an index lookup each) instead of working
    the responses' query out again in each of them, and the number of ids stays within any
    database's limit of parameters."""
    ids = sorted(ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


# The fields of partners, pillars and areas that the mapping shows: a change to them is a new key.
LABEL_FIELDS = ("code", "name", "acronym", "has_designation_footnote", "order", "parent_id", "pillar_id")


def _compute(user, scope, *, partners, pillars, areas):
    needs_qs = analysed_needs(user, scope)
    needs = {
        pk: NeedCoverage(
            id=pk,
            reference=reference,
            title=title,
            status=status,
            priority=priority,
            partner=partners[partner_id],
            pillar=pillars[pillar_id],
            area=areas.get(area_id),
        )
        for pk, reference, title, status, priority, partner_id, pillar_id, area_id in needs_qs.order_by(
            "partner__order", "pillar__order", "reference"
        ).values_list("pk", "reference", "title", "status", "priority", "partner_id", "pillar_id", "area_id")
    }
    # Actions outside the mission (no Western Balkan partner nor the region) are never counted. The
    # rule is asked of each confirmed response's action (a correlated EXISTS), not as `action__in`
    # the actions of the mission: that set is every action of the database (100,000 at ten times
    # the demo), which SQLite worked out in full, seconds on a busy machine.
    confirmed = Response.objects.filter(status=ResponseStatus.CONFIRMED, need__in=needs_qs.values("pk")).filter(
        Exists(Action.objects.in_mission().filter(pk=OuterRef("action_id")))
    )
    # .order_by(): the models' default orderings would join and sort for nothing here.
    responses = list(confirmed.order_by().values_list("need_id", "action_id", "coverage"))
    responded = _listed({action_id for _need_id, action_id, _coverage in responses})
    actions = {
        row[0]: row
        for row in Action.objects.filter(pk__in=responded)
        .with_dates()
        .order_by()
        .values_list("pk", "title", "status", "start_on", "end_on", "withdrawn_at")
    }
    first, last = year_span(scope.year)
    shares = dict(
        Response.objects.filter(status=ResponseStatus.CONFIRMED, action__in=responded)
        .order_by()
        .values("action_id")
        .annotate(n=Count("pk"))
        .values_list("action_id", "n")
    )
    donors_of, implementers_of = defaultdict(list), defaultdict(list)
    organisation_ids = set()
    for action_id, organisation_id, role in (
        ActionOrganisation.objects.filter(
            action__in=responded, role__in=(OrganisationRole.FUNDING, OrganisationRole.IMPLEMENTING)
        )
        .order_by()
        .values_list("action_id", "organisation_id", "role")
    ):
        (donors_of if role == OrganisationRole.FUNDING else implementers_of)[action_id].append(organisation_id)
        organisation_ids.add(organisation_id)
    organisations = {org.pk: org for org in Organisation.objects.filter(pk__in=organisation_ids)}
    money_by_year, without_eur = defaultdict(lambda: [ZERO, ZERO]), 0
    for action_id, kind, year, value, missing in (
        Transaction.objects.filter(action__in=responded, transaction_type__in=COMMITMENT_TYPES + DISBURSEMENT_TYPES)
        .order_by()
        .annotate(year=YEAR_OF_DATE)
        .values("action_id", "transaction_type", "year")
        .annotate(eur=Sum("value_eur"), missing=Count("pk", filter=Q(value_eur__isnull=True)))
        .values_list("action_id", "transaction_type", "year", "eur", "missing")
    ):
        money_by_year[action_id, year][0 if kind in COMMITMENT_TYPES else 1] += value or ZERO
        without_eur += missing
    totals = defaultdict(lambda: [ZERO, ZERO])
    for (action_id, _year), (committed, disbursed) in money_by_year.items():
        totals[action_id][0] += committed
        totals[action_id][1] += disbursed

    for need_id, action_id, coverage in responses:
        _, title, status, start, end, withdrawn = actions[action_id]
        committed, disbursed = totals.get(action_id, (ZERO, ZERO))
        share = shares[action_id]
        needs[need_id].responses.append(
            ActionLine(
                action_id=action_id,
                title=title,
                coverage=coverage,
                active=is_active(status=status, start=start, end=end, withdrawn=withdrawn, first=first, last=last),
                start=start,
                end=end,
                donors=tuple(organisations[pk] for pk in donors_of[action_id]),
                implementers=tuple(organisations[pk] for pk in implementers_of[action_id]),
                committed=committed / share,
                disbursed=disbursed / share,
            )
        )
    for need in needs.values():
        need.responses.sort(key=lambda line: (not line.active, line.title))
    return SupportMapping(
        scope=scope,
        needs=list(needs.values()),
        money_by_year=dict(money_by_year),
        shares=shares,
        donors_of={pk: tuple(organisations[org] for org in orgs) for pk, orgs in donors_of.items()},
        transactions_without_eur=without_eur,
    )
