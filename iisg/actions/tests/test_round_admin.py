"""The response-mapping round in the back office: a donor's call (its actions, "No change", a link
to update), the Secretariat's round page (who has answered, closing it, recording its adoption),
and the banner of the actions list; other roles are refused."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from iisg.actions.choices import OrganisationRole, RoundAnswerKind
from iisg.actions.models import RoundAnswer
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.governance.choices import DecisionKind
from iisg.needs.choices import CycleKind, CycleStatus

pytestmark = pytest.mark.django_db

YEAR = 2026
ACTIONS = reverse("admin:actions_action_changelist")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def cycle():
    return f.CycleFactory(
        kind=CycleKind.RESPONSE,
        first_year=YEAR,
        last_year=YEAR,
        status=CycleStatus.OPEN,
        closes_on=datetime.date(YEAR, 4, 30),
    )


@pytest.fixture
def austria():
    return f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")


@pytest.fixture
def giz():
    return f.OrganisationFactory(name="Deutsche Gesellschaft für Internationale Zusammenarbeit", acronym="GIZ")


def action_of(organisation, title, role=OrganisationRole.FUNDING):
    action = f.ActionFactory(title=title, planned_start=datetime.date(YEAR, 1, 1), planned_end=None)
    action.partners.add(f.PartnerFactory(code="XK"))
    f.ActionOrganisationFactory(action=action, organisation=organisation, role=role)
    return action


@pytest.fixture
def border(austria):
    return action_of(austria, "Border police capacity building")


@pytest.fixture
def cyber(giz):
    return action_of(giz, "Cybercrime units", OrganisationRole.IMPLEMENTING)


def call_url(cycle):
    return reverse("admin:actions_action_round", args=[cycle.pk])


def progress_url(cycle):
    return reverse("admin:actions_action_round_progress", args=[cycle.pk])


def confirm_url(cycle, action):
    return reverse("admin:actions_action_round_confirm", args=[cycle.pk, action.pk])


# The donor's call


def test_a_donors_call_lists_its_actions_with_the_deadline_and_the_buttons(client, cycle, austria, border, cyber):
    login(client, Role.DONOR, organisation=austria)

    page = client.get(call_url(cycle))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Response mapping 2026 — your actions" in text
    assert "Border police capacity building" in text
    assert "Cybercrime units" not in text
    assert "30 April 2026" in text
    assert confirm_url(cycle, border) in text
    assert reverse("admin:actions_action_change", args=[border.pk]) in text
    assert "Kosovo declaration of independence" in text  # the footnote of the back office


def test_no_change_confirms_the_action_and_returns_to_the_call(client, cycle, austria, border):
    donor = login(client, Role.DONOR, organisation=austria)

    response = client.post(confirm_url(cycle, border))

    assert response.status_code == 302
    assert response.url == call_url(cycle)
    answer = RoundAnswer.objects.get()
    assert (answer.action, answer.answer, answer.answered_by) == (border, RoundAnswerKind.CONFIRMED, donor)
    page = client.get(response.url)
    assert "is confirmed unchanged for the 2026 response mapping" in " ".join(messages_of(response))
    assert confirm_url(cycle, border) not in page.content.decode()


def test_no_change_is_refused_with_the_reason_for_another_organisations_action(client, cycle, austria, cyber):
    login(client, Role.DONOR, organisation=austria)

    response = client.post(confirm_url(cycle, cyber))

    assert response.status_code == 302
    assert not RoundAnswer.objects.exists()
    assert any("does not take part" in message for message in messages_of(response))


def test_no_change_is_refused_once_the_round_is_closed(client, cycle, austria, border):
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()
    login(client, Role.DONOR, organisation=austria)

    page = client.get(call_url(cycle))
    response = client.post(confirm_url(cycle, border))

    assert "it takes no more answers" in page.content.decode()
    assert confirm_url(cycle, border) not in page.content.decode()
    assert not RoundAnswer.objects.exists()
    assert any("in review" in message for message in messages_of(response))


def test_no_change_is_only_posted(client, cycle, austria, border):
    login(client, Role.DONOR, organisation=austria)

    assert client.get(confirm_url(cycle, border)).status_code == 405
    assert not RoundAnswer.objects.exists()


def test_a_member_has_no_call(client, cycle):
    login(client, Role.MEMBER)

    assert client.get(call_url(cycle)).status_code == 403


def test_a_needs_cycle_has_no_call(client, austria):
    needs_cycle = f.CycleFactory(kind=CycleKind.NEEDS, first_year=YEAR, last_year=YEAR + 1)
    login(client, Role.DONOR, organisation=austria)

    assert client.get(call_url(needs_cycle)).status_code == 404


def test_the_secretariat_reads_an_organisations_call_and_answers_for_it(client, cycle, austria, border):
    login(client, Role.SECRETARIAT)

    page = client.get(call_url(cycle), {"organisation": austria.pk})
    response = client.post(confirm_url(cycle, border), {"organisation": austria.pk})

    assert "Response mapping 2026 — actions of AT MoI" in page.content.decode()
    assert response.url == f"{call_url(cycle)}?organisation={austria.pk}"
    assert RoundAnswer.objects.get().answer == RoundAnswerKind.CONFIRMED


def test_the_secretariat_without_an_organisation_goes_to_the_round_page(client, cycle):
    login(client, Role.SECRETARIAT)

    assert client.get(call_url(cycle)).url == progress_url(cycle)


# The banner on the actions list


def test_the_actions_list_leads_a_donor_to_its_call(client, cycle, austria, border):
    login(client, Role.DONOR, organisation=austria)

    text = client.get(ACTIONS).content.decode()

    assert "Response mapping 2026 — your actions" in text
    assert call_url(cycle) in text


def test_the_actions_list_leads_the_secretariat_to_the_round_page(client, cycle):
    login(client, Role.SECRETARIAT)

    assert progress_url(cycle) in client.get(ACTIONS).content.decode()


def test_the_actions_list_shows_no_round_to_a_member(client, cycle):
    login(client, Role.MEMBER)

    text = client.get(ACTIONS).content.decode()

    assert "response-mapping-rounds" not in text


def test_the_actions_list_shows_a_donor_no_closed_round(client, cycle, austria):
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()
    login(client, Role.DONOR, organisation=austria)

    assert call_url(cycle) not in client.get(ACTIONS).content.decode()


# The Secretariat's round page


def test_the_round_page_shows_who_has_answered_with_totals(client, cycle, austria, giz, border, cyber):
    RoundAnswer.objects.create(
        cycle=cycle, action=border, answer=RoundAnswerKind.CONFIRMED, answered_at=datetime.datetime.now(datetime.UTC)
    )
    login(client, Role.SECRETARIAT)

    page = client.get(progress_url(cycle))

    assert page.status_code == 200
    progress = page.context["progress"]
    assert [(call.organisation, call.unanswered) for call in progress.calls] == [(austria, 0), (giz, 1)]
    assert (progress.actions, progress.answered, progress.unanswered) == (2, 1, 1)
    text = page.content.decode()
    assert "1 of 2 organisations called have answered for all their actions." in text
    assert reverse("admin:actions_action_round_close", args=[cycle.pk]) in text
    assert reverse("admin:actions_action_round_adopt", args=[cycle.pk]) in text
    assert reverse("admin:reports_report_add") in text


@pytest.mark.parametrize("role", [Role.DONOR, Role.MEMBER, Role.FOCAL_POINT])
def test_only_the_secretariat_sees_the_round_page(client, cycle, austria, role):
    login(client, role, organisation=austria)

    assert client.get(progress_url(cycle)).status_code == 403
    assert client.get(reverse("admin:actions_action_round_adopt", args=[cycle.pk])).status_code == 403


def test_the_secretariat_closes_the_round_for_review(client, cycle):
    login(client, Role.SECRETARIAT)

    response = client.post(reverse("admin:actions_action_round_close", args=[cycle.pk]))

    assert response.url == progress_url(cycle)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.IN_REVIEW


def test_a_donor_cannot_close_the_round(client, cycle, austria):
    login(client, Role.DONOR, organisation=austria)

    response = client.post(reverse("admin:actions_action_round_close", args=[cycle.pk]))

    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN
    assert any("Only the Secretariat" in message for message in messages_of(response))


def test_the_secretariat_records_the_boards_adoption_of_the_round(client, cycle):
    decision = f.DecisionFactory(kind=DecisionKind.ADOPT_CYCLE, text="The Board adopted the 2026 response mapping.")
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()
    login(client, Role.SECRETARIAT)

    response = client.post(reverse("admin:actions_action_round_adopt", args=[cycle.pk]), {"decision": decision.pk})

    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.status, cycle.adopted_by) == (CycleStatus.ADOPTED, decision)


def test_an_adoption_without_a_decision_or_a_reason_is_refused_on_the_form(client, cycle):
    login(client, Role.SECRETARIAT)

    page = client.post(reverse("admin:actions_action_round_adopt", args=[cycle.pk]), {"comment": ""})

    assert page.status_code == 200
    assert "Name the Board decision" in page.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN
