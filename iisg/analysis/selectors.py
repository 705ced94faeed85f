"""The support mapping: coverage, gaps and overlaps, derived from needs, actions and responses.

The one calculation layer (DESIGN.md §7): the dashboards, their CSV/XLSX exports and the reports
all read their figures from `support_mapping()` and the breakdowns below, never from a query of
their own.

The rules, as the Secretariat states them:
- A need is analysed when it has left its partner's hands (validated, proposed or adopted); the
  public sees the adopted needs only, and aggregates only.
- A response counts when a person confirmed it. Its action is **active in the year** when it is
  not withdrawn, neither in the pipeline nor cancelled nor suspended, and its dates (actual, else
  planned) overlap the year; a missing start or end leaves that side open.
- A need's **coverage** is full when an active response covers it fully, partial when an active
  response covers it partly, none otherwise.
- A **gap** is an adopted need with no active confirmed response. An **overlap** is a need whose
  active confirmed responses come from two or more donors.
- **Donors** are an action's funding organisations; **implementers** its implementing ones.
- **Money** is in EUR at the rate of each transaction's value date (iisg.actions.money):
  commitments, and disbursements with expenditure. An action responding to several needs is
  shared equally among them, so that sums over needs never count an action twice. Transactions
  without a EUR figure (no currency or no rate) are left out and counted.
"""

import datetime
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.db.models import CharField, Count, IntegerField, Q, Sum
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils.translation import gettext as _

from iisg.actions.choices import ActivityStatus, Coverage, OrganisationRole, ResponseStatus, TransactionType
from iisg.actions.models import Action, ActionOrganisation, Response, Transaction
from iisg.core.permissions import viewer_of, visible
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus, Priority
from iisg.needs.models import Area, Cycle, Need

ANALYSED_STATUSES = (NeedStatus.VALIDATED, NeedStatus.PROPOSED, NeedStatus.ADOPTED)
INACTIVE_STATUSES = (ActivityStatus.PIPELINE, ActivityStatus.CANCELLED, ActivityStatus.SUSPENDED)
COMMITMENT_TYPES = (TransactionType.OUTGOING_COMMITMENT,)
DISBURSEMENT_TYPES = (TransactionType.DISBURSEMENT, TransactionType.EXPENDITURE)
PRIORITY_ORDER = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}
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
    """The needs-mapping cycle the dashboards open on: the latest adopted one, else the latest."""
    cycles = Cycle.objects.filter(kind=CycleKind.NEEDS)
    return cycles.filter(status=CycleStatus.ADOPTED).order_by("-first_year").first() or cycles.first()


def default_year(cycle, today=None):
    """The year the dashboards open on: this year while the cycle runs, else its last year."""
    today = today or datetime.date.today()
    return min(max(today.year, cycle.first_year), cycle.last_year)


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


def _unique(items):
    return tuple(dict.fromkeys(items))


def analysed_needs(user, scope):
    """The needs the analysis counts for this viewer: adopted ones for the public, every analysed
    need the viewer may see for members, narrowed by the scope."""
    needs = Need.objects.filter(cycle=scope.cycle)
    if viewer_of(user).is_member:
        needs = visible(user, needs.filter(status__in=ANALYSED_STATUSES))
    else:
        needs = needs.filter(status=NeedStatus.ADOPTED)
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


