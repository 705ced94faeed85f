"""The generated needs mapping 2021–2022 and response mapping."""

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from iisg.actions.choices import ActivityStatus, OrganisationRole, ResponseStatus, TransactionType
from iisg.actions.models import Action, ActionOrganisation, Budget, Response, Transaction
from iisg.actions.money import Rates
from iisg.demo.mapping import DEFAULT_SEED, plan
from iisg.directory.models import Partner, Pillar
from iisg.governance.choices import DecisionKind
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus, Priority
from iisg.needs.models import Area, Cycle, Need

pytestmark = pytest.mark.django_db

JOINT_ACTION_PLAN_OBJECTIVES = [
    "A robust framework for countering terrorism and preventing/countering violent extremism",
    "Effective prevention and countering of violent extremism",
    "Effective information exchange and operational cooperation",
    "Building capacity to combat money laundering and terrorism financing",
    "Strengthening the protection of citizens and infrastructure",
]


def _codelist(name):
    path = Path(settings.SHARED_DATA_DIR) / "iati" / "codelists" / "xml" / f"{name}.xml"
    return {item.findtext("code") for item in ET.parse(path).getroot().iter("codelist-item")}


@pytest.fixture
def cycle(demo):
    return Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022)


def test_the_same_seed_gives_the_same_mapping_and_another_seed_another():
    assert plan(DEFAULT_SEED) == plan(DEFAULT_SEED)
    assert plan(7) == plan(7)
    assert plan(7).needs != plan(8).needs


def test_the_loaded_needs_are_those_of_the_plan(cycle):
    planned = {need.reference: need.title for need in plan(DEFAULT_SEED).needs}
    assert dict(Need.objects.filter(cycle=cycle).values_list("reference", "title")) == planned


def test_wbcti_areas_follow_the_joint_action_plan_as_objectives_and_areas(cycle):
    objectives = Area.objects.filter(cycle=cycle, pillar__code="wbcti", parent=None).order_by("code")
    assert [(area.code, area.name) for area in objectives] == [
        (str(number), name) for number, name in enumerate(JOINT_ACTION_PLAN_OBJECTIVES, start=1)
    ]
    for area in Area.objects.filter(cycle=cycle, parent__isnull=False):
        assert area.parent.pillar_id == area.pillar_id
        assert area.code.startswith(f"{area.parent.code}.")
        assert area.parent.parent_id is None


def test_about_150_adopted_needs_cover_every_partner_and_pillar(cycle, demo):
    needs = Need.objects.filter(cycle=cycle).select_related("area", "partner", "pillar", "responsible_institution")
    assert 130 <= needs.count() <= 170
    assert needs.count() == demo.mapping.needs
    combinations = Counter((need.partner.code, need.pillar.code) for need in needs)
    assert len(combinations) == Partner.objects.count() * Pillar.objects.count() == 18
    assert min(combinations.values()) >= 5
    for need in needs:
        assert re.fullmatch(rf"{need.partner.code}-{need.pillar.acronym}-\d{{3}}", need.reference)
        assert (need.area.pillar_id, need.area.cycle_id) == (need.pillar_id, cycle.pk)
        assert need.area.parent_id is not None
        assert need.status == NeedStatus.ADOPTED
        assert need.responsible_institution.partner_id == need.partner_id
        assert all((need.description, need.justification, need.need_type, need.perspective))
        assert "lorem" not in need.description.lower()
        need.full_clean()
    priorities = Counter(needs.values_list("priority", flat=True))
    assert all(priorities[priority] >= 15 for priority in Priority.values)


def test_about_300_actions_of_real_donors_with_sectors_budgets_and_transactions(demo):
    sectors, currencies = _codelist("Sector"), _codelist("Currency")
    actions = Action.objects.prefetch_related("participations__organisation", "sectors", "budgets", "transactions")
    planned = {action.title: action.iati_identifier for action in plan(DEFAULT_SEED).actions}
    assert 280 <= actions.count() <= 320
    assert actions.count() == demo.mapping.actions
    for action in actions:
        roles = Counter(participation.role for participation in action.participations.all())
        assert roles[OrganisationRole.FUNDING] == 1, action
        assert roles[OrganisationRole.IMPLEMENTING] >= 1, action
        assert sum(sector.percentage for sector in action.sectors.all()) == Decimal(100), action
        assert {sector.code for sector in action.sectors.all()} <= sectors
        assert action.default_currency in currencies
        assert 2016 <= action.planned_start.year <= action.planned_end.year <= 2026
        budgets = list(action.budgets.all())
        assert budgets, action
        assert all((budget.period_end - budget.period_start).days < 366 for budget in budgets)
        assert {budget.currency for budget in budgets} == {action.default_currency}
        commitments = [
            transaction.value
            for transaction in action.transactions.all()
            if transaction.transaction_type == TransactionType.OUTGOING_COMMITMENT
        ]
        if action.status in (ActivityStatus.PIPELINE, ActivityStatus.CANCELLED):
            assert commitments == []
        else:
            assert commitments == [sum(budget.value for budget in budgets)]
        if planned[action.title]:
            # The reporting organisation: the donor, or the agency that reports for it (GIZ for BMZ).
            publishers = {p.organisation.iati_identifier for p in action.participations.all()} - {None}
            assert action.iati_identifier == planned[action.title]
            assert any(action.iati_identifier.startswith(f"{publisher}-") for publisher in publishers), action
        else:  # entered here: create_action gave it the platform's identifier
            assert action.iati_identifier == f"{settings.IATI_PUBLISHER_REF}-{action.pk}", action
    assert Counter(actions.values_list("default_currency", flat=True)).most_common(1)[0][0] == "EUR"
    assert len(set(actions.values_list("default_currency", flat=True))) >= 4
    assert set(actions.values_list("status", flat=True)) >= {1, 2, 3, 4}
    assert set(actions.values_list("source", flat=True)) == {"entered", "excel", "iati"}


