"""What each role may not do through the API: the same rules as the back office and the pages."""

import pytest

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.choices import NeedStatus

from .conftest import ids, session_client
from .factories import token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("resource", ["needs", "actions", "responses", "cycles", "areas"])
def test_anonymous_sees_no_member_records(world, anonymous, resource):
    response = anonymous.get(f"/api/{resource}/")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_anonymous_gets_404_for_a_need_an_action_and_a_response(world, anonymous):
    assert anonymous.get(f"/api/needs/{world['needs']['other_validated'].pk}/").status_code == 404
    assert anonymous.get(f"/api/actions/{world['actions']['own'].pk}/").status_code == 404
    assert anonymous.get(f"/api/responses/{world['responses']['own'].pk}/").status_code == 404


def test_anonymous_reads_public_records_only(world, anonymous):
    published, hidden = f.EventFactory(), f.EventFactory(is_published=False)
    adopted, in_process = f.ProductFactory(status="adopted"), f.ProductFactory(status="in_process")
    assert ids(anonymous.get("/api/events/")) == {published.pk}
    assert anonymous.get(f"/api/events/{hidden.pk}/").status_code == 404
    assert ids(anonymous.get("/api/products/")) == {adopted.pk}
    assert anonymous.get(f"/api/products/{in_process.pk}/").status_code == 404
    assert anonymous.get("/api/partners/").json()["count"] == 2
    assert anonymous.get("/api/pillars/").json()["count"] == 1


def test_focal_point_sees_own_drafts_not_another_partners(world, as_role):
    client = as_role("focal_point")
    listed = ids(client.get("/api/needs/"))
    assert world["needs"]["own_draft"].pk in listed
    assert world["needs"]["other_draft"].pk not in listed
    assert client.get(f"/api/needs/{world['needs']['other_draft'].pk}/").status_code == 404


def test_member_sees_no_draft_at_all(world, as_role):
    listed = ids(as_role("member").get("/api/needs/"))
    assert listed == {world["needs"]["own_submitted"].pk, world["needs"]["other_validated"].pk}


def test_focal_point_cannot_edit_or_delete_another_partners_need(world, as_role):
    client = as_role("focal_point")
    other_draft, other_validated = world["needs"]["other_draft"], world["needs"]["other_validated"]
    assert client.patch(f"/api/needs/{other_draft.pk}/", {"title": "Mine now"}).status_code == 404
    assert client.delete(f"/api/needs/{other_draft.pk}/").status_code == 404
    assert client.patch(f"/api/needs/{other_validated.pk}/", {"title": "Mine now"}).status_code == 403
    other_draft.refresh_from_db()
    assert other_draft.title != "Mine now"


def test_focal_point_cannot_add_a_need_for_another_partner(world, as_role):
    response = as_role("focal_point").post(
        "/api/needs/",
        {
            "cycle": world["cycle"].pk,
            "partner": world["serbia"].pk,
            "pillar": world["pillar"].pk,
            "title": "Radios",
            "priority": "high",
        },
    )
    assert response.status_code == 403
    assert "focal point" in response.json()["detail"]


def test_member_reads_another_donors_action_but_donor_cannot_change_it(world, as_role):
    other = world["actions"]["other"]
    assert as_role("member").get(f"/api/actions/{other.pk}/").status_code == 200
    donor = as_role("donor")
    assert donor.get(f"/api/actions/{other.pk}/").status_code == 200
    assert donor.patch(f"/api/actions/{other.pk}/", {"title": "Taken over"}).status_code == 403
    assert donor.delete(f"/api/actions/{other.pk}/").status_code == 403
    other.refresh_from_db()
    assert other.title == "Prosecutors' training"


def test_donor_cannot_withdraw_another_donors_response(world, as_role):
    assert as_role("donor").delete(f"/api/responses/{world['responses']['other'].pk}/").status_code == 403


def test_donor_cannot_propose_a_response_for_another_donors_action(world, as_role):
    response = as_role("donor").post(
        "/api/responses/", {"action": world["actions"]["other"].pk, "need": world["needs"]["other_validated"].pk}
    )
    assert response.status_code == 403


def test_donor_cannot_confirm_its_own_response(world, as_role):
    response = as_role("donor").post(f"/api/responses/{world['responses']['own'].pk}/confirm/", {})
    assert response.status_code == 403
    assert "Secretariat" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/needs/"),
        ("post", "/api/actions/"),
        ("post", "/api/responses/"),
        ("patch", "/api/actions/{own_action}/"),
        ("delete", "/api/needs/{own_draft}/"),
    ],
)
def test_writes_without_a_token_are_refused_with_401(world, anonymous, method, path):
    path = path.format(own_action=world["actions"]["own"].pk, own_draft=world["needs"]["own_draft"].pk)
    response = getattr(anonymous, method)(path, {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_refused_with_401(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/partners/").status_code == 401


def test_session_users_read_but_do_not_write(world):
    client = session_client(world["users"]["donor"])
    own = world["actions"]["own"]
    assert client.get(f"/api/actions/{own.pk}/").status_code == 200
    response = client.patch(f"/api/actions/{own.pk}/", {"title": "Changed", "version": own.version}, format="json")
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.title == "Border police equipment"


def test_session_write_is_refused_even_with_the_csrf_token(world):
    client = session_client(world["users"]["secretariat"])
    client.get("/api/needs/")
    client.handler.enforce_csrf_checks = False
    response = client.delete(f"/api/needs/{world['needs']['own_draft'].pk}/")
    assert response.status_code == 403
    assert "token" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/needs/"),
        ("post", "/api/actions/"),
        ("post", "/api/responses/"),
        ("delete", "/api/responses/{own_response}/"),
    ],
)
def test_member_without_a_writing_role_is_refused(world, as_role, method, path):
    path = path.format(own_response=world["responses"]["own"].pk)
    response = getattr(as_role("member"), method)(path, {"title": "x"})
    assert response.status_code == 403


def test_inactive_users_token_no_longer_works(world):
    user = world["users"]["donor"]
    client = token_client(user)
    user.is_active = False
    user.save()
    assert client.get("/api/actions/").status_code == 401


def test_need_of_a_frozen_cycle_is_not_changed_by_the_secretariat(world, as_role):
    need = f.NeedFactory(
        cycle=world["cycle"],
        partner=world["albania"],
        pillar=world["pillar"],
        status=NeedStatus.ADOPTED,
        reference="AL-WBBSi-009",
    )
    assert as_role("secretariat").patch(f"/api/needs/{need.pk}/", {"title": "New"}).status_code == 403


def test_roles_without_person_write_nothing(db):
    donor_without_organisation = f.UserFactory(roles=[Role.DONOR])
    response = token_client(donor_without_organisation).post("/api/actions/", {"title": "Radios"})
    assert response.status_code == 403
