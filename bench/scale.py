"""A support mapping of any size, generated from the demo, for the analysis benchmark.

`generate_support_mapping(needs=5000, actions=100000)` needs the demo in the database (partners,
pillars, the 2021–2022 needs cycle and its areas, the organisations and the demo's needs and actions,
whose texts it recombines). It writes a new adopted needs-mapping cycle with its own copy of the
demo's areas, the needs, the actions with their partners, pillars, organisations, sectors, budgets
and transactions (EUR, so the EUR figures are the values), and the responses: confirmed for about
70% of the needs, plus some proposed and rejected ones, each of an action of the need's partner and
pillar that runs during the cycle.

Rows are written with `iisg.core.bulk.insert_rows` in one transaction, without history: this is a
fixture for measuring reads, not a record of changes.
"""

import datetime
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from iisg.actions.choices import (
    ActionSource,
    ActivityStatus,
    BudgetStatus,
    Coverage,
    OrganisationRole,
    ResponseStatus,
    TransactionType,
)
from iisg.actions.models import Action, ActionOrganisation, ActionSector, Budget, Response, Transaction
from iisg.core.bulk import insert_rows
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus, Priority
from iisg.needs.models import Area, Cycle, Need

DEMO_CYCLE_YEARS = (2021, 2022)
# The cycle lies in the middle of the actions' years (2018–2030), so that about a third of the
# actions run during it and can respond to its needs, as in the demo.
FIRST_YEAR = 2025
FIRST_START, LAST_START, LAST_END = datetime.date(2018, 1, 1), datetime.date(2029, 12, 1), datetime.date(2030, 12, 31)
AS_OF = datetime.date(2026, 6, 30)  # the statuses of the actions are those of this day
PRIORITY_WEIGHTS = {Priority.HIGH: 35, Priority.MEDIUM: 45, Priority.LOW: 20}
CONFIRMED_SHARE = 0.70
RESPONSES_PER_NEED = {1: 55, 2: 30, 3: 15}
NEED_QUALIFIERS = (
    " – follow-up",
    " (second phase)",
    " at regional and local level",
    " in line with the EU acquis",
    " in the institutions outside the capital",
)
PHASES = ("phase II", "phase III", "phase IV", "phase V")
SECTOR_SHARES = ((60, 40), (70, 30), (50, 50), (80, 20))
DAC_5_DIGIT = "1"
SENTENCE = re.compile(r"(?<=\.) (?=[A-Z])")
THEME = re.compile(r"^The action supports .+? in (.+)\.$")


def generate_support_mapping(*, needs, actions, seed=1, first_year=FIRST_YEAR):
    """Write a generated needs cycle `first_year`–`first_year + 1` (adopted) with `needs` adopted
    needs, `actions` actions and their responses; return the cycle. The same seed on the same demo
    gives the same mapping."""
    demo = _Demo.read()
    rng = random.Random(seed)
    with transaction.atomic():
        cycle = Cycle.objects.create(
            kind=CycleKind.NEEDS, first_year=first_year, last_year=first_year + 1, status=CycleStatus.ADOPTED
        )
        writer = _Writer(rng, demo, cycle)
        writer.write_needs(needs)
        writer.write_actions(actions)
        writer.write_responses()
    return cycle


@dataclass
class _DemoNeed:
    partner_id: int
    pillar_id: int
    area_id: int
    title: str
    sentences: list
    justification: list
    need_type: str
    perspective: str
    ministry_id: int | None


@dataclass
class _DemoAction:
    partner_ids: list
    pillar_ids: list
    donor_id: int | None
    title: str
    sentences: list


