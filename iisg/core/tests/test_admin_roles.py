"""The back office for each role: focal points, donors, implementers and members see and change
only what iisg.core.permissions allows them, however the form is tampered with."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import Action, Response
from iisg.core.choices import Role
from iisg.directory.models import Person
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus, Priority
from iisg.needs.models import Need

from . import factories as f
from .test_admin import action_names, admin_url, form_data, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_cycle():
    return f.CycleFactory(first_year=2025, last_year=2026, status=CycleStatus.OPEN)


@pytest.fixture
def pillar():
    return f.PillarFactory(code="wbbsi")


def new_need_data(client, **values):
    """The add form of a need as the user gets it, filled in with `values`."""
    data = form_data(client.get(reverse("admin:needs_need_add")))
    data.update({"reference": "RS-WBBSi-001", "title": "Mobile thermal cameras", "priority": Priority.HIGH})
    data.update({key: str(value) for key, value in values.items()})
    return data


# Partner focal points


def test_focal_point_does_not_see_other_partners_draft_need(client, open_cycle, albania, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)
    draft = f.NeedFactory(cycle=open_cycle, partner=albania, status=NeedStatus.DRAFT)
    own = f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.DRAFT)

    listed = client.get(reverse("admin:needs_need_changelist")).context["cl"].result_list
    assert own in listed
    assert draft not in listed
    response = client.get(admin_url(draft, "change", draft.pk))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(admin_url(draft, "history", draft.pk)).status_code == 403


def test_focal_point_add_form_offers_only_its_partner_and_open_needs_cycles(client, open_cycle, albania, serbia):
    f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.ADOPTED)
    f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2025, last_year=2025, status=CycleStatus.OPEN)
    login(client, Role.FOCAL_POINT, partner=serbia)

    form = client.get(reverse("admin:needs_need_add")).context["adminform"].form
    assert list(form.fields["partner"].queryset) == [serbia]
    assert list(form.fields["cycle"].queryset) == [open_cycle]
    assert "status" not in form.fields, "a new need is a draft; submitting it is a step of its own"
    assert form.initial["partner"] == serbia.pk
    assert form.initial["cycle"] == open_cycle.pk


def test_a_need_added_in_the_back_office_is_a_draft_whatever_status_the_form_is_sent(
    client, open_cycle, serbia, pillar
):
    login(client, Role.SECRETARIAT)
    data = new_need_data(client, pillar=pillar.pk, partner=serbia.pk, cycle=open_cycle.pk, status=NeedStatus.ADOPTED)

    assert client.post(reverse("admin:needs_need_add"), data).status_code == 302
    assert Need.objects.get(reference="RS-WBBSi-001").status == NeedStatus.DRAFT


def test_focal_point_adds_need_for_its_partner(client, open_cycle, serbia, pillar):
    user = login(client, Role.FOCAL_POINT, partner=serbia)
    response = client.post(reverse("admin:needs_need_add"), new_need_data(client, pillar=pillar.pk))

    assert response.status_code == 302
    need = Need.objects.get(reference="RS-WBBSi-001")
    assert need.partner == serbia
    assert need.history.get().history_user == user


def test_focal_point_cannot_add_need_for_another_partner_by_tampering_the_form(
    client, open_cycle, albania, serbia, pillar
):
    login(client, Role.FOCAL_POINT, partner=serbia)
    response = client.post(reverse("admin:needs_need_add"), new_need_data(client, pillar=pillar.pk, partner=albania.pk))

    assert response.status_code == 200
    assert "partner" in response.context["adminform"].form.errors
    assert not Need.objects.exists()


def test_saving_a_need_for_another_partner_is_refused_even_past_the_form(open_cycle, albania, serbia, pillar):
    user = f.UserFactory(roles=[Role.FOCAL_POINT])
    f.PersonFactory(user=user, partner=serbia, organisation=None)
    request = RequestFactory().post("/")
    request.user = user
    need = Need(cycle=open_cycle, partner=albania, pillar=pillar, reference="AL-1", title="x", priority=Priority.LOW)

    with pytest.raises(PermissionDenied):
        admin.site.get_model_admin(Need).save_model(request, need, form=None, change=False)
    assert not Need.objects.exists()


def test_focal_point_cannot_add_need_in_a_closed_cycle(client, serbia, pillar):
    closed = f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.IN_REVIEW)
    login(client, Role.FOCAL_POINT, partner=serbia)
    response = client.post(reverse("admin:needs_need_add"), new_need_data(client, pillar=pillar.pk, cycle=closed.pk))

    assert "cycle" in response.context["adminform"].form.errors
    assert not Need.objects.exists()


def test_focal_point_cannot_validate_its_own_need_by_tampering_the_form(client, open_cycle, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)
    need = f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.DRAFT)
    url = admin_url(need, "change", need.pk)
    page = client.get(url)
    assert "status" not in page.context["adminform"].form.fields, "the status is shown, not edited"
    data = {**form_data(page), "status": NeedStatus.VALIDATED, "title": "Mobile thermal cameras"}

    assert client.post(url, data).status_code == 302
    need.refresh_from_db()
    assert (need.status, need.title) == (NeedStatus.DRAFT, "Mobile thermal cameras")
    assert "validate_selected" not in action_names(client.get(reverse("admin:needs_need_changelist")))


def test_focal_point_submits_its_draft_need_with_the_submit_step(client, open_cycle, serbia):
    user = login(client, Role.FOCAL_POINT, partner=serbia)
    need = f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.DRAFT)

    response = client.post(
        reverse("admin:needs_need_changelist"), {"action": "submit_selected", ACTION_CHECKBOX_NAME: [need.pk]}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    assert (need.history.first().history_user, need.history.first().history_change_reason) == (user, "Submitted")


def test_adopted_need_is_read_only_even_for_its_focal_point_and_the_secretariat(client, serbia):
    adopted_cycle = f.CycleFactory(first_year=2021, last_year=2022, status=CycleStatus.ADOPTED)
    need = f.NeedFactory(cycle=adopted_cycle, partner=serbia, status=NeedStatus.ADOPTED)
    url = admin_url(need, "change", need.pk)
    for role, scope in [(Role.FOCAL_POINT, {"partner": serbia}), (Role.SECRETARIAT, {})]:
        login(client, role, **scope)
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert page.context["has_delete_permission"] is False
        assert client.post(url, {"title": "Changed", "priority": Priority.LOW}).status_code == 403
        assert client.post(admin_url(need, "delete", need.pk), {"post": "yes"}).status_code == 403
    need.refresh_from_db()
    assert need.title != "Changed"


def test_the_change_form_cannot_adopt_a_need_without_the_boards_step(client, open_cycle):
    """Adopting is the Board's decision on the whole cycle (adopt_cycle): a status sent with the
    change form is not a way around it, and the need stays out of the public figures."""
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=open_cycle, status=NeedStatus.VALIDATED)
    url = admin_url(need, "change", need.pk)
    data = {**form_data(client.get(url)), "status": NeedStatus.ADOPTED}

    assert client.post(url, data).status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.VALIDATED
    assert client.get(url).context["has_change_permission"] is True
    client.logout()
    coverage = client.get("/api/coverage/", {"cycle": open_cycle.pk}).json()
    assert coverage["total"]["needs"] == 0


# Donors and implementers


@pytest.fixture
def austria():
    return f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")


@pytest.fixture
def own_action(austria):
    action = f.ActionFactory(title="Border police capacity building")
    f.ActionOrganisationFactory(action=action, organisation=austria, role=OrganisationRole.FUNDING)
    return action


@pytest.fixture
def other_action():
    action = f.ActionFactory(title="Countering illicit financial flows")
    f.ActionOrganisationFactory(action=action, role=OrganisationRole.FUNDING)
    return action


def test_donor_cannot_change_another_donors_action(client, austria, other_action):
    login(client, Role.DONOR, organisation=austria)
    url = admin_url(other_action, "change", other_action.pk)
    page = client.get(url)
    assert page.context["has_change_permission"] is False

    assert client.post(url, {"title": "Taken over"}).status_code == 403
    other_action.refresh_from_db()
    assert other_action.title == "Countering illicit financial flows"


def test_donor_changes_its_own_action(client, austria, own_action):
    user = login(client, Role.DONOR, organisation=austria)
    url = admin_url(own_action, "change", own_action.pk)
    data = form_data(client.get(url))
    data["title"] = "Border police capacity building, phase II"

    assert client.post(url, data).status_code == 302
    own_action.refresh_from_db()
    assert own_action.title == "Border police capacity building, phase II"
    assert own_action.history.first().history_user == user


@pytest.mark.parametrize(
    ("role", "participation"),
    [(Role.DONOR, OrganisationRole.FUNDING), (Role.IMPLEMENTER, OrganisationRole.IMPLEMENTING)],
)
def test_new_action_of_a_donor_or_implementer_takes_in_its_organisation(client, austria, role, participation):
    login(client, role, organisation=austria)
    data = form_data(client.get(reverse("admin:actions_action_add")))
    data["title"] = "Document security training"

    assert client.post(reverse("admin:actions_action_add"), data).status_code == 302
    action = Action.objects.get(title="Document security training")
    assert list(action.participations.values_list("organisation", "role")) == [(austria.pk, participation)]
    assert client.get(admin_url(action, "change", action.pk)).context["has_change_permission"] is True


def test_new_action_listing_the_donor_itself_does_not_duplicate_it(client, austria):
    login(client, Role.DONOR, organisation=austria)
    data = form_data(client.get(reverse("admin:actions_action_add")))
    data.update(
        {
            "title": "Document security training",
            "participations-TOTAL_FORMS": "1",
            "participations-0-organisation": str(austria.pk),
            "participations-0-role": str(OrganisationRole.FUNDING),
            "budgets-TOTAL_FORMS": "1",
            "budgets-0-budget_type": "1",
            "budgets-0-status": "2",
            "budgets-0-period_start": "2025-01-01",
            "budgets-0-period_end": "2025-12-31",
            "budgets-0-value": "50000",
            "budgets-0-currency": "EUR",
            "budgets-0-value_date": "2025-01-01",
        }
    )
    assert client.post(reverse("admin:actions_action_add"), data).status_code == 302
    action = Action.objects.get(title="Document security training")
    assert action.participations.count() == 1
    assert action.budgets.count() == 1


def test_donor_proposes_a_response_for_its_action(client, austria, own_action):
    user = login(client, Role.DONOR, organisation=austria)
    need = f.NeedFactory(status=NeedStatus.VALIDATED)
    data = form_data(client.get(reverse("admin:actions_response_add")))
    data.update({"action": str(own_action.pk), "need": str(need.pk), "status": ResponseStatus.CONFIRMED})

    assert client.post(reverse("admin:actions_response_add"), data).status_code == 302
    response = Response.objects.get()
    assert response.status == ResponseStatus.PROPOSED
    assert response.proposed_by == user
    assert response.confirmed_by is None


def test_donor_cannot_propose_a_response_for_another_donors_action(client, austria, other_action):
    login(client, Role.DONOR, organisation=austria)
    need = f.NeedFactory(status=NeedStatus.VALIDATED)
    data = form_data(client.get(reverse("admin:actions_response_add")))
    data.update({"action": str(other_action.pk), "need": str(need.pk)})

    response = client.post(reverse("admin:actions_response_add"), data)
    assert "action" in response.context["adminform"].form.errors
    assert not Response.objects.exists()


def test_donor_cannot_link_its_action_to_a_draft_need_it_cannot_see(client, austria, own_action):
    login(client, Role.DONOR, organisation=austria)
    draft = f.NeedFactory(status=NeedStatus.DRAFT)
    data = form_data(client.get(reverse("admin:actions_response_add")))
    data.update({"action": str(own_action.pk), "need": str(draft.pk)})

    response = client.post(reverse("admin:actions_response_add"), data)
    assert "need" in response.context["adminform"].form.errors


def test_donor_cannot_edit_a_confirmed_response_of_its_action(client, austria, own_action):
    login(client, Role.DONOR, organisation=austria)
    confirmed = f.ResponseFactory(action=own_action, status=ResponseStatus.CONFIRMED, confirmed_at="2025-01-01T10:00Z")
    url = admin_url(own_action, "change", own_action.pk)
    data = form_data(client.get(url))
    data["responses-0-comment"] = "We rather cover it fully."

    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][-1].formset.errors[0]["__all__"]
    confirmed.refresh_from_db()
    assert confirmed.comment == ""


# Responses: only the Secretariat confirms


def bulk(client, action, responses, **extra):
    return client.post(
        reverse("admin:actions_response_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [str(response.pk) for response in responses], "index": "0", **extra},
    )


def test_donor_cannot_confirm_responses(client, austria, own_action):
    login(client, Role.DONOR, organisation=austria)
    response = f.ResponseFactory(action=own_action)
    changelist = client.get(reverse("admin:actions_response_changelist"))
    assert "confirm_selected" not in action_names(changelist)

    bulk(client, "confirm_selected", [response])
    response.refresh_from_db()
    assert response.status == ResponseStatus.PROPOSED
    assert response.confirmed_by is None


def test_secretariat_confirms_and_rejects_selected_responses(client):
    user = login(client, Role.SECRETARIAT)
    to_confirm, to_reject = f.ResponseFactory(), f.ResponseFactory()

    assert bulk(client, "confirm_selected", [to_confirm]).status_code == 302
    asked = bulk(client, "reject_selected", [to_reject])
    assert asked.status_code == 200, "a rejection first asks for its reason"
    reason = "Outside the need's area."
    assert bulk(client, "reject_selected", [to_reject], post="yes", comment=reason).status_code == 302
    to_confirm.refresh_from_db()
    to_reject.refresh_from_db()
    assert to_confirm.status == ResponseStatus.CONFIRMED
    assert to_confirm.confirmed_by == user
    assert to_confirm.confirmed_at is not None
    assert to_confirm.history.first().history_user == user
    assert to_reject.status == ResponseStatus.REJECTED
    assert to_reject.confirmed_by is None
    assert to_reject.history.first().history_change_reason == reason


def test_a_responses_status_moves_only_by_its_steps_not_by_the_change_form(client):
    """confirm_response locks the row and checks the transition; a status typed into the form would
    skip both, so the form shows the status and the steps are the list's actions."""
    user = login(client, Role.SECRETARIAT)
    response = f.ResponseFactory()
    url = admin_url(response, "change", response.pk)
    page = client.get(url)
    assert "status" not in page.context["adminform"].form.fields
    data = {**form_data(page), "status": ResponseStatus.CONFIRMED, "coverage": "full"}

    assert client.post(url, data).status_code == 302
    response.refresh_from_db()
    assert (response.status, response.coverage, response.confirmed_at) == (ResponseStatus.PROPOSED, "full", None)

    confirmed = client.post(
        reverse("admin:actions_response_changelist"),
        {"action": "confirm_selected", ACTION_CHECKBOX_NAME: [response.pk]},
    )
    assert confirmed.status_code == 302
    response.refresh_from_db()
    assert (response.status, response.confirmed_by) == (ResponseStatus.CONFIRMED, user)
    assert response.confirmed_at is not None


