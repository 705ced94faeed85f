"""A needs cycle's two deadlines (submission by the focal points, review by the Secretariat) and
the partners yet to submit, whom the reminders are for."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.needs import selectors, services
from iisg.needs.choices import CycleKind, NeedStatus
from iisg.needs.errors import NotAllowed
from iisg.needs.models import Cycle

pytestmark = pytest.mark.django_db

MARCH_1, MARCH_31, APRIL_30 = datetime.date(2027, 3, 1), datetime.date(2027, 3, 31), datetime.date(2027, 4, 30)
OPEN_CYCLE = reverse("admin:needs_cycle_open")


# The partners yet to submit


def test_partners_with_only_drafts_returned_needs_or_nothing_are_yet_to_submit(cycle, albania, serbia):
    montenegro, kosovo, macedonia = (f.PartnerFactory(code=code) for code in ("ME", "XK", "MK"))
    f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.DRAFT)
    f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.RETURNED)
    f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)
    f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)
    f.NeedFactory(cycle=cycle, partner=montenegro, status=NeedStatus.REJECTED, review_comment="Dup.")
    f.NeedFactory(cycle=cycle, partner=macedonia, status=NeedStatus.VALIDATED)

    assert set(selectors.partners_yet_to_submit(cycle)) == {albania, kosovo}


def test_needs_of_another_cycle_do_not_count_as_submitted(cycle, old_cycle, albania):
    f.NeedFactory(cycle=old_cycle, partner=albania, status=NeedStatus.ADOPTED)

    assert list(selectors.partners_yet_to_submit(cycle)) == [albania]


def test_partners_yet_to_submit_is_one_query(cycle, albania, serbia, django_assert_num_queries):
    f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)
    with django_assert_num_queries(1):
        assert list(selectors.partners_yet_to_submit(cycle)) == [albania]


# The deadlines


def test_the_secretariat_opens_a_cycle_with_both_deadlines(secretariat):
    cycle = services.open_cycle(
        user=secretariat,
        first_year=2027,
        last_year=2028,
        opens_on=MARCH_1,
        closes_on=MARCH_31,
        review_closes_on=APRIL_30,
    )

    cycle.refresh_from_db()
    assert (cycle.opens_on, cycle.closes_on, cycle.review_closes_on) == (MARCH_1, MARCH_31, APRIL_30)


def test_a_review_deadline_before_the_submission_deadline_is_refused(secretariat):
    with pytest.raises(ValidationError, match="review cannot close before the submission deadline"):
        services.open_cycle(
            user=secretariat, first_year=2027, last_year=2028, closes_on=APRIL_30, review_closes_on=MARCH_31
        )
    assert not Cycle.objects.exists()


def test_the_database_refuses_a_review_closing_before_submission(cycle):
    cycle.closes_on, cycle.review_closes_on = APRIL_30, MARCH_31
    with pytest.raises(IntegrityError), transaction.atomic():
        cycle.save()


def test_the_secretariat_moves_the_review_deadline_and_nobody_else(secretariat, serbian_focal_point, cycle):
    services.update_cycle(user=secretariat, cycle=cycle, changes={"review_closes_on": APRIL_30})
    cycle.refresh_from_db()
    assert cycle.review_closes_on == APRIL_30
    assert cycle.history.first().history_user == secretariat

    with pytest.raises(NotAllowed):
        services.update_cycle(user=serbian_focal_point, cycle=cycle, changes={"review_closes_on": MARCH_31})


def test_a_response_round_takes_the_deadlines_too(secretariat):
    cycle = services.open_response_cycle(user=secretariat, year=2027, closes_on=MARCH_31, review_closes_on=APRIL_30)
    assert (cycle.kind, cycle.closes_on, cycle.review_closes_on) == (CycleKind.RESPONSE, MARCH_31, APRIL_30)


# The back office and the API


def test_the_open_cycle_page_takes_both_deadlines(client):
    login(client, Role.SECRETARIAT)
    page = client.get(OPEN_CYCLE).content.decode()
    assert 'name="closes_on"' in page
    assert 'name="review_closes_on"' in page
    assert 'type="date"' in page

    response = client.post(
        OPEN_CYCLE,
        {"first_year": "2027", "last_year": "2028", "closes_on": "2027-03-31", "review_closes_on": "2027-04-30"},
    )

    assert response.status_code == 302
    cycle = Cycle.objects.get(first_year=2027)
    assert (cycle.closes_on, cycle.review_closes_on) == (MARCH_31, APRIL_30)


def test_the_open_cycle_page_refuses_deadlines_in_the_wrong_order(client):
    login(client, Role.SECRETARIAT)

    response = client.post(
        OPEN_CYCLE,
        {
            "first_year": "2027",
            "last_year": "2028",
            "opens_on": "2027-04-01",
            "closes_on": "2027-03-31",
            "review_closes_on": "2027-03-01",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["closes_on"] == ["The submission deadline cannot be before the cycle opens."]
    assert errors["review_closes_on"] == ["The review cannot close before the submission deadline."]
    assert not Cycle.objects.exists()


def test_the_cycle_form_edits_the_review_deadline(client, cycle):
    login(client, Role.SECRETARIAT)
    page = client.get(reverse("admin:needs_cycle_change", args=[cycle.pk])).content.decode()
    assert 'name="review_closes_on"' in page
    assert "Submission deadline" in page


def test_the_api_gives_the_review_deadline(cycle):
    cycle.closes_on, cycle.review_closes_on = MARCH_31, APRIL_30
    cycle.save()
    client = APIClient()
    client.force_authenticate(f.user_with(Role.MEMBER))

    [row] = client.get("/api/cycles/").json()["results"]

    assert (row["closes_on"], row["review_closes_on"]) == ("2027-03-31", "2027-04-30")