@dataclass
class _Demo:
    """What the generator takes from the demo: the directory, the areas and the texts."""

    cycle: Cycle
    partners: dict  # id → display name
    codes: dict  # partner id → code
    pillars: list
    areas: list  # Area rows of the demo cycle, objectives first
    needs: list
    actions: list
    donors: dict  # organisation id → number of demo actions it funds
    implementers: dict
    names: dict  # organisation id → short name
    identifiers: dict  # organisation id → IATI organisation identifier
    sectors: dict  # pillar id → DAC codes of the demo's actions in that pillar

    @classmethod
    def read(cls):
        cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=DEMO_CYCLE_YEARS[0], last_year=DEMO_CYCLE_YEARS[1])
        partners = {partner.pk: partner.display_name for partner in Partner.objects.all()}
        needs = [
            _DemoNeed(
                partner_id=need.partner_id,
                pillar_id=need.pillar_id,
                area_id=need.area_id,
                title=need.title,
                sentences=SENTENCE.split(need.description),
                justification=SENTENCE.split(need.justification),
                need_type=need.need_type,
                perspective=need.perspective,
                ministry_id=need.responsible_institution_id,
            )
            for need in Need.objects.filter(cycle=cycle, area__isnull=False).order_by("pk")
        ]
        demo_actions = Action.objects.order_by("pk").prefetch_related("partners", "pillars", "participations")
        actions = [
            _DemoAction(
                partner_ids=[p.pk for p in action.partners.all()],
                pillar_ids=[p.pk for p in action.pillars.all()],
                donor_id=next(
                    (p.organisation_id for p in action.participations.all() if p.role == OrganisationRole.FUNDING),
                    None,
                ),
                title=action.title,
                sentences=SENTENCE.split(action.description),
            )
            for action in demo_actions
            if len(SENTENCE.split(action.description)) >= 3
        ]
        roles = defaultdict(lambda: defaultdict(int))
        for organisation_id, role in ActionOrganisation.objects.values_list("organisation_id", "role"):
            roles[role][organisation_id] += 1
        sectors = defaultdict(set)
        for pillar_id, code in ActionSector.objects.filter(vocabulary=DAC_5_DIGIT).values_list(
            "action__pillars", "code"
        ):
            sectors[pillar_id].add(code)
        organisations = Organisation.objects.filter(participations__isnull=False).distinct()
        return cls(
            cycle=cycle,
            partners=partners,
            codes=dict(Partner.objects.values_list("pk", "code")),
            pillars=list(Pillar.objects.all()),
            areas=list(Area.objects.filter(cycle=cycle).order_by("parent_id", "pk")),
            needs=needs,
            actions=actions,
            donors=dict(sorted(roles[OrganisationRole.FUNDING].items())),
            implementers=dict(sorted(roles[OrganisationRole.IMPLEMENTING].items())),
            names={o.pk: o.short_name for o in organisations},
            identifiers={o.pk: o.iati_identifier for o in organisations if o.iati_identifier},
            sectors={pillar_id: sorted(codes) for pillar_id, codes in sectors.items()},
        )


