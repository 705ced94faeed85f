"""Confirming and rejecting responses in the back office goes through the response services."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import Action
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import action_names, login

pytestmark = pytest.mark.django_db

RESPONSES = reverse("admin:actions_response_changelist")


def bulk(client, action, responses):
    return client.post(
        RESPONSES, {"action": action, ACTION_CHECKBOX_NAME: [str(r.pk) for r in responses], "index": "0"}
    )


def confirm_comment(client, action, responses, comment):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(r.pk) for r in responses], "post": "yes"}
    return client.post(RESPONSES, {**data, "comment": comment})


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def need():
    return f.NeedFactory(reference="RS-WBBSi-001")


@pytest.fixture
def austria():
    return f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")


@pytest.fixture
def own_response(austria, need):
    action = f.ActionFactory(title="Border police capacity building")
    f.ActionOrganisationFactory(action=action, organisation=austria, role=OrganisationRole.FUNDING)
    return f.ResponseFactory(action=action, need=need)


def test_secretariat_confirms_selected_responses(client, need):
    user = login(client, Role.SECRETARIAT)
    proposed = f.ResponseFactory(need=need, action=f.ActionFactory(title="Cameras"))

    response = bulk(client, "confirm_selected", [proposed])

    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.status, proposed.confirmed_by) == (ResponseStatus.CONFIRMED, user)
    assert proposed.confirmed_at is not None
    assert proposed.history.first().history_user == user
    assert messages_of(response) == ["RS-WBBSi-001: the response of “Cameras” is confirmed."]


def test_confirming_an_already_confirmed_response_says_so(client, need):
    login(client, Role.SECRETARIAT)
    confirmed = f.ResponseFactory(need=need, status=ResponseStatus.CONFIRMED, confirmed_at="2025-01-01T10:00Z")

    response = bulk(client, "confirm_selected", [confirmed])
    assert "is already confirmed" in messages_of(response)[0]


def test_rejecting_asks_for_a_comment_first(client, need):
    login(client, Role.SECRETARIAT)
    proposed = f.ResponseFactory(need=need)

    page = bulk(client, "reject_selected", [proposed])
    assert page.status_code == 200
    assert "admin/comment_action.html" in [template.name for template in page.templates]
    assert confirm_comment(client, "reject_selected", [proposed], "").context["form"].errors["comment"]
    proposed.refresh_from_db()
    assert proposed.status == ResponseStatus.PROPOSED


def test_secretariat_rejects_selected_responses_with_a_comment(client, need):
    user = login(client, Role.SECRETARIAT)
    confirmed = f.ResponseFactory(
        need=need, status=ResponseStatus.CONFIRMED, confirmed_at="2025-01-01T10:00Z", confirmed_by=None
    )

    response = confirm_comment(client, "reject_selected", [confirmed], "The action never started.")

    assert response.status_code == 302
    confirmed.refresh_from_db()
    assert confirmed.status == ResponseStatus.REJECTED
    assert (confirmed.confirmed_by, confirmed.confirmed_at) == (None, None)
    record = confirmed.history.first()
    assert (record.history_user, record.history_change_reason) == (user, "The action never started.")


@pytest.mark.parametrize("action", ["confirm_selected", "reject_selected"])
def test_donor_is_not_offered_and_cannot_post_the_decisions(client, austria, own_response, action):
    login(client, Role.DONOR, organisation=austria)
    assert action not in action_names(client.get(RESPONSES))

    bulk(client, action, [own_response])
    confirm_comment(client, action, [own_response], "Approved by ourselves.")
    own_response.refresh_from_db()
    assert own_response.status == ResponseStatus.PROPOSED
    assert own_response.confirmed_by is None


def test_donor_creating_an_action_in_the_back_office_still_takes_part(client, austria):
    login(client, Role.DONOR, organisation=austria)
    page = client.get(reverse("admin:actions_action_add"))
    assert page.status_code == 200
    data = {
        "title": "Mobile surveillance units",
        "status": "2",
        "default_currency": "EUR",
        "description": "",
        **{
            f"{prefix}-{key}": value
            for prefix in ("participations", "sectors", "budgets", "transactions", "responses")
            for key, value in {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0"}.items()
        },
    }
    assert client.post(reverse("admin:actions_action_add"), data).status_code == 302
    action = Action.objects.get()
    assert list(action.participations.values_list("organisation", "role")) == [(austria.pk, OrganisationRole.FUNDING)]
