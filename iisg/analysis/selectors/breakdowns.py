"""Breakdowns of a support mapping: tallies by priority, area, partner and pillar; donors and
implementers; funding over time; donor concentration. Each is worked out once per support mapping
(kept with it) and shared by every page that shows it."""

from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from decimal import Decimal

from iisg.actions.choices import Coverage, OrganisationRole
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.choices import Priority

from .scope import ZERO

PRIORITY_ORDER = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}


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
        # Each figure read once: this runs for every need of every breakdown.
        is_gap = need.is_gap
        self.needs += 1
        self.covered += need.is_covered
        self.fully_covered += need.coverage == Coverage.FULL
        self.gaps += is_gap
        self.overlaps += need.is_overlap
        self.high_priority_gaps += is_gap and need.priority == Priority.HIGH
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
