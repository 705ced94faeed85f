"""The needs workflow in the back office: the review actions on the needs list, opening a cycle,
recording the Board's adoption and carrying needs over, for each role."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import action_names, login
from iisg.governance.choices import DecisionKind
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
from iisg.needs.models import Cycle, Need

pytestmark = pytest.mark.django_db

NEEDS = reverse("admin:needs_need_changelist")
CYCLES = reverse("admin:needs_cycle_changelist")
CARRY_OVER = reverse("admin:needs_need_carry_over")
OPEN_CYCLE = reverse("admin:needs_cycle_open")


def bulk(client, action, objects, url=NEEDS, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects], "index": "0", **extra}
    return client.post(url, data)


def confirm(client, action, objects, comment, url=NEEDS):
    """Post back the intermediate page of an action that asks for a comment."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects], "post": "yes"}
    return client.post(url, {**data, "comment": comment})


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# The review actions on the needs list


def test_secretariat_is_offered_the_review_actions(client):
    login(client, Role.SECRETARIAT)
    offered = action_names(client.get(NEEDS))
    assert {"submit_selected", "validate_selected", "return_selected", "reject_selected", "propose_selected"} <= set(
        offered
    )


def test_focal_point_is_offered_submission_only(client, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)
    offered = set(action_names(client.get(NEEDS)))
    assert "submit_selected" in offered
    assert not offered & {"validate_selected", "return_selected", "reject_selected", "propose_selected"}


def test_member_is_offered_no_workflow_action(client):
    login(client, Role.MEMBER)
    assert not set(action_names(client.get(NEEDS))) & {"submit_selected", "validate_selected"}


def test_secretariat_validates_selected_needs_and_hears_about_each(client, cycle):
    user = login(client, Role.SECRETARIAT)
    submitted = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED, reference="AL-WBBSi-001")
    draft = f.NeedFactory(cycle=cycle, status=NeedStatus.DRAFT, reference="AL-WBBSi-002")

    response = bulk(client, "validate_selected", [submitted, draft])

    assert response.status_code == 302
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert submitted.status == NeedStatus.VALIDATED
    assert submitted.history.first().history_user == user
    assert draft.status == NeedStatus.DRAFT
    assert messages_of(response) == [
        "AL-WBBSi-001 is validated.",
        "AL-WBBSi-002 is draft: it cannot be validated.",
    ]


def test_focal_point_submits_its_needs_from_the_list(client, cycle, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT, reference="RS-WBBSi-001")

    response = bulk(client, "submit_selected", [need])
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    assert messages_of(response) == ["RS-WBBSi-001 is submitted."]


def test_focal_point_cannot_validate_by_posting_the_action(client, cycle, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)

    bulk(client, "validate_selected", [need])
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED


def test_focal_point_cannot_submit_another_partners_need_from_the_list(client, cycle, serbia, albania):
    login(client, Role.FOCAL_POINT, partner=serbia)
    other = f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.DRAFT)

    bulk(client, "submit_selected", [other])
    other.refresh_from_db()
    assert other.status == NeedStatus.DRAFT


def test_returning_asks_for_a_comment_first(client, cycle):
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED, reference="AL-WBBSi-001")

    page = bulk(client, "return_selected", [need])
    assert page.status_code == 200
    assert "admin/comment_action.html" in [template.name for template in page.templates]
    assert "AL-WBBSi-001" in page.content.decode()
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED

    again = confirm(client, "return_selected", [need], comment="")
    assert again.status_code == 200
    assert again.context["form"].errors["comment"]
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED


def test_secretariat_returns_needs_with_a_comment(client, cycle):
    user = login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED, reference="AL-WBBSi-001")

    response = confirm(client, "return_selected", [need], comment="Say which units need cameras.")
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.RETURNED
    assert need.review_comment == "Say which units need cameras."
    record = need.history.first()
    assert (record.history_user, record.history_change_reason) == (user, "Say which units need cameras.")
    assert messages_of(response) == ["AL-WBBSi-001 is returned."]


def test_secretariat_rejects_needs_with_a_comment(client, cycle):
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED)

    confirm(client, "reject_selected", [need], comment="Covered by the regional need.")
    need.refresh_from_db()
    assert need.status == NeedStatus.REJECTED
    assert need.review_comment == "Covered by the regional need."


def test_focal_point_cannot_return_by_posting_the_comment_page(client, cycle, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)

    confirm(client, "return_selected", [need], comment="Sending it back to myself.")
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED


def test_secretariat_records_the_proposal_and_adopted_needs_are_refused(client, cycle, old_cycle):
    login(client, Role.SECRETARIAT)
    validated = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED, reference="AL-WBBSi-001")
    adopted = f.NeedFactory(cycle=old_cycle, status=NeedStatus.ADOPTED, reference="AL-WBBSi-009")

    response = bulk(client, "propose_selected", [validated, adopted])
    validated.refresh_from_db()
    assert validated.status == NeedStatus.PROPOSED
    assert messages_of(response) == [
        "AL-WBBSi-001 is proposed by the Support Group.",
        "AL-WBBSi-009 is adopted: a change is a new cycle.",
    ]


# Cycles: opening, closing for review, adoption


def test_secretariat_opens_the_next_cycle_from_the_cycle_list(client, old_cycle):
    f.AreaFactory(cycle=old_cycle, code="1.1")
    user = login(client, Role.SECRETARIAT)
    assert OPEN_CYCLE in client.get(CYCLES).content.decode()

    page = client.get(OPEN_CYCLE)
    assert page.status_code == 200
    assert page.context["form"].initial == {"first_year": 2025, "last_year": 2026}

    response = client.post(OPEN_CYCLE, {"first_year": "2025", "last_year": "2026", "copy_areas_from": ""})
    cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2025)
    assert response.status_code == 302
    assert response.url == reverse("admin:needs_cycle_change", args=[cycle.pk])
    assert list(cycle.areas.values_list("code", flat=True)) == ["1.1"]
    assert cycle.history.first().history_user == user


def test_opening_a_cycle_twice_shows_the_refusal(client, cycle):
    login(client, Role.SECRETARIAT)
    response = client.post(OPEN_CYCLE, {"first_year": "2025", "last_year": "2026"})
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].non_field_errors())


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.MEMBER, Role.DONOR])
def test_only_the_secretariat_reaches_the_open_cycle_page(client, role, serbia):
    login(client, role, partner=serbia)
    assert client.get(OPEN_CYCLE).status_code == 403
    assert client.post(OPEN_CYCLE, {"first_year": "2025", "last_year": "2026"}).status_code == 403
    assert not Cycle.objects.exists()


def test_secretariat_closes_a_cycle_for_review_from_the_list(client, cycle):
    login(client, Role.SECRETARIAT)
    response = bulk(client, "close_for_review_selected", [cycle], url=CYCLES)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.IN_REVIEW
    assert messages_of(response) == ["Needs mapping 2025–2026 is closed for review."]


def test_secretariat_records_the_board_adoption(client, cycle):
    user = login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.PROPOSED)
    decision = f.DecisionFactory(kind=DecisionKind.ADOPT_CYCLE)
    f.DecisionFactory(kind=DecisionKind.ADOPT_PRODUCT)
    adopt = reverse("admin:needs_cycle_adopt", args=[cycle.pk])
    assert adopt in client.get(reverse("admin:needs_cycle_change", args=[cycle.pk])).content.decode()

    page = client.get(adopt)
    assert list(page.context["form"].fields["decision"].queryset) == [decision]
    response = client.post(adopt, {"decision": str(decision.pk), "comment": "7th Board meeting"})

    assert response.status_code == 302
    cycle.refresh_from_db()
    need.refresh_from_db()
    assert (cycle.status, cycle.adopted_by) == (CycleStatus.ADOPTED, decision)
    assert need.status == NeedStatus.ADOPTED
    assert need.history.first().history_user == user
    assert adopt not in client.get(reverse("admin:needs_cycle_change", args=[cycle.pk])).content.decode()


def test_adoption_page_lists_the_needs_under_way(client, cycle):
    login(client, Role.SECRETARIAT)
    f.NeedFactory(cycle=cycle, status=NeedStatus.PROPOSED)
    f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED, reference="ME-WBCTi-004")
    decision = f.DecisionFactory(kind=DecisionKind.ADOPT_CYCLE)

    response = client.post(reverse("admin:needs_cycle_adopt", args=[cycle.pk]), {"decision": str(decision.pk)})
    assert response.status_code == 200
    assert "ME-WBCTi-004" in str(response.context["form"].non_field_errors())
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.MEMBER])
def test_only_the_secretariat_records_the_adoption(client, role, serbia, cycle):
    login(client, role, partner=serbia)
    decision = f.DecisionFactory(kind=DecisionKind.ADOPT_CYCLE)
    url = reverse("admin:needs_cycle_adopt", args=[cycle.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": str(decision.pk)}).status_code == 403
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN


# Carrying needs over


def test_focal_point_sees_its_partners_needs_of_the_last_cycle(client, serbia, albania, old_cycle, cycle):
    login(client, Role.FOCAL_POINT, partner=serbia)
    own = f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED)
    f.NeedFactory(cycle=old_cycle, partner=albania, status=NeedStatus.ADOPTED)
    f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)
    assert CARRY_OVER in client.get(NEEDS).content.decode()

    page = client.get(CARRY_OVER)
    assert page.status_code == 200
    assert (page.context["cycle"], page.context["source"]) == (cycle, old_cycle)
    assert list(page.context["needs"]) == [own]