def active_actions(actions, year):
    """The actions of the queryset `actions` active in `year`: is_active() as a query, with the
    dates it used annotated as `start` and `end`."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return (
        actions.filter(withdrawn_at__isnull=True)
        .exclude(status__in=INACTIVE_STATUSES)
        .annotate(start=Coalesce("actual_start", "planned_start"), end=Coalesce("actual_end", "planned_end"))
        .filter(Q(start__isnull=True) | Q(start__lte=last), Q(end__isnull=True) | Q(end__gte=first))
    )


def is_active(*, status, start, end, withdrawn, year):
    """Whether an action works in `year` (see the module's rules)."""
    if withdrawn or status in INACTIVE_STATUSES:
        return False
    return (start is None or start.year <= year) and (end is None or end.year >= year)


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
    confirmed = Response.objects.filter(status=ResponseStatus.CONFIRMED, need__in=needs_qs.values("pk"))
    responded = confirmed.values("action_id")
    # .order_by(): the models' default orderings would join and sort for nothing here.
    responses = list(confirmed.order_by().values_list("need_id", "action_id", "coverage"))
    actions = {
        row[0]: row
        for row in Action.objects.filter(pk__in=responded)
        .order_by()
        .values_list(
            "pk", "title", "status", "actual_start", "planned_start", "actual_end", "planned_end", "withdrawn_at"
        )
    }
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
        _, title, status, actual_start, planned_start, actual_end, planned_end, withdrawn = actions[action_id]
        start, end = actual_start or planned_start, actual_end or planned_end
        committed, disbursed = totals.get(action_id, (ZERO, ZERO))
        share = shares[action_id]
        needs[need_id].responses.append(
            ActionLine(
                action_id=action_id,
                title=title,
                coverage=coverage,
                active=is_active(status=status, start=start, end=end, withdrawn=withdrawn, year=scope.year),
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


# Breakdowns ------------------------------------------------------------------------------------
# Each is worked out once per support mapping (kept with it) and shared by every page that shows it.


def once(compute):
    """Keep what `compute(mapping, ...)` answers with the mapping, for the same arguments."""

    def kept(mapping, *args, **kwargs):
        key = (compute.__name__, args, tuple(sorted(kwargs.items())))
        if key not in mapping.breakdowns:
            mapping.breakdowns[key] = compute(mapping, *args, **kwargs)
        return mapping.breakdowns[key]

    kept.__name__, kept.__doc__ = compute.__name__, compute.__doc__
    return kept


@dataclass
class Tally:
    """Counts and money of a group of needs."""

    needs: int = 0
    covered: int = 0
    fully_covered: int = 0
    gaps: int = 0
    overlaps: int = 0
    high_priority_gaps: int = 0
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO

    def add(self, need):
        self.needs += 1
        self.covered += need.is_covered
        self.fully_covered += need.coverage == Coverage.FULL
        self.gaps += need.is_gap
        self.overlaps += need.is_overlap
        self.high_priority_gaps += need.is_gap and need.priority == Priority.HIGH
        self.committed += need.committed
        self.disbursed += need.disbursed

    def __add__(self, other):
        return Tally(**{name: getattr(self, name) + getattr(other, name) for name in TALLIED})

    @property
    def covered_share(self):
        """The share of the group's needs with an active response (None for no needs)."""
        return Decimal(self.covered) / self.needs if self.needs else None


TALLIED = [f.name for f in fields(Tally)]


def tally(needs):
    total = Tally()
    for need in needs:
        total.add(need)
    return total


def breakdown(mapping, key):
    """Tallies of the needs grouped by `key(need)`, in the order the groups first appear."""
    groups = defaultdict(Tally)
    for need in mapping.needs:
        groups[key(need)].add(need)
    return dict(groups)


@once
def by_priority(mapping):
    groups = breakdown(mapping, lambda need: need.priority)
    return {priority: groups[priority] for priority in PRIORITY_ORDER if priority in groups}


@once
def by_area(mapping):
    """Tallies per pillar and area, in the taxonomy's order (needs without an area last)."""
    groups = breakdown(mapping, lambda need: (need.pillar, need.area))
    return dict(
        sorted(
            groups.items(),
            key=lambda item: (item[0][0].order, item[0][1] is None, item[0][1].code if item[0][1] else ""),
        )
    )


@dataclass
class Heatmap:
    """Partner × pillar tallies: rows are partners, columns pillars, with totals both ways."""

    partners: list
    pillars: list
    cells: dict  # (partner, pillar) -> Tally
    partner_totals: dict
    pillar_totals: dict
    total: Tally

    def rows(self):
        return [
            (partner, [self.cells.get((partner, pillar)) for pillar in self.pillars], self.partner_totals[partner])
            for partner in self.partners
        ]


@once
def heatmap(mapping):
    # Each need is tallied once, in its cell; the totals add the cells up.
    by_ids = defaultdict(Tally)
    for need in mapping.needs:
        by_ids[need.partner.pk, need.pillar.pk].add(need)
    scope = mapping.scope
    partners = [scope.partner] if scope.partner else list(Partner.objects.all())
    pillars = [scope.pillar] if scope.pillar else list(Pillar.objects.all())
    cells = {
        (partner, pillar): by_ids[partner.pk, pillar.pk]
        for partner in partners
        for pillar in pillars
        if (partner.pk, pillar.pk) in by_ids
    }
    return Heatmap(
        partners=partners,
        pillars=pillars,
        cells=cells,
        partner_totals={
            partner: sum((tally for (p, _), tally in cells.items() if p == partner), Tally()) for partner in partners
        },
        pillar_totals={
            pillar: sum((tally for (_, p), tally in cells.items() if p == pillar), Tally()) for pillar in pillars
        },
        total=sum(cells.values(), Tally()),
    )


@dataclass
class Contributor:
    """A donor or an implementer, with what it does for the needs in scope (active responses)."""

    organisation: Organisation
    needs: int = 0
    actions: int = 0
    overlapping_needs: int = 0
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO
    partners: tuple = ()


@once
def contributors(mapping, *, role):
    """Donors (`role` FUNDING) or implementers (IMPLEMENTING), the largest commitment first.

    Money of an action with several donors is counted in full for each of them, as IATI reports
    each funder's participation without a split."""
    attribute = "donors" if role == OrganisationRole.FUNDING else "implementers"
    rows, actions, partners = {}, defaultdict(set), defaultdict(dict)
    for need in mapping.needs:
        seen = set()
        for line in need.active_responses:
            for organisation in getattr(line, attribute):
                row = rows.setdefault(organisation.pk, Contributor(organisation=organisation))
                if organisation.pk not in seen:
                    row.needs += 1
                    row.overlapping_needs += need.is_overlap
                    seen.add(organisation.pk)
                actions[organisation.pk].add(line.action_id)
                partners[organisation.pk][need.partner] = None
                row.committed += line.committed
                row.disbursed += line.disbursed
    for pk, row in rows.items():
        row.actions = len(actions[pk])
        row.partners = tuple(sorted(partners[pk], key=lambda partner: partner.order))
    return sorted(rows.values(), key=lambda row: (-row.committed, -row.needs, row.organisation.name))


@dataclass
class YearFunding:
    year: int
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO
    actions: int = 0


@once
def funding_over_time(mapping):
    """Committed and disbursed EUR per calendar year of the transactions, for the actions that
    respond to the needs in scope (each action's share of them), whatever the scope's year."""
    pairs = Counter(line.action_id for need in mapping.needs for line in need.responses)
    years, actions = {}, defaultdict(set)
    for (action_id, year), (committed, disbursed) in mapping.money_by_year.items():
        weight = Decimal(pairs.get(action_id, 0)) / mapping.shares[action_id]
        if not weight:
            continue
        row = years.setdefault(year, YearFunding(year=year))
        row.committed += committed * weight
        row.disbursed += disbursed * weight
        actions[year].add(action_id)
    for year, row in years.items():
        row.actions = len(actions[year])
    return [years[year] for year in sorted(years)]


@dataclass
class Concentration:
    """How much of the money for a partner and pillar comes from its largest donor."""

    partner: Partner
    pillar: Pillar
    donors: int
    committed: Decimal
    largest_donor: Organisation | None
    largest_share: Decimal | None
    herfindahl: Decimal | None  # sum of squared shares, 0–1: 1 is a single donor


@once
def concentration(mapping):
    """Donor concentration of committed EUR per partner and pillar (active responses).

    An action with several donors counts for each of them in equal parts here, so that the
    shares of a cell sum to one."""
    money = defaultdict(lambda: defaultdict(lambda: ZERO))
    for need in mapping.needs:
        for line in need.active_responses:
            for donor in line.donors:
                money[need.partner, need.pillar][donor] += line.committed / len(line.donors)
    rows = []
    for (partner, pillar), by_donor in money.items():
        total = sum(by_donor.values(), ZERO)
        if total > 0:
            largest, amount = max(by_donor.items(), key=lambda item: (item[1], item[0].name))
            shares = [value / total for value in by_donor.values()]
            largest_share, herfindahl = amount / total, sum(share * share for share in shares)
        else:
            largest, largest_share, herfindahl = None, None, None
        rows.append(
            Concentration(
                partner=partner,
                pillar=pillar,
                donors=len(by_donor),
                committed=total,
                largest_donor=largest,
                largest_share=largest_share,
                herfindahl=herfindahl,
            )
        )
    return sorted(rows, key=lambda row: (row.partner.order, row.pillar.order))


@once
def priority_without_money(mapping):
    """High-priority needs ranked by the share still uncovered, then by the least money."""
    high = [need for need in mapping.needs if need.priority == Priority.HIGH]
    return sorted(high, key=lambda need: (-need.uncovered_share, need.committed, need.reference))


def sort_by_priority(needs):
    return sorted(needs, key=lambda need: (PRIORITY_ORDER.get(need.priority, 9), need.partner.order, need.reference))


# The response mapping of a year ---------------------------------------------------------------


@dataclass
class ActionYear:
    """An action active in a year, with its money in that year and over its life (EUR), and the
    needs it responds to (confirmed responses)."""

    id: int
    title: str
    start: datetime.date | None
    end: datetime.date | None
    partners: tuple = ()
    pillars: tuple = ()
    donors: tuple = ()
    implementers: tuple = ()
    committed_in_year: Decimal = ZERO
    disbursed_in_year: Decimal = ZERO
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO
    responses: list = field(default_factory=list)  # (need reference, need title, coverage)


@dataclass
class ResponseMapping:
    year: int
    actions: list
    transactions_without_eur: int


def response_mapping(user, year):
    """The actions the user may see that are active in `year` (the rule of is_active), with their
    money and responses, in a constant number of queries."""
    chosen = active_actions(visible(user, Action.objects.all()), year)
    rows = {
        pk: ActionYear(id=pk, title=title, start=start, end=end)
        for pk, title, start, end in chosen.order_by("title", "pk").values_list("pk", "title", "start", "end")
    }
    partners = {partner.pk: partner for partner in Partner.objects.all()}
    pillars = {pillar.pk: pillar for pillar in Pillar.objects.all()}
    links = defaultdict(lambda: ([], []))
    for action_id, partner_id in Action.partners.through.objects.filter(action__in=chosen).values_list(
        "action_id", "partner_id"
    ):
        links[action_id][0].append(partners[partner_id])
    for action_id, pillar_id in Action.pillars.through.objects.filter(action__in=chosen).values_list(
        "action_id", "pillar_id"
    ):
        links[action_id][1].append(pillars[pillar_id])
    roles = defaultdict(lambda: ([], []))
    organisation_ids = set()
    participations = list(
        ActionOrganisation.objects.filter(
            action__in=chosen, role__in=(OrganisationRole.FUNDING, OrganisationRole.IMPLEMENTING)
        )
        .order_by()
        .values_list("action_id", "organisation_id", "role")
    )
    organisation_ids = {organisation_id for _, organisation_id, _ in participations}
    organisations = {org.pk: org for org in Organisation.objects.filter(pk__in=organisation_ids)}
    for action_id, organisation_id, role in participations:
        roles[action_id][0 if role == OrganisationRole.FUNDING else 1].append(organisations[organisation_id])
    without_eur = 0
    for action_id, kind, when, value, missing in (
        Transaction.objects.filter(action__in=chosen, transaction_type__in=COMMITMENT_TYPES + DISBURSEMENT_TYPES)
        .order_by()
        .annotate(year=YEAR_OF_DATE)
        .values("action_id", "transaction_type", "year")
        .annotate(eur=Sum("value_eur"), missing=Count("pk", filter=Q(value_eur__isnull=True)))
        .values_list("action_id", "transaction_type", "year", "eur", "missing")
    ):
        row, value = rows[action_id], value or ZERO
        if kind in COMMITMENT_TYPES:
            row.committed += value
            row.committed_in_year += value if when == year else ZERO
        else:
            row.disbursed += value
            row.disbursed_in_year += value if when == year else ZERO
        without_eur += missing if when == year else 0
    responses = visible(user, Response.objects.filter(action__in=chosen, status=ResponseStatus.CONFIRMED)).order_by(
        "need__reference"
    )
    needs = visible(user, Need.objects.filter(pk__in=responses.values("need")))
    seen = {pk: (reference, title) for pk, reference, title in needs.order_by().values_list("pk", "reference", "title")}
    for action_id, need_id, coverage in responses.values_list("action_id", "need_id", "coverage"):
        if need_id in seen:
            rows[action_id].responses.append((*seen[need_id], coverage))
    for pk, row in rows.items():
        row.partners, row.pillars = tuple(links[pk][0]), tuple(links[pk][1])
        row.donors, row.implementers = tuple(roles[pk][0]), tuple(roles[pk][1])
    return ResponseMapping(year=year, actions=list(rows.values()), transactions_without_eur=without_eur)
