"""The support mapping: every analysed need of a scope with its coverage and the money behind it,
computed in a constant number of queries and kept while the data stays the same: in the process,
and in the cache all processes share, where the job worker puts the mappings visitors will ask for
once a change is committed (warm_support_mappings), so that no visitor waits for the computation."""

import datetime
import gc
import hashlib
import json
from collections import OrderedDict, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from iisg.actions.choices import Coverage, OrganisationRole, ResponseStatus
from iisg.actions.models import Action, ActionOrganisation, Response, Transaction
from iisg.actions.queries import is_active, year_span
from iisg.core.choices import Role
from iisg.core.permissions import viewer_of
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.choices import CycleStatus, NeedStatus, Priority
from iisg.needs.models import Area, Cycle, Need

from .scope import COMMITMENT_TYPES, DISBURSEMENT_TYPES, YEAR_OF_DATE, ZERO, Scope, analysed_needs, default_year


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

    def settle(self):
        """Work out every figure at once, once all the responses are added: each cached property
        keeps its value in the instance, so reading one later is a plain attribute lookup (the
        breakdowns read them for every need, several times each)."""
        for name in SETTLED:
            getattr(self, name)


# NeedCoverage's cached figures, worked out by settle().
SETTLED = ("active_responses", "coverage", "donors", "implementers", "is_gap", "is_overlap", "committed", "disbursed")


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
SHARED_KEY_PREFIX = "iisg:support-mapping:"
# Seconds a mapping stays in the shared cache: a change makes a new key at once (data_version), so
# this only bounds how long the mappings of versions gone by take room (about 3 MB pickled each at
# 5,000 needs and 100,000 actions).
SHARED_TIMEOUT = 24 * 60 * 60
# The roles whose viewers the job worker computes the mappings for, besides the public: those who
# read every analysed need. A focal point, a donor or an implementer computes theirs when asked.
WARMED_ROLES = (Role.SECRETARIAT, Role.MEMBER)


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


def forget_computed(*, keep_shared=False):
    """Drop the support mappings this process keeps, and their copies in the shared cache unless
    `keep_shared` (tests and benches start from nothing, or from what another process kept)."""
    if not keep_shared:
        cache.delete_many([_shared_key(key) for key in _computed])
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
        shared_key = _shared_key(key)
        with _collector_paused():
            mapping = cache.get(shared_key)
            if mapping is None:
                mapping = _compute(user, scope, partners=partners, pillars=pillars, areas=areas)
                cache.set(shared_key, mapping, SHARED_TIMEOUT)
        _computed[key] = mapping
        while len(_computed) > COMPUTED_KEPT:
            _computed.popitem(last=False)
    _computed.move_to_end(key)
    return mapping


def _shared_key(key):
    # The same in every process: the roles sorted (a frozenset's order follows the hash seed of
    # each process), everything else plain numbers and text.
    roles, *rest = key
    return SHARED_KEY_PREFIX + hashlib.sha256(repr((sorted(roles), *rest)).encode()).hexdigest()


@contextmanager
def _collector_paused():
    """Hold the cyclic garbage collector off while a mapping is built or unpickled: they create
    hundreds of thousands of objects and no cycle to collect, and the collector's passes over the
    process's whole heap they set off took a third of the time (80–120 ms at 5,000 needs)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def warm_support_mappings():
    """Compute the support mappings visitors open the dashboards on, and keep them in the shared
    cache for the data as it is now: the default scope of every adopted needs-mapping cycle, for
    the public and for each viewer reading every analysed need (WARMED_ROLES). A mapping already
    kept is only read. Answers how many mappings are kept."""
    viewers = {}
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=WARMED_ROLES))
        .distinct()
        .order_by("pk")
    )
    for user in [AnonymousUser(), *users]:
        viewer = viewer_of(user)
        if viewer.roles <= set(WARMED_ROLES):
            viewers.setdefault((viewer.roles, viewer.partner_id, viewer.organisation_id), user)
    kept = 0
    for cycle in Cycle.objects.needs_mapping().filter(status=CycleStatus.ADOPTED):
        scope = Scope(cycle=cycle, year=default_year(cycle))
        for user in viewers.values():
            support_mapping(user, scope)
            kept += 1
    return kept


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
        # In the order they were recorded, on every database: a report rebuilt from its Board pack
        # must list an action's donors as the original did.
        .order_by("pk")
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

    # What a response shows of its action is the same for every need the action responds to:
    # worked out once per action, not once per response.
    lines_of = {}
    for action_id, (_pk, title, status, start, end, withdrawn) in actions.items():
        committed, disbursed = totals.get(action_id, (ZERO, ZERO))
        share = shares[action_id]
        lines_of[action_id] = (
            title,
            is_active(status=status, start=start, end=end, withdrawn=withdrawn, first=first, last=last),
            start,
            end,
            tuple(organisations[pk] for pk in donors_of[action_id]),
            tuple(organisations[pk] for pk in implementers_of[action_id]),
            committed / share,
            disbursed / share,
        )
    for need_id, action_id, coverage in responses:
        title, active, start, end, donors, implementers, committed, disbursed = lines_of[action_id]
        needs[need_id].responses.append(
            ActionLine(action_id, title, coverage, active, start, end, donors, implementers, committed, disbursed)
        )
    for need in needs.values():
        need.responses.sort(key=lambda line: (not line.active, line.title))
        need.settle()
    return SupportMapping(
        scope=scope,
        needs=list(needs.values()),
        money_by_year=dict(money_by_year),
        shares=shares,
        donors_of={pk: tuple(organisations[org] for org in orgs) for pk, orgs in donors_of.items()},
        transactions_without_eur=without_eur,
    )