# Members and the public


def test_member_can_view_but_not_change_needs(client):
    login(client, Role.MEMBER)
    need = f.NeedFactory(status=NeedStatus.SUBMITTED)
    url = admin_url(need, "change", need.pk)

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.post(url, {"title": "Changed", "priority": Priority.LOW}).status_code == 403
    assert client.get(reverse("admin:needs_need_add")).status_code == 403
    changelist = client.get(reverse("admin:needs_need_changelist"))
    assert "delete_selected" not in action_names(changelist)


def test_member_cannot_see_draft_needs(client):
    login(client, Role.MEMBER)
    draft = f.NeedFactory(status=NeedStatus.DRAFT)
    returned = f.NeedFactory(status=NeedStatus.RETURNED)
    submitted = f.NeedFactory(status=NeedStatus.SUBMITTED)

    listed = client.get(reverse("admin:needs_need_changelist")).context["cl"].result_list
    assert list(listed) == [submitted]
    assert client.get(admin_url(draft, "change", draft.pk)).status_code == 302
    assert client.get(admin_url(returned, "change", returned.pk)).status_code == 302


def test_member_may_not_delete_anything(client):
    login(client, Role.MEMBER)
    event = f.EventFactory()
    changelist = client.get(reverse("admin:events_event_changelist"))
    assert "delete_selected" not in action_names(changelist)
    assert client.post(admin_url(event, "delete", event.pk), {"post": "yes"}).status_code == 403


