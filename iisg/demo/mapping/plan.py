"""The generated needs mapping 2021–2022 and response mapping of the demo.

`plan(seed)` draws the whole mapping from `random.Random(seed)` and the building blocks of
`taxonomy` and `donors`, without touching the database or the clock: the same seed gives the same
plan. `load.load_mapping()` writes a plan to the database through the services, idempotently.

The plan is drawn need by need: each need of the 2021–2022 cycle is a gap (no confirmed response), is
covered by one donor's action, or by the actions of two or three donors (an overlap). A need is covered
by actions that work in its thematic area, as the Secretariat links them (DESIGN.md, "The demo's
truth"), not merely towards the same objective: covering actions are reused where one of the right
pillar, partner and area already exists, so that regional programmes cover several needs. Actions of
a neighbouring area of the objective stay decoys (some proposed, some rejected); the remaining actions
are background: closed before the cycle, starting after it, or simply not mapped to a need.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from iisg.actions.choices import (
    ActionSource,
    ActivityStatus,
    BudgetStatus,
    BudgetType,
    Coverage,
    OrganisationRole,
    ResponseStatus,
    TransactionType,
)
from iisg.core.choices import Role
from iisg.needs.choices import Priority

from .. import curated, donors, taxonomy
from ..logins import LOGINS_BY_ROLE

DEFAULT_SEED = 2022
# The mapping is a picture taken on this day, not on the day it is loaded: statuses and
# disbursements follow from it, so that the demo does not change as time passes.
AS_OF = datetime.date(2024, 6, 30)
LAST_DAY = datetime.date(2026, 12, 31)
TARGET_ACTIONS = 300
NEEDS_PER_PARTNER_AND_PILLAR = (6, 11)
PRIORITY_WEIGHTS = {Priority.HIGH: 35, Priority.MEDIUM: 45, Priority.LOW: 20}
GAP_SHARE, SINGLE_DONOR_SHARE = 0.27, 0.53  # the rest are covered by two or three donors
REUSE_CHANCE = 0.75
IMPORTED_AT = datetime.datetime(2024, 5, 6, 6, 0, tzinfo=datetime.UTC)
MONTHS_OF_THEMATIC_MEETINGS = ("March", "April", "May", "June", "September", "October")
NATIONAL_TITLES = (
    "Support to {theme} in {scope}",
    "Strengthening {theme} in {scope}",
    "Improving {theme} in {scope}",
    "{scope}: capacity building for {theme}",
)
REGIONAL_TITLES = (
    "Regional programme on {theme} in the Western Balkans",
    "Strengthening {theme} in the Western Balkans",
    "Western Balkans: regional support to {theme}",
)
PHASES = ("phase II", "phase III", "phase IV", "phase V")
SECTOR_SHARES = {
    1: ((100,),),
    2: ((60, 40), (70, 30), (50, 50), (80, 20)),
    3: ((50, 30, 20), (40, 40, 20)),
}


@dataclass(frozen=True)
class NeedPlan:
    reference: str
    partner: str
    pillar: str
    area: str
    title: str
    description: str
    need_type: str
    perspective: str
    priority: str
    justification: str


@dataclass(frozen=True)
class BudgetPlan:
    status: int
    period_start: datetime.date
    period_end: datetime.date
    value: Decimal
    budget_type: int = BudgetType.ORIGINAL


@dataclass(frozen=True)
class TransactionPlan:
    transaction_type: int
    date: datetime.date
    value: Decimal
    provider: str
    receiver: str | None
    description: str


@dataclass
class ActionPlan:
    title: str
    description: str
    iati_identifier: str | None
    status: int
    planned_start: datetime.date
    planned_end: datetime.date
    actual_start: datetime.date | None
    actual_end: datetime.date | None
    currency: str
    partners: tuple
    pillars: tuple
    areas: dict  # pillar → area code: what the action is about in each pillar
    donor: str
    participations: tuple  # (organisation key, role)
    sectors: tuple  # (DAC code, percentage)
    budgets: tuple
    transactions: tuple
    source: str
    last_imported_at: datetime.datetime | None
    maps_needs: bool  # active in the cycle, so it may respond to its needs

    @property
    def key(self):
        return self.iati_identifier or self.title

    @property
    def organisations(self):
        return {organisation for organisation, _ in self.participations}


@dataclass(frozen=True)
class ResponsePlan:
    action: str  # ActionPlan.key
    need: str  # NeedPlan.reference
    coverage: str
    status: str
    proposer: str | None  # a demo login's role, or None when the matcher proposed it
    comment: str  # why the Secretariat confirmed or rejected it


@dataclass
class MappingPlan:
    needs: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    responses: list = field(default_factory=list)


def plan(seed=DEFAULT_SEED):
    """The whole generated mapping for a seed; the same seed always gives the same plan."""
    planner = _Planner(random.Random(seed), curated.tables())
    planner.plan_needs()
    planner.plan_regional_programmes()
    planner.plan_responses()
    planner.plan_background_actions()
    return planner.result


class _Planner:
    def __init__(self, rng, tables):
        self.rng = rng
        self.partners = {partner.code: partner for partner in tables.partners}
        self.organisation_names = {entry.key: entry.name for entry in tables.organisations}
        self.pillar_acronyms = {pillar.code: pillar.acronym for pillar in tables.pillars}
        self.areas = {
            pillar: {area.code: (objective, area) for objective, area in taxonomy.areas(pillar)}
            for pillar in taxonomy.TAXONOMY
        }
        self.titles, self.iati_identifiers = set(), set()
        self.result = MappingPlan()

    # Needs ------------------------------------------------------------------------------------

    def plan_needs(self):
        for partner in self.partners.values():
            for pillar in taxonomy.TAXONOMY:
                stems = [
                    (area, stem)
                    for _, area in taxonomy.areas(pillar)
                    for stem in area.needs
                    if not stem.partners or partner.code in stem.partners
                ]
                chosen = self.rng.sample(stems, self.rng.randint(*NEEDS_PER_PARTNER_AND_PILLAR))
                chosen.sort(key=lambda pair: ([int(part) for part in pair[0].code.split(".")], pair[1].title))
                for number, (area, stem) in enumerate(chosen, start=1):
                    self.result.needs.append(self._need(partner, pillar, area, stem, number))

    def _need(self, partner, pillar, area, stem, number):
        ministry = self.organisation_names[partner.ministry]
        context = self.rng.choice(taxonomy.CONTEXT).format(ministry=ministry)
        return NeedPlan(
            reference=f"{partner.code}-{self.pillar_acronyms[pillar]}-{number:03d}",
            partner=partner.code,
            pillar=pillar,
            area=area.code,
            title=stem.title,
            description=f"{stem.description} {context}",
            need_type=stem.need_type,
            perspective=stem.perspective,
            priority=self.rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0],
            justification=self._justification(partner, pillar),
        )

    def _justification(self, partner, pillar):
        facts = {
            "strategy": taxonomy.STRATEGIES[pillar],
            "partner": partner.display_name,
            "capital": partner.capital,
            "month": self.rng.choice(MONTHS_OF_THEMATIC_MEETINGS),
        }
        sentences = self.rng.sample(taxonomy.JUSTIFICATIONS, 2)
        if pillar == "wbcti" and self.rng.random() < 0.5:
            sentences[0] = taxonomy.WBCTI_JUSTIFICATION
        return " ".join(sentence.format(**facts) for sentence in sentences)

    # Actions ----------------------------------------------------------------------------------

    def plan_regional_programmes(self):
        """Regional programmes, one or two per objective, which cover needs of several partners."""
        for pillar, objectives in taxonomy.TAXONOMY.items():
            for objective in objectives:
                for chance in (0.9, 0.4):
                    if self.rng.random() < chance:
                        area = self.rng.choice(objective.areas)
                        self._action(pillar, area.code, self._regional_partners(), timing="active")

    def plan_background_actions(self):
        """Actions that respond to no need of the cycle, up to the number of actions wanted."""
        while len(self.result.actions) < TARGET_ACTIONS:
            pillar = self.rng.choice(list(taxonomy.TAXONOMY))
            area = self.rng.choice(list(self.areas[pillar]))
            if self.rng.random() < 0.35:
                partners = self._regional_partners()
            else:
                partners = (self.rng.choice(list(self.partners)),)
            timing = self.rng.choice(("before", "after", "active"))
            action = self._action(pillar, area, partners, timing=timing)
            action.maps_needs = False
            if action.status == ActivityStatus.IMPLEMENTATION and self.rng.random() < 0.05:
                action.status = ActivityStatus.SUSPENDED
            elif action.status == ActivityStatus.PIPELINE and self.rng.random() < 0.15:
                action.status = ActivityStatus.CANCELLED

    def _regional_partners(self):
        codes = list(self.partners)
        if self.rng.random() < 0.7:
            return tuple(codes)
        chosen = set(self.rng.sample(codes, self.rng.randint(3, 5)))
        return tuple(code for code in codes if code in chosen)

    def _action(self, pillar, area_code, partners, *, timing, excluded_donors=()):
        rng = self.rng
        candidates = [donor for donor in donors.donors_for(pillar) if donor.key not in excluded_donors]
        candidates = candidates or donors.donors_for(pillar)
        donor = rng.choices(candidates, weights=[donor.weight for donor in candidates])[0]
        possible = donors.implementers_for(donor, pillar)
        implementers = rng.sample(possible, 2 if len(possible) > 1 and rng.random() < 0.2 else 1)
        areas = {pillar: area_code}
        related = taxonomy.related_areas(pillar, area_code)
        if related and rng.random() < 0.4:
            other_pillar, other_area = rng.choice(related)
            areas[other_pillar] = other_area
        _, area = self.areas[pillar][area_code]
        planned_start, planned_end = self._planned_dates(timing)
        status, actual_start, actual_end = self._status(planned_start, planned_end)
        total = Decimal(rng.randint(donor.budget[0] // 1000, donor.budget[1] // 1000) * 1000)
        budgets = self._budgets(planned_start, planned_end, total, status)
        iati_identifier = self._iati_identifier(donor, planned_start.year)
        action = ActionPlan(
            title=self._title(donor, implementers, area.theme, partners),
            description=self._description(donor, implementers, area, partners),
            iati_identifier=iati_identifier,
            status=status,
            planned_start=planned_start,
            planned_end=planned_end,
            actual_start=actual_start,
            actual_end=actual_end,
            currency=donor.currency,
            partners=partners,
            pillars=tuple(areas),
            areas=areas,
            donor=donor.key,
            participations=self._participations(donor, implementers),
            sectors=self._sectors(areas),
            budgets=budgets,
            transactions=self._transactions(donor, implementers, planned_start, total, budgets, status, actual_end),
            source=self._source(iati_identifier),
            last_imported_at=None,
            maps_needs=timing == "active",
        )
        if action.source == ActionSource.IATI:
            action.last_imported_at = IMPORTED_AT + datetime.timedelta(minutes=rng.randint(0, 240))
        self.result.actions.append(action)
        return action

    def _planned_dates(self, timing):
        first, last, months = {
            "before": (datetime.date(2016, 1, 1), datetime.date(2019, 6, 30), (12, 36)),
            "active": (datetime.date(2019, 1, 1), datetime.date(2022, 6, 30), (30, 60)),
            "after": (datetime.date(2023, 1, 1), datetime.date(2025, 9, 30), (18, 48)),
        }[timing]
        start = (first + datetime.timedelta(days=self.rng.randint(0, (last - first).days))).replace(day=1)
        end = _add_months(start, self.rng.randint(*months)) - datetime.timedelta(days=1)
        return start, min(end, LAST_DAY)

    def _status(self, planned_start, planned_end):
        """The IATI activity status on AS_OF, with the actual dates it implies."""
        if planned_start > AS_OF:
            return ActivityStatus.PIPELINE, None, None
        actual_start = planned_start + datetime.timedelta(days=self.rng.randint(0, 75))
        if actual_start > AS_OF:
            return ActivityStatus.PIPELINE, None, None
        if planned_end < AS_OF - datetime.timedelta(days=180):
            actual_end = min(planned_end + datetime.timedelta(days=self.rng.randint(0, 90)), AS_OF)
            return ActivityStatus.CLOSED, actual_start, max(actual_end, actual_start)
        if planned_end < AS_OF:
            return ActivityStatus.FINALISATION, actual_start, None
        return ActivityStatus.IMPLEMENTATION, actual_start, None

    def _budgets(self, start, end, total, status):
        """One budget per calendar year of the action (IATI budget periods last at most a year)."""
        periods = []
        for year in range(start.year, end.year + 1):
            periods.append((max(start, datetime.date(year, 1, 1)), min(end, datetime.date(year, 12, 31))))
        days = sum((period_end - period_start).days + 1 for period_start, period_end in periods)
        budget_status = BudgetStatus.INDICATIVE if status == ActivityStatus.PIPELINE else BudgetStatus.COMMITTED
        budgets, allotted = [], Decimal(0)
        for index, (period_start, period_end) in enumerate(periods):
            if index == len(periods) - 1:
                value = total - allotted
            else:
                value = (total * ((period_end - period_start).days + 1) / days).quantize(Decimal("0.01"))
            allotted += value
            budgets.append(
                BudgetPlan(status=budget_status, period_start=period_start, period_end=period_end, value=value)
            )
        return tuple(budgets)

    def _transactions(self, donor, implementers, start, total, budgets, status, actual_end):
        """A commitment when the agreement is signed, then a disbursement per budget year until AS_OF."""
        if status in (ActivityStatus.PIPELINE, ActivityStatus.CANCELLED):
            return ()
        rng = self.rng
        receiver = implementers[0] if implementers[0] != donor.key else None
        with_whom = donors.PROSE_NAMES.get(implementers[0], self.organisation_names[implementers[0]])
        transactions = [
            TransactionPlan(
                transaction_type=TransactionType.OUTGOING_COMMITMENT,
                date=start - datetime.timedelta(days=rng.randint(10, 75)),
                value=total,
                provider=donor.key,
                receiver=receiver,
                description=f"Agreement with {with_whom}",
            )
        ]
        for budget in budgets:
            # A month at least after the previous payment: one payment per date keeps them apart.
            paid_on = max(
                budget.period_start + datetime.timedelta(days=rng.randint(15, 100)),
                transactions[-1].date + datetime.timedelta(days=30),
            )
            if paid_on > AS_OF or (actual_end and paid_on > actual_end):
                break
            share = Decimal(rng.randint(75, 100)) / 100
            transactions.append(
                TransactionPlan(
                    transaction_type=TransactionType.DISBURSEMENT,
                    date=paid_on,
                    value=(budget.value * share).quantize(Decimal("0.01")),
                    provider=donor.key,
                    receiver=receiver,
                    description=f"Instalment {budget.period_start.year}",
                )
            )
        return tuple(transactions)

    def _participations(self, donor, implementers):
        roles = [(donor.key, OrganisationRole.FUNDING)]
        if self.rng.random() < 0.25:
            roles.append((donor.key, OrganisationRole.ACCOUNTABLE))
        if donor.key == "bmz" and self.rng.random() < 0.5:
            roles.append(("giz", OrganisationRole.EXTENDING))
        roles += [(implementer, OrganisationRole.IMPLEMENTING) for implementer in implementers]
        return tuple(roles)

    def _sectors(self, areas):
        codes = list(dict.fromkeys(self.areas[pillar][code][1].sector for pillar, code in areas.items()))
        if "15210" not in codes and self.rng.random() < 0.4:
            codes.append("15210")
        shares = self.rng.choice(SECTOR_SHARES[len(codes)])
        return tuple((code, Decimal(share)) for code, share in zip(codes, shares, strict=True))

    def _iati_identifier(self, donor, year):
        while True:
            identifier = donors.iati_identifier(donor, self.rng, year)
            if identifier not in self.iati_identifiers:
                if identifier:
                    self.iati_identifiers.add(identifier)
                return identifier

    def _source(self, iati_identifier):
        if iati_identifier and self.rng.random() < 0.7:
            return ActionSource.IATI
        return ActionSource.EXCEL if self.rng.random() < 0.35 else ActionSource.ENTERED

    def _title(self, donor, implementers, theme, partners):
        national = len(partners) == 1
        scope = self.partners[partners[0]].display_name if national else "the Western Balkans"
        if national and donor.key == "dg-near" and implementers[0] in donors.TWINNING_PARTNERS:
            pattern = "Twinning: {theme} in {scope}"
        elif donor.key == "dg-near" and self.rng.random() < 0.5:
            pattern = "EU support to {theme} in {scope}"
        else:
            pattern = self.rng.choice(NATIONAL_TITLES if national else REGIONAL_TITLES)
        title = pattern.format(theme=theme, scope=scope)
        title = title[0].upper() + title[1:]
        candidates = [title] + [f"{title} – {phase}" for phase in PHASES]
        title = next((candidate for candidate in candidates if candidate not in self.titles), None)
        if title is None:
            title = f"{candidates[0]} ({len(self.titles)})"
        self.titles.add(title)
        return title

    def _description(self, donor, implementers, area, partners):
        national = len(partners) == 1
        whom = self.partners[partners[0]].display_name if national else "the Western Balkan partners"
        first, second = self.rng.sample(area.activities, 2)
        names = [donors.PROSE_NAMES.get(key, self.organisation_names[key]) for key in implementers]
        done_by = " and ".join(names)
        funded = donors.PROSE_NAMES[donor.key]
        closing = (
            f"{funded[0].upper()}{funded[1:]} funds it and implements it itself."
            if implementers == [donor.key]
            else f"It is funded by {funded} and implemented by {done_by}."
        )
        return f"The action supports {whom} in {area.theme}. It {first} and {second}. {closing}"

    # Responses --------------------------------------------------------------------------------

    def plan_responses(self):
        """Links of actions to needs: gaps, single-donor coverage and overlaps of donors."""
        for need in self.result.needs:
            draw = self.rng.random()
            if draw < GAP_SHARE:
                wanted = 0
            elif draw < GAP_SHARE + SINGLE_DONOR_SHARE:
                wanted = 1
            else:
                wanted = self.rng.choice((2, 2, 3))
            covering = self._covering_actions(need, wanted)
            for action in covering:
                self._respond(need, action, ResponseStatus.CONFIRMED, single=wanted == 1)
            self._propose_others(need, covering, gap=wanted == 0)

    def _candidates(self, need, *, same_area):
        return [
            action
            for action in self.result.actions
            if action.maps_needs
            and need.pillar in action.areas
            and need.partner in action.partners
            and (not same_area or action.areas[need.pillar] == need.area)
        ]

    def _covering_actions(self, need, wanted):
        candidates = self._candidates(need, same_area=True)
        self.rng.shuffle(candidates)
        chosen, donors_used = [], set()
        for action in candidates:
            if len(chosen) == wanted:
                break
            if action.donor not in donors_used and self.rng.random() < REUSE_CHANCE:
                chosen.append(action)
                donors_used.add(action.donor)
        while len(chosen) < wanted:
            action = self._action(need.pillar, need.area, (need.partner,), timing="active", excluded_donors=donors_used)
            chosen.append(action)
            donors_used.add(action.donor)
        return chosen

    def _propose_others(self, need, covering, *, gap):
        others = [action for action in self._candidates(need, same_area=False) if action not in covering]
        if not others:
            return
        proposed, rejected = (0.35, 0.12) if gap else (0.15, 0.04)
        picked = self.rng.sample(others, min(2, len(others)))
        if self.rng.random() < proposed:
            self._respond(need, picked[0], ResponseStatus.PROPOSED)
        if len(picked) > 1 and self.rng.random() < rejected:
            self._respond(need, picked[1], ResponseStatus.REJECTED)

    def _respond(self, need, action, status, *, single=False):
        rng = self.rng
        national = len(action.partners) == 1
        full_chance = (0.45 if national else 0.15) if single else 0.1
        coverage = (
            Coverage.FULL if status == ResponseStatus.CONFIRMED and rng.random() < full_chance else Coverage.PARTIAL
        )
        proposer = self._proposer(action, status)
        comment = None
        if status == ResponseStatus.CONFIRMED:
            # The draws that once made up the day of the confirmation (confirm_response now records
            # when it confirms): kept so that every later draw, hence the whole seeded demo, stays.
            rng.randint(0, 80)
            rng.randint(0, 7)
            comment = "Confirmed with the donor at the national thematic meeting." if rng.random() < 0.2 else ""
        elif status == ResponseStatus.REJECTED:
            acronym = self.pillar_acronyms[need.pillar]
            comment = f"Rejected: the action works on {acronym} area {action.areas[need.pillar]}, not on this need."
        if proposer is None:
            # The draw that once made up a matcher score (the loader now asks the real matcher):
            # kept so that every later draw, hence the whole seeded demo, stays the same.
            rng.randint(4200, 9300)
        self.result.responses.append(
            ResponsePlan(
                action=action.key,
                need=need.reference,
                coverage=coverage,
                status=status,
                proposer=proposer,
                comment=comment or "",
            )
        )

    def _proposer(self, action, status):
        """Who proposed the link: the demo donor or implementer for their own actions, else the
        matcher (always for rejected links) or the Secretariat."""
        if status == ResponseStatus.REJECTED:
            return None
        for role in (Role.DONOR, Role.IMPLEMENTER):
            if LOGINS_BY_ROLE[role].organisation in action.organisations:
                return role
        return None if self.rng.random() < 0.4 else Role.SECRETARIAT


def _add_months(day, months):
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)