def test_focal_point_carries_over_the_needs_it_ticks(client, serbia, old_cycle, cycle):
    login(client, Role.FOCAL_POINT, partner=serbia)
    kept = f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED, reference="RS-WBBSi-001")
    closed = f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED, reference="RS-WBBSi-002")

    response = client.post(CARRY_OVER, {"need": [str(kept.pk)]})

    assert response.status_code == 302
    assert response.url == f"{NEEDS}?cycle__id__exact={cycle.pk}"
    draft = Need.objects.get(cycle=cycle)
    assert (draft.carried_over_from, draft.status) == (kept, NeedStatus.DRAFT)
    assert any("RS-WBBSi-002" in message for message in messages_of(response))
    assert not closed.carried_over_to.exists()

    client.post(CARRY_OVER, {"need": [str(kept.pk)]})
    assert Need.objects.filter(cycle=cycle).count() == 1
    assert client.get(CARRY_OVER).context["needs"].get(pk=kept.pk).carried


def test_focal_point_cannot_carry_over_another_partners_need_by_tampering(client, serbia, albania, old_cycle, cycle):
    login(client, Role.FOCAL_POINT, partner=serbia)
    other = f.NeedFactory(cycle=old_cycle, partner=albania, status=NeedStatus.ADOPTED)

    client.post(CARRY_OVER, {"need": [str(other.pk)]})
    assert not Need.objects.filter(cycle=cycle).exists()


def test_secretariat_carries_over_any_partners_needs(client, serbia, albania, old_cycle, cycle):
    login(client, Role.SECRETARIAT)
    needs = [
        f.NeedFactory(cycle=old_cycle, partner=partner, status=NeedStatus.ADOPTED) for partner in (serbia, albania)
    ]
    assert set(client.get(CARRY_OVER).context["needs"]) == set(needs)

    client.post(CARRY_OVER, {"need": [str(need.pk) for need in needs]})
    assert Need.objects.filter(cycle=cycle).count() == 2


@pytest.mark.parametrize("role", [Role.MEMBER, Role.DONOR])
def test_carry_over_page_is_refused_to_members_and_donors(client, role, old_cycle, cycle):
    login(client, role)
    assert CARRY_OVER not in client.get(NEEDS).content.decode()
    assert client.get(CARRY_OVER).status_code == 403


def test_carry_over_page_is_refused_when_no_cycle_is_open(client, serbia, old_cycle):
    login(client, Role.FOCAL_POINT, partner=serbia)
    assert client.get(CARRY_OVER).status_code == 403


def test_carry_over_page_queries_stay_flat_as_needs_grow(client, serbia, old_cycle, cycle):
    login(client, Role.FOCAL_POINT, partner=serbia)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CARRY_OVER).status_code == 200
        return len(captured)

    f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED)
    few = queries()
    for _ in range(10):
        f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED)
    assert queries() == few


def test_a_cycle_added_in_the_back_office_is_opened_by_its_step_and_its_status_is_not_a_field(client):
    from iisg.core.tests.test_admin import form_data

    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    client.force_login(secretariat)
    earlier = f.CycleFactory(first_year=2023, last_year=2024)
    f.AreaFactory(cycle=earlier, code="1.1")
    add = reverse("admin:needs_cycle_add")
    page = client.get(add)
    assert "status" not in page.context["adminform"].form.fields
    data = {**form_data(page), "kind": CycleKind.NEEDS, "first_year": "2025", "last_year": "2026", "status": "adopted"}
    assert client.post(add, data).status_code == 302
    opened = Cycle.objects.get(first_year=2025)
    assert opened.status == CycleStatus.OPEN
    assert list(opened.areas.values_list("code", flat=True)) == ["1.1"], "the areas of the last cycle, as open_cycle"
    assert opened.history.first().history_user == secretariat

    data = {**form_data(page), "kind": CycleKind.RESPONSE, "first_year": "2025", "last_year": "2026"}
    refused = client.post(add, data)
    assert "last_year" in refused.context["adminform"].form.errors
    assert not Cycle.objects.filter(kind=CycleKind.RESPONSE).exists()