def test_member_does_not_see_unpublished_events(client):
    login(client, Role.MEMBER)
    published, unpublished = f.EventFactory(), f.EventFactory(is_published=False)
    listed = client.get(reverse("admin:events_event_changelist")).context["cl"].result_list
    assert list(listed) == [published]
    assert client.get(admin_url(unpublished, "change", unpublished.pk)).status_code == 302


def test_person_reads_own_record_but_cannot_change_its_scope(client, austria):
    user = login(client, Role.DONOR, organisation=austria)
    person = user.person
    page = client.get(admin_url(person, "change", person.pk))
    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}, "read-only: the record carries the login's rights"
    data = {"name": person.name, "organisation": str(austria.pk), "partner": str(f.PartnerFactory(code="RS").pk)}
    assert client.post(admin_url(person, "change", person.pk), data).status_code == 403
    person.refresh_from_db()
    assert person.partner is None
    other = f.PersonFactory()
    assert client.get(admin_url(other, "change", other.pk)).status_code == 302
    assert list(client.get(reverse("admin:directory_person_changelist")).context["cl"].result_list) == [person]
    assert Person.objects.count() == 2


@pytest.mark.parametrize("url_name", ["admin:index", "admin:needs_need_changelist", "admin:actions_action_add"])
def test_anonymous_user_is_sent_to_login(client, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


def test_index_shows_each_role_only_what_it_may_see(client):
    login(client, Role.MEMBER)
    models = {
        model["object_name"]
        for app in client.get(reverse("admin:index")).context["app_list"]
        for model in app["models"]
    }
    assert {"Need", "Action", "Response", "Event", "Decision", "Product"} <= models
    assert not any(app["app_label"] == "auth" for app in client.get(reverse("admin:index")).context["app_list"])


def test_anonymous_user_has_no_admin_rights():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    need_admin = admin.site.get_model_admin(Need)
    assert not need_admin.has_module_permission(request)
    assert not need_admin.has_view_permission(request)


def test_donor_bulk_delete_spares_other_donors_actions(client, austria, own_action, other_action):
    login(client, Role.DONOR, organisation=austria)
    changelist = client.get(reverse("admin:actions_action_changelist"))
    assert "delete_selected" in action_names(changelist)

    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(own_action.pk), str(other_action.pk)]}
    assert client.post(reverse("admin:actions_action_changelist"), {**data, "post": "yes"}).status_code == 403
    assert Action.objects.count() == 2