class _Writer:
    def __init__(self, rng, demo, cycle):
        self.rng, self.demo, self.cycle = rng, demo, cycle
        self.now = timezone.now()
        self.stamps = {"created_at": self.now, "updated_at": self.now}
        self.cycle_start = datetime.date(cycle.first_year, 1, 1)
        self.cycle_end = datetime.date(cycle.last_year, 12, 31)
        self.secretariat_id = User.objects.filter(username="secretariat").values_list("pk", flat=True).first()
        self.need_ids = {}  # (partner id, pillar id) → [need id]
        self.active = defaultdict(list)  # (partner id, pillar id) → [action id] running in the cycle

    # Needs ------------------------------------------------------------------------------------

    def write_needs(self, count):
        rng, demo = self.rng, self.demo
        areas = self._copy_areas()
        leaves = defaultdict(list)  # pillar id → [(demo area id, new area id)]
        for demo_area_id, (pillar_id, area_id, is_leaf) in areas.items():
            if is_leaf:
                leaves[pillar_id].append((demo_area_id, area_id))
        by_area, by_partner, by_partner_pillar = defaultdict(list), defaultdict(list), defaultdict(list)
        for need in demo.needs:
            by_area[need.area_id].append(need)
            by_partner[need.partner_id].append(need)
            by_partner_pillar[(need.partner_id, need.pillar_id)].append(need)
        partner_ids = list(demo.partners)
        priorities, weights = list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values())
        drawn = []
        for _ in range(count):
            partner_id = rng.choice(partner_ids)
            pillar = rng.choice(demo.pillars)
            demo_area_id, area_id = rng.choice(leaves[pillar.pk])
            drawn.append((partner_id, pillar, demo_area_id, area_id))
        drawn.sort(key=lambda row: (row[0], row[1].order, row[3]))
        numbers = defaultdict(int)
        rows = []
        for partner_id, pillar, demo_area_id, area_id in drawn:
            stem = rng.choice(by_area[demo_area_id] or by_partner_pillar[(partner_id, pillar.pk)])
            own = rng.choice(by_partner[partner_id])  # its closing sentence names the partner's ministry
            reasons = by_partner_pillar[(partner_id, pillar.pk)]
            first, second = rng.choice(reasons), rng.choice(reasons)
            numbers[(partner_id, pillar.pk)] += 1
            title = stem.title + (rng.choice(NEED_QUALIFIERS) if rng.random() < 0.4 else "")
            rows.append(
                {
                    "cycle_id": self.cycle.pk,
                    "reference": f"{demo.codes[partner_id]}-{pillar.acronym}-{numbers[(partner_id, pillar.pk)]:04d}",
                    "partner_id": partner_id,
                    "pillar_id": pillar.pk,
                    "area_id": area_id,
                    "title": title[:300],
                    "description": " ".join([*stem.sentences[:-1], own.sentences[-1]]),
                    "need_type": stem.need_type,
                    "perspective": stem.perspective,
                    "priority": rng.choices(priorities, weights=weights)[0],
                    "justification": " ".join([first.justification[0], second.justification[-1]]),
                    "responsible_institution_id": own.ministry_id,
                    "status": NeedStatus.ADOPTED,
                    "review_comment": "",
                    **self.stamps,
                }
            )
        insert_rows(Need, rows)
        for pk, partner_id, pillar_id in Need.objects.filter(cycle=self.cycle).values_list(
            "pk", "partner_id", "pillar_id"
        ):
            self.need_ids.setdefault((partner_id, pillar_id), []).append(pk)

    def _copy_areas(self):
        """The demo cycle's areas in the new cycle: {demo area id: (pillar id, new id, is a leaf)}."""
        copies = {}
        objectives = [area for area in self.demo.areas if area.parent_id is None]
        children = [area for area in self.demo.areas if area.parent_id is not None]
        for group in (objectives, children):
            made = Area.objects.bulk_create(
                Area(
                    cycle=self.cycle,
                    pillar_id=area.pillar_id,
                    parent_id=copies[area.parent_id][1] if area.parent_id else None,
                    code=area.code,
                    name=area.name,
                    description=area.description,
                )
                for area in group
            )
            for area, copy in zip(group, made, strict=True):
                copies[area.pk] = (area.pillar_id, copy.pk, group is children)
        return copies

    # Actions ----------------------------------------------------------------------------------

    def write_actions(self, count):
        rng, demo = self.rng, self.demo
        templates = defaultdict(list)  # (pillar id, national) → demo actions
        activities = defaultdict(list)  # theme → "It … and …." sentences of the demo's actions on it
        for action in demo.actions:
            for pillar_id in action.pillar_ids:
                templates[(pillar_id, len(action.partner_ids) == 1)].append(action)
            activities[_theme(action.sentences[0])].append(action.sentences[1])
        donor_ids, donor_weights = list(demo.donors), list(demo.donors.values())
        implementer_ids, implementer_weights = list(demo.implementers), list(demo.implementers.values())
        partner_ids, pillar_ids = list(demo.partners), [pillar.pk for pillar in demo.pillars]
        first = Action.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        plans = []
        rows = []
        for number in range(1, count + 1):
            partners = rng.sample(partner_ids, 1 if rng.random() < 0.7 else 2)
            pillars = rng.sample(pillar_ids, 1 if rng.random() < 0.75 else 2)
            donor = rng.choices(donor_ids, weights=donor_weights)[0]
            implementers = []
            while len(implementers) < (1 if rng.random() < 0.75 else 2):
                implementer = rng.choices(implementer_ids, weights=implementer_weights)[0]
                if implementer not in implementers:
                    implementers.append(implementer)
            start, end = self._dates()
            status = self._status(start, end)
            title, description = self._texts(templates, activities, partners, pillars, donor, implementers)
            prefix = demo.identifiers.get(donor, "XI-IATI-IISG")
            rows.append(
                {
                    "title": title,
                    "description": description,
                    "iati_identifier": f"{prefix}-G{self.cycle.first_year}-{number:06d}",
                    "status": status,
                    "planned_start": start,
                    "planned_end": end,
                    "actual_start": start if status != ActivityStatus.PIPELINE else None,
                    "actual_end": end if status == ActivityStatus.CLOSED else None,
                    "default_currency": "EUR",
                    "source": ActionSource.IATI,
                    "last_imported_at": self.now,
                    "language": "en",
                    "titles": [],
                    "descriptions": [],
                    "secondary_reporter": False,
                    **self.stamps,
                }
            )
            plans.append((partners, pillars, donor, implementers, start, end, status))
        insert_rows(Action, rows)
        ids = list(Action.objects.filter(pk__gt=first).order_by("pk").values_list("pk", flat=True))
        assert len(ids) == count, "another writer added actions meanwhile"
        self._write_children(ids, plans)

    def _dates(self):
        rng = self.rng
        start = FIRST_START + datetime.timedelta(days=rng.randint(0, (LAST_START - FIRST_START).days))
        start = start.replace(day=1)
        months = start.month - 1 + rng.randint(12, 60)
        end = start.replace(year=start.year + months // 12, month=months % 12 + 1) - datetime.timedelta(days=1)
        return start, min(end, LAST_END)

    @staticmethod
    def _status(start, end):
        if start > AS_OF:
            return ActivityStatus.PIPELINE
        if end < AS_OF:
            return ActivityStatus.CLOSED
        return ActivityStatus.IMPLEMENTATION

    def _texts(self, templates, activities, partners, pillars, donor, implementers):
        """A title and description from a demo action of the same pillar and reach (national or
        regional), of the same donor where there is one, told of the new partner, with the
        activities of a demo action on the same theme and the organisations named."""
        rng, demo = self.rng, self.demo
        national = len(partners) == 1
        candidates = templates[(pillars[0], national)] or templates[(pillars[0], not national)]
        template = rng.choice([action for action in candidates if action.donor_id == donor] or candidates)
        title, opening = template.title, template.sentences[0]
        if template.donor_id != donor:  # the demo's titles name some donors' instruments
            title = title.replace("EU support to", "Support to").replace("Twinning: ", "")
            title = title[0].upper() + title[1:]
        if national and len(template.partner_ids) == 1:
            old, new = demo.partners[template.partner_ids[0]], demo.partners[partners[0]]
            title, opening = title.replace(old, new), opening.replace(old, new)
        if " – phase" not in title and rng.random() < 0.3:
            title = f"{title} – {rng.choice(PHASES)}"
        done = rng.choice(activities.get(_theme(template.sentences[0])) or [template.sentences[1]])
        doers = " and ".join(demo.names[i] for i in implementers)
        if implementers == [donor]:
            closing = f"{demo.names[donor]} funds it and implements it itself."
        else:
            closing = f"It is funded by {demo.names[donor]} and implemented by {doers}."
        return title[:500], f"{opening} {done} {closing}"

    def _write_children(self, ids, plans):
        rng = self.rng
        partner_rows, pillar_rows, organisations, sectors, budgets, transactions = [], [], [], [], [], []
        for action_id, (partners, pillars, donor, implementers, start, end, status) in zip(ids, plans, strict=True):
            partner_rows += [{"action_id": action_id, "partner_id": pk} for pk in partners]
            pillar_rows += [{"action_id": action_id, "pillar_id": pk} for pk in pillars]
            organisations.append({"action_id": action_id, "organisation_id": donor, "role": OrganisationRole.FUNDING})
            organisations += [
                {"action_id": action_id, "organisation_id": pk, "role": OrganisationRole.IMPLEMENTING}
                for pk in implementers
            ]
            sectors += self._sectors(action_id, pillars)
            total = Decimal(rng.randint(50, 5000) * 1000)
            budgets += self._budgets(action_id, start, end, total, status)
            transactions += self._transactions(action_id, donor, implementers[0], start, end, total)
            if status != ActivityStatus.PIPELINE and start <= self.cycle_end and end >= self.cycle_start:
                for partner_id in partners:
                    for pillar_id in pillars:
                        self.active[(partner_id, pillar_id)].append(action_id)
        insert_rows(Action.partners.through, partner_rows)
        insert_rows(Action.pillars.through, pillar_rows)
        insert_rows(ActionOrganisation, organisations)
        insert_rows(ActionSector, sectors)
        insert_rows(Budget, budgets)
        insert_rows(Transaction, transactions)

    def _sectors(self, action_id, pillars):
        codes = sorted({code for pk in pillars for code in self.demo.sectors.get(pk, ())})
        chosen = self.rng.sample(codes, min(len(codes), 1 if self.rng.random() < 0.6 else 2))
        shares = (100,) if len(chosen) == 1 else self.rng.choice(SECTOR_SHARES)
        return [
            {"action_id": action_id, "vocabulary": DAC_5_DIGIT, "code": code, "percentage": Decimal(share)}
            for code, share in zip(chosen, shares, strict=True)
        ]

    @staticmethod
    def _budgets(action_id, start, end, total, status):
        """One budget per calendar year of the action, the total shared by days."""
        periods = [
            (max(start, datetime.date(year, 1, 1)), min(end, datetime.date(year, 12, 31)))
            for year in range(start.year, end.year + 1)
        ]
        days = (end - start).days + 1
        budget_status = BudgetStatus.INDICATIVE if status == ActivityStatus.PIPELINE else BudgetStatus.COMMITTED
        rows, allotted = [], Decimal(0)
        for index, (period_start, period_end) in enumerate(periods):
            if index == len(periods) - 1:
                value = total - allotted
            else:
                value = (total * ((period_end - period_start).days + 1) / days).quantize(Decimal("0.01"))
            allotted += value
            rows.append(
                {
                    "action_id": action_id,
                    "status": budget_status,
                    "period_start": period_start,
                    "period_end": period_end,
                    **_eur(value, period_start),
                }
            )
        return rows

    def _transactions(self, action_id, donor, receiver, start, end, total):
        """A commitment of the total before the start, then one to five disbursements over the
        action's run, at least a month apart."""
        rng = self.rng
        committed_on = start - datetime.timedelta(days=rng.randint(10, 75))
        rows = [
            {
                "action_id": action_id,
                "transaction_type": TransactionType.OUTGOING_COMMITMENT,
                "date": committed_on,
                "provider_id": donor,
                "receiver_id": receiver if receiver != donor else None,
                "description": "Agreement signed",
                **_eur(total, committed_on),
            }
        ]
        count = rng.randint(1, 5)
        span = max((end - start).days - 30 * count, 0)
        offsets = sorted(rng.randint(0, span) for _ in range(count))
        left = total
        for index, offset in enumerate(offsets):
            paid_on = start + datetime.timedelta(days=offset + 30 * index)
            value = (left * Decimal(rng.randint(20, 60)) / 100).quantize(Decimal("0.01"))
            left -= value
            rows.append(
                {
                    "action_id": action_id,
                    "transaction_type": TransactionType.DISBURSEMENT,
                    "date": paid_on,
                    "provider_id": donor,
                    "receiver_id": receiver if receiver != donor else None,
                    "description": f"Instalment {paid_on.year}",
                    **_eur(value, paid_on),
                }
            )
        return rows

    # Responses --------------------------------------------------------------------------------

    def write_responses(self):
        """Confirmed links for about 70% of the needs, one to three actions each; proposed and
        rejected ones besides, more often on the needs left uncovered."""
        rng = self.rng
        counts, weights = list(RESPONSES_PER_NEED), list(RESPONSES_PER_NEED.values())
        confirmed_from = datetime.datetime(self.cycle.first_year, 3, 1, 9, tzinfo=datetime.UTC)
        rows = []
        for key in sorted(self.need_ids):
            candidates = self.active.get(key, [])
            for need_id in self.need_ids[key]:
                covered = rng.random() < CONFIRMED_SHARE
                wanted = rng.choices(counts, weights=weights)[0] if covered else 0
                proposed, rejected = (0.15, 0.04) if covered else (0.35, 0.12)
                picked = rng.sample(candidates, min(len(candidates), wanted + 2))
                for action_id in picked[:wanted]:
                    full = wanted == 1 and rng.random() < 0.3
                    confirmed_at = confirmed_from + datetime.timedelta(
                        days=rng.randint(0, 300), hours=rng.randint(0, 8)
                    )
                    rows.append(
                        self._response(
                            action_id,
                            need_id,
                            ResponseStatus.CONFIRMED,
                            coverage=Coverage.FULL if full else Coverage.PARTIAL,
                            proposed_by_id=self.secretariat_id if rng.random() < 0.6 else None,
                            confirmed_by_id=self.secretariat_id,
                            confirmed_at=confirmed_at,
                        )
                    )
                others = picked[wanted:]
                if others and rng.random() < proposed:
                    rows.append(
                        self._response(others[0], need_id, ResponseStatus.PROPOSED, matcher_score=self._score())
                    )
                if len(others) > 1 and rng.random() < rejected:
                    rows.append(
                        self._response(
                            others[1],
                            need_id,
                            ResponseStatus.REJECTED,
                            matcher_score=self._score(),
                            comment="Rejected by the Secretariat: the action works on another theme.",
                        )
                    )
        insert_rows(Response, rows)

    def _score(self):
        return Decimal(self.rng.randint(4200, 9300)) / 10000

    def _response(self, action_id, need_id, status, **values):
        return {
            "action_id": action_id,
            "need_id": need_id,
            "coverage": Coverage.PARTIAL,
            "status": status,
            "comment": "",
            **values,
            **self.stamps,
        }


def _eur(value, day):
    """The money fields of a EUR value on `day`: the EUR figure is the value, at the rate 1."""
    return {
        "value": value,
        "currency": "EUR",
        "value_date": day,
        "value_eur": value,
        "eur_rate": Decimal(1),
        "rate_month": day.replace(day=1),
    }


def _theme(opening):
    """What a demo action is about, from its first sentence ("The action supports X in <theme>.")."""
    found = THEME.match(opening)
    return found.group(1) if found else opening
