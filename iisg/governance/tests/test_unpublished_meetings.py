"""A meeting and its decisions are public while their event is: once the Secretariat unpublishes
the event, the website and the API both stop showing them to anyone but the Secretariat."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from iisg.api.tests.factories import token_client
from iisg.events.services import save_event
from iisg.governance.choices import MeetingBody
from iisg.governance.models import Meeting
from iisg.website.tests.fixtures import demo_site  # noqa: F401 - used through usefixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]


@pytest.fixture
def unpublished_sixth():
    """The demo's 6th Board meeting, its event unpublished by the Secretariat."""
    sixth = Meeting.objects.select_related("event").get(body=MeetingBody.BOARD, number=6)
    sixth.event.is_published = False
    save_event(user=User.objects.get(username="secretariat"), event=sixth.event)
    return sixth


def _api(username=None):
    return token_client(User.objects.get(username=username)) if username else APIClient()


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _decisions_of(meeting):
    return set(meeting.decisions.values_list("pk", flat=True))


def test_the_api_lists_the_meeting_and_its_decisions_while_the_event_is_published():
    sixth = Meeting.objects.get(body=MeetingBody.BOARD, number=6)
    assert sixth.pk in _ids(_api().get("/api/meetings/?page_size=200"))
    assert _decisions_of(sixth) <= _ids(_api().get("/api/decisions/?page_size=200"))


@pytest.mark.parametrize("username", [None, "member", "donor"])
def test_an_unpublished_events_meeting_and_decisions_leave_the_api(unpublished_sixth, username):
    client = _api(username)
    assert unpublished_sixth.pk not in _ids(client.get("/api/meetings/?page_size=200"))
    assert not _decisions_of(unpublished_sixth) & _ids(client.get("/api/decisions/?page_size=200"))
    assert client.get(f"/api/meetings/{unpublished_sixth.pk}/").status_code == 404
    decision = unpublished_sixth.decisions.first()
    assert client.get(f"/api/decisions/{decision.pk}/").status_code == 404


def test_the_secretariat_still_reads_an_unpublished_events_meeting_and_decisions(unpublished_sixth):
    client = _api("secretariat")
    assert unpublished_sixth.pk in _ids(client.get("/api/meetings/?page_size=200"))
    assert _decisions_of(unpublished_sixth) <= _ids(client.get("/api/decisions/?page_size=200"))


def test_an_unpublished_events_meeting_leaves_the_governance_pages(client, unpublished_sixth):
    response = client.get(reverse("governance:meetings"))
    assert [meeting.number for meeting in response.context["meetings"]] == [7]
    assert "Admitted RAI, Bulgaria and OSCE Kosovo* as new members of the IISG." not in response.content.decode()
    assert client.get(reverse("governance:meeting", kwargs={"slug": unpublished_sixth.event.slug})).status_code == 404


def test_a_product_does_not_name_a_decision_of_an_unpublished_event():
    from iisg.governance.models import Product

    product = Product.objects.filter(adopted_by__isnull=False).select_related("adopted_by__meeting__event").first()
    assert product is not None, "the demo has products adopted by a decision"
    decision = product.adopted_by
    assert _api().get(f"/api/products/{product.pk}/").json()["adopted_by"] == decision.pk

    event = decision.meeting.event
    event.is_published = False
    save_event(user=User.objects.get(username="secretariat"), event=event)

    assert _api().get(f"/api/products/{product.pk}/").json()["adopted_by"] is None
    assert _api().get(f"/api/decisions/{decision.pk}/").status_code == 404
    assert _api("secretariat").get(f"/api/products/{product.pk}/").json()["adopted_by"] == decision.pk