def test_secretariat_bulk_deletes_events(client):
    login(client, Role.SECRETARIAT)
    events = [f.EventFactory(), f.EventFactory()]
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(event.pk) for event in events], "post": "yes"}

    assert client.post(reverse("admin:events_event_changelist"), data).status_code == 302
    assert not type(events[0]).objects.exists()


def autocomplete(client, model_name, field_name, term=""):
    params = {"app_label": "actions", "model_name": model_name, "field_name": field_name, "term": term}
    response = client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    return {result["text"] for result in response.json()["results"]}


def test_donor_autocomplete_offers_its_actions_and_the_needs_it_sees(client, austria, own_action, other_action):
    login(client, Role.DONOR, organisation=austria)
    submitted = f.NeedFactory(status=NeedStatus.SUBMITTED)
    draft = f.NeedFactory(status=NeedStatus.DRAFT)

    assert autocomplete(client, "response", "action") == {str(own_action)}
    assert autocomplete(client, "response", "need") == {str(submitted)}
    assert str(draft) not in autocomplete(client, "response", "need", draft.reference)


def test_the_secretariat_creates_a_focal_point_login_but_cannot_make_a_superuser(client):
    login(client, Role.SECRETARIAT)
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "focal.al", "password1": "a-long-Passw0rd-phrase", "password2": "a-long-Passw0rd-phrase"},
    )
    assert response.status_code == 302
    focal = User.objects.get(username="focal.al")
    change = client.get(reverse("admin:auth_user_change", args=[focal.pk])).context["adminform"].form
    assert "groups" in change.fields
    assert "is_superuser" not in change.fields
    root = f.UserFactory(is_superuser=True)
    assert client.get(reverse("admin:auth_user_change", args=[root.pk])).status_code == 200
    assert client.post(reverse("admin:auth_user_delete", args=[root.pk]), {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("role", [Role.MEMBER, Role.DONOR, Role.FOCAL_POINT])
def test_other_roles_do_not_manage_logins(client, role):
    login(client, role)
    other = f.UserFactory()
    assert client.get(reverse("admin:auth_user_change", args=[other.pk])).status_code == 302
    assert client.get(reverse("admin:auth_user_add")).status_code == 403
