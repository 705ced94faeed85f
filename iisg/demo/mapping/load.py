"""Writing a mapping plan to the database, idempotently: rows are found again by their natural
keys (area code, need reference, action IATI identifier or title…) and saved only when they differ."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import Action, ActionOrganisation, ActionSector, Budget, Response, Transaction
from iisg.actions.money import Rates
from iisg.analysis.matcher import explain
from iisg.core.choices import Role
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
from iisg.needs.models import Area, Cycle, Need

from .. import curated, taxonomy
from ..upsert import sync_many_to_many, upsert, upsert_many

DAC_5_DIGIT = "1"  # IATI SectorVocabulary: OECD DAC CRS purpose codes (5 digit)
# The annual response mappings: 2021 adopted, 2022 still in review.
RESPONSE_CYCLES = (
    (2021, CycleStatus.ADOPTED, datetime.date(2022, 1, 17), datetime.date(2022, 5, 31)),
    (2022, CycleStatus.IN_REVIEW, datetime.date(2023, 1, 16), datetime.date(2023, 6, 30)),
)


@dataclass
class MappingSummary:
    needs: int
    actions: int
    responses: int
    confirmed: int
    gaps: int  # adopted needs of the cycle without a confirmed response
    overlaps: int  # needs with confirmed responses from two donors or more


def load_mapping(mapping_plan, *, content, users):
    """Write `mapping_plan` (from `plan()`) into the needs cycle of `content`; return its figures.

    `users` maps roles to the demo users (or None): they propose and confirm the responses.
    """
    for year, status, opens_on, closes_on in RESPONSE_CYCLES:
        upsert(
            Cycle,
            key={"kind": CycleKind.RESPONSE, "first_year": year, "last_year": year},
            values={"status": status, "opens_on": opens_on, "closes_on": closes_on},
        )
    cycle = content.needs_cycle
    areas = load_areas(cycle, content.pillars)
    needs = load_needs(mapping_plan.needs, cycle=cycle, areas=areas, content=content)
    actions = load_actions(mapping_plan.actions, content=content)
    load_responses(mapping_plan.responses, needs=needs, actions=actions, users=users)
    return summarise(cycle, actions=len(actions))


def load_areas(cycle, pillars):
    """The taxonomy of each pillar in the cycle: objectives, then their areas; by (pillar, code)."""
    objectives = upsert_many(
        Area,
        [
            {
                "cycle_id": cycle.pk,
                "pillar_id": pillars[pillar].pk,
                "code": objective.code,
                "parent_id": None,
                "name": objective.name,
            }
            for pillar, objectives in taxonomy.TAXONOMY.items()
            for objective in objectives
        ],
        key=("cycle_id", "pillar_id", "code"),
        existing=Area.objects.filter(cycle=cycle),
    )
    areas = upsert_many(
        Area,
        [
            {
                "cycle_id": cycle.pk,
                "pillar_id": pillars[pillar].pk,
                "code": area.code,
                "parent_id": objectives[(cycle.pk, pillars[pillar].pk, objective.code)].pk,
                "name": area.name,
            }
            for pillar, objectives_of_pillar in taxonomy.TAXONOMY.items()
            for objective in objectives_of_pillar
            for area in objective.areas
        ],
        key=("cycle_id", "pillar_id", "code"),
        existing=Area.objects.filter(cycle=cycle),
    )
    code_of_pillar = {pillar.pk: code for code, pillar in pillars.items()}
    return {(code_of_pillar[pillar_id], code): area for (_, pillar_id, code), area in areas.items()}


def load_needs(planned, *, cycle, areas, content):
    """The adopted needs of the cycle, by reference."""
    ministries = {partner.code: content.organisations[partner.ministry] for partner in curated.tables().partners}
    rows = [
        {
            "cycle_id": cycle.pk,
            "reference": need.reference,
            "partner_id": content.partners[need.partner].pk,
            "pillar_id": content.pillars[need.pillar].pk,
            "area_id": areas[(need.pillar, need.area)].pk,
            "title": need.title,
            "description": need.description,
            "need_type": need.need_type,
            "perspective": need.perspective,
            "priority": need.priority,
            "justification": need.justification,
            "responsible_institution_id": ministries[need.partner].pk,
            "status": NeedStatus.ADOPTED,
            "review_comment": "",
        }
        for need in planned
    ]
    loaded = upsert_many(Need, rows, key=("cycle_id", "reference"), existing=Need.objects.filter(cycle=cycle))
    return {reference: need for (_, reference), need in loaded.items()}


def _action_key(values):
    return values["iati_identifier"] or values["title"]


def load_actions(planned, *, content):
    """The actions with their organisations, partners, pillars, sectors, budgets and transactions."""
    organisations = content.organisations
    rows = [
        {
            "title": action.title,
            "description": action.description,
            "iati_identifier": action.iati_identifier,
            "status": action.status,
            "planned_start": action.planned_start,
            "planned_end": action.planned_end,
            "actual_start": action.actual_start,
            "actual_end": action.actual_end,
            "default_currency": action.currency,
            "source": action.source,
            "last_imported_at": action.last_imported_at,
        }
        for action in planned
    ]
    with_identifier = [action.iati_identifier for action in planned if action.iati_identifier]
    without_identifier = [action.title for action in planned if not action.iati_identifier]
    existing = Action.objects.filter(
        Q(iati_identifier__in=with_identifier) | Q(iati_identifier__isnull=True, title__in=without_identifier)
    )
    actions = upsert_many(Action, rows, key=_action_key, existing=existing)
    sync_many_to_many(
        Action, "partners", {actions[a.key]: [content.partners[code] for code in a.partners] for a in planned}
    )
    sync_many_to_many(
        Action, "pillars", {actions[a.key]: [content.pillars[code] for code in a.pillars] for a in planned}
    )
    ids = [action.pk for action in actions.values()]

    def rows_of(make):
        return [row for action in planned for row in make(actions[action.key].pk, action)]

    upsert_many(
        ActionOrganisation,
        rows_of(
            lambda pk, action: (
                {"action_id": pk, "organisation_id": organisations[key].pk, "role": role}
                for key, role in action.participations
            )
        ),
        key=("action_id", "organisation_id", "role"),
        existing=ActionOrganisation.objects.filter(action_id__in=ids),
    )
    upsert_many(
        ActionSector,
        rows_of(
            lambda pk, action: (
                {"action_id": pk, "vocabulary": DAC_5_DIGIT, "code": code, "percentage": percentage}
                for code, percentage in action.sectors
            )
        ),
        key=("action_id", "vocabulary", "code"),
        existing=ActionSector.objects.filter(action_id__in=ids),
    )
    rates = Rates.from_database()
    upsert_many(
        Budget,
        rows_of(
            lambda pk, action: (
                {
                    "action_id": pk,
                    "budget_type": budget.budget_type,
                    "status": budget.status,
                    "period_start": budget.period_start,
                    "period_end": budget.period_end,
                    "value": budget.value,
                    "currency": action.currency,
                    "value_date": budget.period_start,
                    **rates.fields(budget.value, action.currency, budget.period_start),
                }
                for budget in action.budgets
            )
        ),
        key=("action_id", "budget_type", "period_start"),
        existing=Budget.objects.filter(action_id__in=ids),
    )
    upsert_many(
        Transaction,
        rows_of(
            lambda pk, action: (
                {
                    "action_id": pk,
                    "transaction_type": transaction.transaction_type,
                    "date": transaction.date,
                    "value": transaction.value,
                    "currency": action.currency,
                    "value_date": transaction.date,
                    **rates.fields(transaction.value, action.currency, transaction.date),
                    "provider_id": organisations[transaction.provider].pk,
                    "receiver_id": organisations[transaction.receiver].pk if transaction.receiver else None,
                    "description": transaction.description,
                }
                for transaction in action.transactions
            )
        ),
        key=("action_id", "transaction_type", "date"),
        existing=Transaction.objects.filter(action_id__in=ids),
    )
    return actions


def load_responses(planned, *, needs, actions, users):
    def user_id(role):
        user = users.get(role) if role else None
        return user.pk if user else None

    # The links the plan has the matcher propose carry the real matcher's score and words.
    by_matcher = [
        (needs[response.need].pk, actions[response.action].pk) for response in planned if response.proposer is None
    ]
    explained = explain(next(iter(needs.values())).cycle, by_matcher) if by_matcher else {}

    rows = []
    for response in planned:
        pair = (needs[response.need].pk, actions[response.action].pk)
        score, terms = None, []
        if response.proposer is None:
            match = explained.get(pair)
            score, terms = (Decimal(str(round(match.score, 4))), list(match.terms)) if match else (Decimal(0), [])
        rows.append(
            {
                "action_id": pair[1],
                "need_id": pair[0],
                "coverage": response.coverage,
                "status": response.status,
                "proposed_by_id": user_id(response.proposer),
                "matcher_score": score,
                "matched_terms": terms,
                "confirmed_by_id": user_id(Role.SECRETARIAT) if response.status == ResponseStatus.CONFIRMED else None,
                "confirmed_at": response.confirmed_at,
                "comment": response.comment,
            }
        )
    existing = Response.objects.filter(need_id__in=[need.pk for need in needs.values()])
    upsert_many(Response, rows, key=("action_id", "need_id"), existing=existing)


def summarise(cycle, *, actions):
    """The figures of the loaded mapping, counted in the database."""
    needs = Need.objects.filter(cycle=cycle)
    responses = Response.objects.filter(need__cycle=cycle)
    confirmed = responses.filter(status=ResponseStatus.CONFIRMED)
    donors_per_need = (
        confirmed.filter(action__participations__role=OrganisationRole.FUNDING)
        .values("need")
        .annotate(donors=Count("action__participations__organisation", distinct=True))
    )
    return MappingSummary(
        needs=needs.count(),
        actions=actions,
        responses=responses.count(),
        confirmed=confirmed.count(),
        gaps=needs.filter(status=NeedStatus.ADOPTED).exclude(pk__in=confirmed.values("need")).count(),
        overlaps=sum(1 for row in donors_per_need if row["donors"] >= 2),
    )
