"""The response mapping services: creating actions, proposing responses, the Secretariat's decision."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from iisg.actions import services
from iisg.actions.choices import ActionSource, Coverage, OrganisationRole, ResponseStatus
from iisg.actions.models import Action, ActionOrganisation, Response
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.choices import NeedStatus
from iisg.needs.errors import CommentRequired, DuplicateResponse, InvalidTransition, NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def austria():
    return f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")


@pytest.fixture
def donor(austria):
    return f.user_with(Role.DONOR, organisation=austria)


@pytest.fixture
def secretariat():
    return f.user_with(Role.SECRETARIAT)


@pytest.fixture
def own_action(austria):
    action = f.ActionFactory(title="Border police capacity building")
    f.ActionOrganisationFactory(action=action, organisation=austria, role=OrganisationRole.FUNDING)
    return action


@pytest.fixture
def need():
    return f.NeedFactory(status=NeedStatus.ADOPTED, reference="RS-WBBSi-001")


def last_record(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


# Creating actions


def test_donor_creates_an_action_its_organisation_funds(donor, austria):
    partner, pillar = f.PartnerFactory(code="RS"), f.PillarFactory(code="wbbsi")

    action = services.create_action(
        user=donor,
        title="Mobile surveillance units",
        partners=[partner],
        pillars=[pillar],
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2026, 12, 31),
        source=ActionSource.EXCEL,
    )

    assert list(action.partners.all()) == [partner]
    assert list(action.pillars.all()) == [pillar]
    assert action.source == ActionSource.EXCEL
    assert ActionOrganisation.objects.get(action=action).role == OrganisationRole.FUNDING
    assert ActionOrganisation.objects.get(action=action).organisation == austria
    assert last_record(action).history_user == donor


def test_implementer_takes_part_as_implementing(austria):
    implementer = f.user_with(Role.IMPLEMENTER, organisation=austria)
    action = services.create_action(user=implementer, title="Training of trainers")
    assert ActionOrganisation.objects.get(action=action).role == OrganisationRole.IMPLEMENTING


def test_secretariat_creates_an_action_without_taking_part(secretariat):
    action = services.create_action(user=secretariat, title="Regional coordination")
    assert not action.participations.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT])
def test_only_donors_implementers_and_the_secretariat_create_actions(role, austria):
    with pytest.raises(NotAllowed):
        services.create_action(user=f.user_with(role, organisation=austria), title="Not mine to enter")
    assert not Action.objects.exists()


def test_donor_without_an_organisation_cannot_create_an_action():
    with pytest.raises(NotAllowed):
        services.create_action(user=f.user_with(Role.DONOR), title="Whose?")


def test_action_ending_before_it_starts_is_refused(donor):
    with pytest.raises(ValidationError):
        services.create_action(
            user=donor,
            title="Backwards",
            planned_start=datetime.date(2026, 1, 1),
            planned_end=datetime.date(2025, 1, 1),
        )
    assert not Action.objects.exists()


# Proposing responses


def test_donor_proposes_a_response_of_its_action(donor, own_action, need):
    response = services.propose_response(
        user=donor, action=own_action, need=need, coverage=Coverage.FULL, comment="Covers all units."
    )

    assert response.status == ResponseStatus.PROPOSED
    assert response.coverage == Coverage.FULL
    assert response.proposed_by == donor
    record = last_record(response)
    assert (record.history_user, record.history_change_reason) == (donor, "Covers all units.")


def test_secretariat_proposes_a_response_for_any_action(secretariat, need):
    response = services.propose_response(user=secretariat, action=f.ActionFactory(), need=need, coverage="partial")
    assert response.proposed_by == secretariat


def test_donor_cannot_propose_a_response_of_another_donors_action(donor, need):
    with pytest.raises(NotAllowed):
        services.propose_response(user=donor, action=f.ActionFactory(), need=need, coverage=Coverage.PARTIAL)
    assert not Response.objects.exists()


def test_member_cannot_propose_a_response(own_action, need):
    with pytest.raises(NotAllowed):
        services.propose_response(user=f.user_with(Role.MEMBER), action=own_action, need=need, coverage="partial")


def test_donor_cannot_respond_to_a_need_it_may_not_see(donor, own_action):
    draft = f.NeedFactory(status=NeedStatus.DRAFT)
    with pytest.raises(NotAllowed):
        services.propose_response(user=donor, action=own_action, need=draft, coverage="partial")


@pytest.mark.parametrize("status", [NeedStatus.DRAFT, NeedStatus.REJECTED])
def test_no_response_to_a_draft_or_rejected_need(secretariat, own_action, status):
    need = f.NeedFactory(status=status, review_comment="Duplicate.")
    with pytest.raises(InvalidTransition):
        services.propose_response(user=secretariat, action=own_action, need=need, coverage="partial")


def test_a_duplicate_response_is_refused(donor, own_action, need):
    services.propose_response(user=donor, action=own_action, need=need, coverage="partial")
    with pytest.raises(DuplicateResponse, match="already responds to RS-WBBSi-001"):
        services.propose_response(user=donor, action=own_action, need=need, coverage="full")
    assert Response.objects.count() == 1


# The Secretariat's decision


def test_secretariat_confirms_a_response(secretariat, own_action, need):
    response = f.ResponseFactory(action=own_action, need=need)

    response = services.confirm_response(user=secretariat, response=response, comment="Checked with the donor.")
    response.refresh_from_db()
    assert response.status == ResponseStatus.CONFIRMED
    assert response.confirmed_by == secretariat
    assert response.confirmed_at is not None
    record = last_record(response)
    assert (record.history_user, record.history_change_reason) == (secretariat, "Checked with the donor.")


@pytest.mark.parametrize("service", [services.confirm_response, services.reject_response])
def test_donor_does_not_decide_on_its_own_response(donor, own_action, need, service):
    response = f.ResponseFactory(action=own_action, need=need)
    with pytest.raises(NotAllowed):
        service(user=donor, response=response, comment="We agree with ourselves.")
    response.refresh_from_db()
    assert response.status == ResponseStatus.PROPOSED


def test_confirmed_response_is_not_confirmed_again(secretariat, need):
    response = f.ResponseFactory(need=need, status=ResponseStatus.CONFIRMED, confirmed_at="2025-01-01T10:00Z")
    with pytest.raises(InvalidTransition, match="already confirmed"):
        services.confirm_response(user=secretariat, response=response)


def test_secretariat_rejects_a_response_saying_why(secretariat, need):
    response = f.ResponseFactory(
        need=need, status=ResponseStatus.CONFIRMED, confirmed_at="2025-01-01T10:00Z", confirmed_by=secretariat
    )

    services.reject_response(user=secretariat, response=response, comment="The action ended in 2020.")
    response.refresh_from_db()
    assert response.status == ResponseStatus.REJECTED
    assert (response.confirmed_by, response.confirmed_at) == (None, None)
    assert last_record(response).history_change_reason == "The action ended in 2020."


def test_rejection_must_say_why(secretariat, need):
    response = f.ResponseFactory(need=need)
    with pytest.raises(CommentRequired):
        services.reject_response(user=secretariat, response=response, comment=" ")
    response.refresh_from_db()
    assert response.status == ResponseStatus.PROPOSED


# A row of an action on its own


def test_a_row_saved_on_its_own_gives_the_action_a_new_version(donor, own_action):
    from iisg.actions.models import Budget

    budget = Budget(action=own_action, period_start=datetime.date(2022, 1, 1), period_end=datetime.date(2022, 12, 31))
    budget.value = 1000
    services.save_row(user=donor, row=budget)
    own_action.refresh_from_db()
    assert own_action.version == 2
    assert (budget.currency, budget.value_eur) == ("EUR", 1000), "the action's currency, and its EUR figure"
    services.delete_row(user=donor, row=budget)
    own_action.refresh_from_db()
    assert own_action.version == 3
    assert not own_action.budgets.exists()


def test_a_donor_writes_no_row_of_another_donors_action(donor):
    from iisg.actions.models import Budget

    other = f.ActionFactory(title="Police training")
    f.ActionOrganisationFactory(action=other, organisation=f.OrganisationFactory(), role=OrganisationRole.FUNDING)
    budget = Budget(action=other, period_start=datetime.date(2022, 1, 1), period_end=datetime.date(2022, 12, 31))
    budget.value = 1000
    with pytest.raises(NotAllowed, match="your organisation does not take part in it"):
        services.save_row(user=donor, row=budget)
    existing = f.BudgetFactory(action=other)
    with pytest.raises(NotAllowed):
        services.delete_row(user=donor, row=existing)
    other.refresh_from_db()
    assert other.version == 1
    assert list(other.budgets.all()) == [existing]
