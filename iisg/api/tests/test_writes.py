"""Writes through the API go through the same services and rules as the back office."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import Action, Response
from iisg.core.tests import factories as f
from iisg.needs.choices import CycleStatus, NeedStatus
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db


def new_need(world, **extra):
    return {
        "cycle": world["cycle"].pk,
        "partner": world["albania"].pk,
        "pillar": world["pillar"].pk,
        "area": world["area"].pk,
        "title": "Mobile radios for border police",
        "priority": "high",
        **extra,
    }


def test_focal_point_adds_a_draft_numbered_like_the_back_office(world, as_role):
    response = as_role("focal_point").post("/api/needs/", new_need(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == NeedStatus.DRAFT
    assert body["reference"] == "AL-WBBSi-003"
    need = Need.objects.get(pk=body["id"])
    assert need.history.first().history_user == world["users"]["focal_point"]


def test_focal_point_cannot_add_to_a_closed_cycle(world, as_role):
    world["cycle"].status = CycleStatus.IN_REVIEW
    world["cycle"].save()
    response = as_role("focal_point").post("/api/needs/", new_need(world))
    assert response.status_code == 409
    assert "in review" in response.json()["detail"]


def test_an_area_of_another_pillar_is_refused_with_the_models_message(world, as_role):
    other_area = f.AreaFactory(cycle=world["cycle"], pillar=f.PillarFactory(code="wbcti"), code="2.1")
    response = as_role("secretariat").post("/api/needs/", new_need(world, area=other_area.pk))
    assert response.status_code == 400
    assert response.json() == {"area": ["The area belongs to another pillar."]}


def test_focal_point_edits_submits_and_deletes_its_draft(world, as_role):
    client = as_role("focal_point")
    draft = world["needs"]["own_draft"]
    response = client.patch(
        f"/api/needs/{draft.pk}/", {"title": "Thermal cameras", "partner": world["serbia"].pk, "version": draft.version}
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Thermal cameras"
    assert response.json()["partner"] == world["albania"].pk  # the partner stays
    response = client.post(f"/api/needs/{draft.pk}/submit/", {"comment": "Ready"})
    assert response.status_code == 200
    assert response.json()["status"] == NeedStatus.SUBMITTED
    # Submitted: no longer the focal point's to change or delete.
    assert client.patch(f"/api/needs/{draft.pk}/", {"title": "Again"}).status_code == 403
    assert client.delete(f"/api/needs/{draft.pk}/").status_code == 403
    another = f.NeedFactory(
        cycle=world["cycle"],
        partner=world["albania"],
        pillar=world["pillar"],
        status=NeedStatus.DRAFT,
        reference="AL-WBBSi-010",
    )
    assert client.delete(f"/api/needs/{another.pk}/").status_code == 204
    assert not Need.objects.filter(pk=another.pk).exists()


def test_workflow_refusals_answer_409_and_400_with_the_services_message(world, as_role):
    secretariat = as_role("secretariat")
    submitted = world["needs"]["own_submitted"]
    response = secretariat.post(f"/api/needs/{submitted.pk}/submit/", {})
    assert response.status_code == 409
    assert "cannot be submitted" in response.json()["detail"]
    response = secretariat.post(f"/api/needs/{submitted.pk}/return/", {})
    assert response.status_code == 400
    assert "Say why" in response.json()["detail"]
    response = secretariat.post(f"/api/needs/{submitted.pk}/validate/", {})
    assert response.status_code == 200
    assert response.json()["status"] == NeedStatus.VALIDATED


def test_focal_point_cannot_validate(world, as_role):
    response = as_role("focal_point").post(f"/api/needs/{world['needs']['own_submitted'].pk}/validate/", {})
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the Secretariat reviews needs."


def test_donor_creates_an_action_its_organisation_funds_and_edits_it(world, as_role):
    client = as_role("donor")
    response = client.post(
        "/api/actions/",
        {
            "title": "Forensics lab",
            "partners": [world["albania"].pk],
            "pillars": [world["pillar"].pk],
            "planned_start": "2025-01-01",
            "planned_end": "2026-12-31",
        },
    )
    assert response.status_code == 201, response.content
    action = Action.objects.get(pk=response.json()["id"])
    assert action.participations.get().organisation == world["austria"]
    assert action.participations.get().role == OrganisationRole.FUNDING
    response = client.patch(f"/api/actions/{action.pk}/", {"planned_end": "2024-01-01", "version": 1})
    assert response.status_code == 400
    assert "planned end" in str(response.json())
    response = client.patch(
        f"/api/actions/{action.pk}/", {"title": "Forensics laboratory", "pillars": [], "version": 1}
    )
    assert response.status_code == 200
    detail = client.get(f"/api/actions/{action.pk}/").json()
    assert detail["title"] == "Forensics laboratory"
    assert detail["pillars"] == []
    assert detail["participations"][0]["organisation_name"] == world["austria"].name


def test_action_detail_nests_budgets_and_transactions(world, as_role):
    detail = as_role("member").get(f"/api/actions/{world['actions']['own'].pk}/").json()
    assert detail["budgets"][0]["value"] == "250000.00"
    assert detail["transactions"][0]["transaction_type"] == 3
    assert detail["participations"][0]["role"] == OrganisationRole.FUNDING


def test_donor_proposes_a_response_and_a_second_is_a_conflict(world, as_role):
    client = as_role("donor")
    data = {"action": world["actions"]["own"].pk, "need": world["needs"]["other_validated"].pk, "coverage": "full"}
    response = client.post("/api/responses/", data)
    assert response.status_code == 201, response.content
    created = Response.objects.get(pk=response.json()["id"])
    assert created.status == ResponseStatus.PROPOSED
    assert created.proposed_by == world["users"]["donor"]
    response = client.post("/api/responses/", data)
    assert response.status_code == 409
    assert "already responds" in response.json()["detail"]


def test_a_response_to_a_need_the_donor_may_not_see_is_does_not_exist(world, as_role):
    data = {"action": world["actions"]["own"].pk, "need": world["needs"]["other_draft"].pk}
    response = as_role("donor").post("/api/responses/", data)
    assert response.status_code == 400
    assert "does not exist" in response.json()["need"][0]


def test_donor_withdraws_its_proposed_response_and_secretariat_confirms_another(world, as_role):
    assert as_role("donor").delete(f"/api/responses/{world['responses']['own'].pk}/").status_code == 204
    response = as_role("secretariat").post(f"/api/responses/{world['responses']['other'].pk}/confirm/", {})
    assert response.status_code == 200
    assert response.json()["status"] == ResponseStatus.CONFIRMED


def test_lists_are_paged_with_a_cap(world, as_role):
    client = as_role("secretariat")
    body = client.get("/api/needs/?page_size=1").json()
    assert body["count"] == 4
    assert len(body["results"]) == 1
    assert body["next"]
    assert len(client.get("/api/needs/?page_size=100000").json()["results"]) == 4


def test_needs_filter_and_order(world, as_role):
    client = as_role("secretariat")
    assert ids_of(client.get("/api/needs/?partner=rs&status=draft")) == [world["needs"]["other_draft"].pk]
    references = [row["reference"] for row in client.get("/api/needs/?ordering=-reference").json()["results"]]
    assert references == sorted(references, reverse=True)


def ids_of(response):
    return [row["id"] for row in response.json()["results"]]


def add_rows(world, count, start):
    for n in range(start, start + count):
        need = f.NeedFactory(
            cycle=world["cycle"],
            partner=world["serbia"],
            pillar=world["pillar"],
            status=NeedStatus.VALIDATED,
            reference=f"RS-X-{n}",
        )
        action = f.ActionFactory()
        f.ActionOrganisationFactory(action=action, organisation=world["giz"])
        f.BudgetFactory(action=action)
        f.ResponseFactory(action=action, need=need)
        event = f.EventFactory()
        event.pillars.add(world["pillar"])
        f.OrganisationFactory()


@pytest.mark.parametrize("resource", ["needs", "actions", "responses", "events", "organisations", "decisions"])
def test_lists_make_as_many_queries_for_many_rows_as_for_few(world, as_role, resource):
    client = as_role("secretariat")
    # The token's first use records when it was used (then at most once a minute): not a row's cost.
    client.get("/api/pillars/")
    add_rows(world, 1, 0)
    f.DecisionFactory()
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/api/{resource}/").status_code == 200
    add_rows(world, 5, 1)
    f.DecisionFactory()
    f.DecisionFactory()
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/api/{resource}/").status_code == 200
    assert len(many) == len(few), [query["sql"] for query in many]


def test_a_change_from_an_old_version_is_refused_not_written_over(world, as_role):
    """Two people read the same draft; the second to save is told, and the first's change stays."""
    draft = world["needs"]["own_draft"]
    focal_point, secretariat = as_role("focal_point"), as_role("secretariat")
    read = focal_point.get(f"/api/needs/{draft.pk}/").json()["version"]
    assert secretariat.get(f"/api/needs/{draft.pk}/").json()["version"] == read

    response = secretariat.patch(f"/api/needs/{draft.pk}/", {"title": "Thermal cameras", "version": read})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == read + 1

    response = focal_point.patch(f"/api/needs/{draft.pk}/", {"title": "Night vision", "version": read})
    assert response.status_code == 409
    assert "was changed by" in response.json()["detail"]
    assert "Your changes were not saved" in response.json()["detail"]
    assert response.json()["version"] == read + 1
    draft.refresh_from_db()
    assert draft.title == "Thermal cameras"


def test_a_change_without_the_version_read_is_refused(world, as_role):
    action = world["actions"]["own"]
    response = as_role("donor").patch(f"/api/actions/{action.pk}/", {"title": "No version"})
    assert response.status_code == 400
    assert "version" in response.json()
    action.refresh_from_db()
    assert action.title != "No version"