def test_responses_link_actions_to_needs_of_their_partners_and_pillars(demo):
    responses = Response.objects.select_related("need", "action", "confirmed_by", "proposed_by")
    assert responses.count() == demo.mapping.responses
    for response in responses:
        assert response.action.partners.filter(pk=response.need.partner_id).exists()
        assert response.action.pillars.filter(pk=response.need.pillar_id).exists()
        if response.status == ResponseStatus.CONFIRMED:
            assert response.confirmed_by.username == "secretariat"
            assert response.confirmed_at is not None
        else:
            assert response.confirmed_by is None
        assert response.proposed_by.username in {"secretariat", "donor", "implementer"}
    assert Counter(responses.values_list("status", flat=True)).keys() == set(ResponseStatus.values)


def test_the_links_the_plan_has_the_matcher_propose_carry_its_real_score_and_words(demo):
    by_matcher = [response for response in plan(DEFAULT_SEED).responses if response.proposer is None]
    suggested = Response.objects.filter(comment__startswith="The matcher's suggestion (score 0.")
    assert suggested.count() == len(by_matcher) > 20
    assert all(response.proposed_by.username == "secretariat" for response in suggested)
    assert suggested.filter(comment__contains="border").exists()


def test_each_response_was_proposed_then_decided_by_the_secretariat(demo):
    for status in (ResponseStatus.CONFIRMED, ResponseStatus.REJECTED):
        response = Response.objects.filter(status=status).first()
        steps = [(record.status, record.history_user.username) for record in reversed(response.history.all())]
        assert steps == [(ResponseStatus.PROPOSED, response.proposed_by.username), (status, "secretariat")]
    rejected = Response.objects.filter(status=ResponseStatus.REJECTED).first()
    reason = rejected.history.first().history_change_reason
    assert re.fullmatch(r"Rejected: the action works on WB\w+ area [\d.]+, not on this need\.", reason)


def test_the_needs_went_through_the_review_and_the_board_adopted_the_cycle(cycle):
    need = Need.objects.get(cycle=cycle, reference="AL-WBBSi-001")
    steps = [(record.status, record.history_user.username) for record in reversed(need.history.all())]
    assert steps == [
        (status, "secretariat")
        for status in (
            NeedStatus.DRAFT,
            NeedStatus.SUBMITTED,
            NeedStatus.VALIDATED,
            NeedStatus.PROPOSED,
            NeedStatus.ADOPTED,
        )
    ]
    assert need.history.first().history_change_reason == "Adopted by the Board: decision 1 of 20 June 2022"
    assert [record.status for record in reversed(cycle.history.all())] == [
        CycleStatus.OPEN,
        CycleStatus.IN_REVIEW,
        CycleStatus.ADOPTED,
    ]
    assert cycle.adopted_by.kind == DecisionKind.ADOPT_CYCLE


def test_every_budget_and_transaction_has_its_eur_figure_at_its_value_date(demo):
    rates = Rates.from_database()
    rows = [*Budget.objects.all(), *Transaction.objects.all()]
    assert len(rows) > 1000
    for row in rows:
        conversion = rates.to_eur(row.value, row.currency, row.value_date)
        held = (row.value_eur, row.eur_rate, row.rate_month)
        assert held == (conversion.value_eur, conversion.rate, conversion.month), row


def test_the_mapping_leaves_gaps_and_has_overlaps(cycle, demo):
    needs = Need.objects.filter(cycle=cycle)
    confirmed = Response.objects.filter(status=ResponseStatus.CONFIRMED, need__cycle=cycle)
    gaps = needs.exclude(pk__in=confirmed.values("need"))
    assert 0.15 <= gaps.count() / needs.count() <= 0.40
    assert gaps.count() == demo.mapping.gaps
    funders = dict(
        ActionOrganisation.objects.filter(role=OrganisationRole.FUNDING).values_list("action_id", "organisation_id")
    )
    donors_per_need = defaultdict(set)
    for need_id, action_id in confirmed.values_list("need_id", "action_id"):
        donors_per_need[need_id].add(funders[action_id])
    overlaps = [need for need, donors in donors_per_need.items() if len(donors) >= 2]
    assert len(overlaps) >= 15
    assert len(overlaps) == demo.mapping.overlaps
    assert gaps.filter(priority=Priority.HIGH).exists()


def test_each_year_has_a_response_mapping_cycle(demo):
    assert set(Cycle.objects.filter(kind=CycleKind.RESPONSE).values_list("first_year", "last_year", "status")) == {
        (2021, 2021, "adopted"),
        (2022, 2022, "in_review"),
    }
    adopted = Cycle.objects.get(kind=CycleKind.RESPONSE, first_year=2021)
    assert [(record.status, record.history_user.username) for record in reversed(adopted.history.all())] == [
        (CycleStatus.OPEN, "secretariat"),
        (CycleStatus.IN_REVIEW, "secretariat"),
        (CycleStatus.ADOPTED, "secretariat"),
    ]
