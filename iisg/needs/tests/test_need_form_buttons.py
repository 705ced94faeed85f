"""A need's page in the back office: what happens next, the buttons of the review steps the user
may take now, each taken by its service, and the refusals shown as they are."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.needs import selectors
from iisg.needs.choices import CycleStatus, NeedStatus
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db


def change_url(need):
    return reverse("admin:needs_need_change", args=[need.pk])


def step_url(need):
    return reverse("admin:needs_need_step", args=[need.pk])


def offered(response):
    return [step for step, label in response.context["need_steps"]]


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# Which steps are offered


def test_a_focal_point_is_offered_to_submit_their_draft(serbian_focal_point, serbia, cycle):
    for status in (NeedStatus.DRAFT, NeedStatus.RETURNED):
        need = f.NeedFactory(cycle=cycle, partner=serbia, status=status)
        assert selectors.need_steps(serbian_focal_point, need) == [selectors.SUBMIT]


def test_a_focal_point_is_offered_nothing_once_submitted_nor_on_another_partners_draft(
    serbian_focal_point, serbia, albania, cycle
):
    submitted = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)
    others = f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.DRAFT)

    assert selectors.need_steps(serbian_focal_point, submitted) == []
    assert selectors.need_steps(serbian_focal_point, others) == []


def test_a_focal_point_is_not_offered_to_submit_once_the_cycle_is_closed(serbian_focal_point, serbia):
    closed = f.CycleFactory(first_year=2027, last_year=2028, status=CycleStatus.IN_REVIEW)
    need = f.NeedFactory(cycle=closed, partner=serbia, status=NeedStatus.DRAFT)

    assert selectors.need_steps(serbian_focal_point, need) == []


@pytest.mark.parametrize(
    ("status", "steps"),
    [
        (NeedStatus.DRAFT, [selectors.SUBMIT, selectors.REJECT]),
        (NeedStatus.SUBMITTED, [selectors.VALIDATE, selectors.RETURN, selectors.REJECT]),
        (NeedStatus.VALIDATED, [selectors.PROPOSE, selectors.REJECT]),
        (NeedStatus.PROPOSED, [selectors.REJECT]),
        (NeedStatus.ADOPTED, []),
    ],
)
def test_the_secretariat_is_offered_the_steps_of_each_status(secretariat, cycle, status, steps):
    need = f.NeedFactory(cycle=cycle, status=status)
    assert selectors.need_steps(secretariat, need) == steps


def test_a_member_is_offered_no_step(member, cycle):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)
    assert selectors.need_steps(member, need) == []


# The page


def test_the_page_says_what_happens_next_and_shows_the_submit_button(client, cycle, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.RETURNED, review_comment="Add the sites.")

    response = client.get(change_url(need))

    page = response.content.decode()
    assert "What happens next" in page
    assert "Returned for changes: read the review comment" in page
    assert offered(response) == [selectors.SUBMIT]
    assert step_url(need) in page
    assert 'value="submit"' in page


def test_the_new_need_form_explains_the_draft_and_the_fields(client, cycle, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)

    page = client.get(reverse("admin:needs_need_add")).content.decode()

    assert "A draft: only your partner" in page
    assert "What is needed, in one line" in page
    assert "Why it is needed now" in page


def test_a_member_sees_no_step_form(client, cycle):
    login(client, Role.MEMBER)
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)

    response = client.get(change_url(need))

    assert response.status_code == 200
    assert offered(response) == []
    assert step_url(need) not in response.content.decode()


def test_a_focal_point_submits_from_the_page(client, cycle, serbia):
    user = login(client, Role.FOCAL_POINT, partner=serbia)
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)

    response = client.post(step_url(need), {"step": "submit", "comment": ""})

    assert response.status_code == 302
    assert response.url == change_url(need)
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    assert need.history.first().history_user == user
    assert messages_of(response) == [f"{need.reference} is submitted."]


def test_the_secretariat_returns_with_the_comment_from_the_page(client, cycle):
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)

    client.post(step_url(need), {"step": "return", "comment": "Name the border crossings."})

    need.refresh_from_db()
    assert (need.status, need.review_comment) == (NeedStatus.RETURNED, "Name the border crossings.")


def test_a_return_without_a_comment_is_refused_with_the_reason(client, cycle):
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED, reference="AL-WBBSi-001")

    response = client.post(step_url(need), {"step": "return", "comment": " "})

    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    assert messages_of(response) == ["Say why AL-WBBSi-001 is returned."]


@pytest.mark.parametrize(
    ("step", "status", "comment", "becomes"),
    [
        ("validate", NeedStatus.SUBMITTED, "", NeedStatus.VALIDATED),
        ("reject", NeedStatus.VALIDATED, "Covered by the regional need.", NeedStatus.REJECTED),
        ("propose", NeedStatus.VALIDATED, "", NeedStatus.PROPOSED),
    ],
)
def test_the_secretariat_takes_each_step_from_the_page(client, cycle, step, status, comment, becomes):
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, status=status)

    client.post(step_url(need), {"step": step, "comment": comment})

    need.refresh_from_db()
    assert need.status == becomes


def test_a_step_the_status_no_longer_allows_is_refused_with_the_reason(client, cycle):
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED, reference="AL-WBBSi-002")

    response = client.post(step_url(need), {"step": "validate"})

    assert messages_of(response) == ["AL-WBBSi-002 is validated: it cannot be validated."]


def test_a_focal_point_forging_a_validation_is_refused(client, cycle, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)

    response = client.post(step_url(need), {"step": "validate"})

    assert response.status_code == 403
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED


def test_a_focal_point_cannot_reach_another_partners_need(client, cycle, serbia, albania):
    login(client, Role.FOCAL_POINT, partner=serbia)
    need = f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.DRAFT)

    assert client.post(step_url(need), {"step": "submit"}).status_code == 404
    assert Need.objects.get(pk=need.pk).status == NeedStatus.DRAFT


def test_an_unknown_step_or_a_get_changes_nothing(client, cycle):
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)

    assert client.post(step_url(need), {"step": "adopt"}).status_code == 404
    assert client.get(step_url(need)).status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
