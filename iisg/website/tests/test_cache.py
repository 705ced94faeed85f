"""The public pages as anonymous visitors get them from the shared cache (iisg.core.pagecache): every
page answers a conditional GET with 304 while nothing changed, a cached page costs no query, a
signed-in visitor never gets the anonymous copy, and a change made through any door (the back
office, a service, the API, a workbook, an IATI import) shows on the next anonymous request.

Transactional tests: the data version changes when a write commits, which a test's own transaction
never does."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iisg.actions.tests.test_write_doors import THROUGH, world  # noqa: F401 - the doors' world, a fixture
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import form_data
from iisg.events import services as event_services
from iisg.events.choices import EventStatus
from iisg.iati.importer import import_file

pytestmark = pytest.mark.django_db(transaction=True)

CAFOD = settings.SHARED_DATA_DIR / "iati" / "activities" / "cafod-drc-2013.xml"


@pytest.fixture
def site():
    pillar = f.PillarFactory(code="wbbsi")
    event = f.EventFactory(title="Border workshop", slug="border-workshop", start_date=datetime.date(2026, 3, 4))
    event.pillars.add(pillar)
    meeting = f.MeetingFactory()
    return {"pillar": pillar, "event": event, "meeting": meeting}


def public_addresses(site):
    event = site["event"]
    return [
        reverse("website:home"),
        reverse("website:about"),
        reverse("website:pillars"),
        reverse("website:pillar", args=["wbbsi"]),
        reverse("website:accessibility"),
        reverse("events:list"),
        reverse("events:list") + "?pillar=wbbsi",
        reverse("events:detail", args=[event.slug]),
        reverse("events:calendar"),
        reverse("events:ics", args=[event.slug]),
        reverse("events:atom"),
        reverse("governance:meetings"),
        reverse("governance:materials"),
        reverse("analysis:dashboard"),
    ]


def rendered(client, address):
    """The page at `address` and the number of queries its request made."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    return response, len(queries)


def test_every_public_page_answers_304_to_an_anonymous_visitor_while_nothing_changed(client, site):
    for address in public_addresses(site):
        response = client.get(address)
        assert response.status_code == 200, address
        assert response.has_header("ETag"), address
        assert response.has_header("Last-Modified"), address
        assert client.get(address, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304, address
        assert client.get(address, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304, address


def test_a_cached_public_page_costs_no_query_and_keeps_its_headers(client, site):
    for address in public_addresses(site):
        first, _ = rendered(client, address)
        again, queries = rendered(client, address)
        assert queries == 0, address
        assert again.content == first.content, address
        for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "Vary", "ETag"):
            assert again.get(header) == first.get(header), (address, header)
        assert not again.cookies, address


def test_the_ics_calendar_keeps_its_file_name_when_served_from_the_cache(client, site):
    address = reverse("events:ics", args=["border-workshop"])
    client.get(address)
    response = client.get(address)
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == 'attachment; filename="border-workshop.ics"'


def test_signed_in_visitor_gets_their_own_page_never_the_anonymous_copy(client, site):
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT], is_staff=True)
    address = reverse("events:list")
    anonymous = client.get(address)
    client.force_login(secretariat)
    signed_in, queries = rendered(client, address)
    assert queries > 0
    assert "Back office" in signed_in.content.decode()
    assert "Back office" not in anonymous.content.decode()
    assert not signed_in.has_header("ETag")
    client.logout()
    assert "Back office" not in client.get(address).content.decode()


def test_search_is_never_cached(client, site):
    address = reverse("website:search") + "?q=border"
    client.get(address)
    response, queries = rendered(client, address)
    assert queries > 0
    assert not response.has_header("ETag")


def test_the_members_dashboard_is_never_served_from_the_anonymous_cache(client, site):
    member = f.UserFactory(roles=[Role.MEMBER])
    client.get(reverse("analysis:dashboard"))
    client.force_login(member)
    response, queries = rendered(client, reverse("analysis:dashboard"))
    assert queries > 0
    assert not response.has_header("ETag")


# A change through each door shows on the next anonymous request.


def test_an_event_changed_by_its_service_shows_on_the_next_anonymous_request(client, site):
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT], is_staff=True)
    before = client.get(reverse("events:list"))
    event = site["event"]
    event.title = "Border workshop, second day added"
    event_services.save_event(user=secretariat, event=event)
    after = client.get(reverse("events:list"), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert "Border workshop, second day added" in after.content.decode()


def test_an_event_cancelled_in_the_back_office_shows_on_the_next_anonymous_request(client, site):
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT], is_staff=True, is_superuser=True)
    address = reverse("events:detail", args=["border-workshop"])
    before = client.get(address).content.decode()
    staff = client.__class__()
    staff.force_login(secretariat)
    change = reverse("admin:events_event_change", args=[site["event"].pk])
    data = form_data(staff.get(change))
    data["title"] = "Border workshop (moved to May)"
    assert staff.post(change, data).status_code == 302
    after = client.get(address).content.decode()
    assert "Border workshop (moved to May)" not in before
    assert "Border workshop (moved to May)" in after


def test_an_event_status_step_shows_on_the_next_anonymous_request(client, site):
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT], is_staff=True)
    address = reverse("events:ics", args=["border-workshop"])
    assert "STATUS:CANCELLED" not in client.get(address).content.decode()
    event_services.set_event_status(user=secretariat, event=site["event"], status=EventStatus.CANCELLED)
    assert "STATUS:CANCELLED" in client.get(address).content.decode()


@pytest.mark.parametrize("door", ["back office", "API", "workbook"])
def test_an_action_changed_through_each_door_renders_the_public_pages_again(client, site, world, door):  # noqa: F811
    home = client.get(reverse("website:home"))
    dashboard = client.get(reverse("analysis:dashboard"))
    error = THROUGH[door](world, world["own"], title="Border scanners, second phase")
    assert error is None
    for address, before in ((reverse("website:home"), home), (reverse("analysis:dashboard"), dashboard)):
        after, queries = rendered(client, address)
        assert queries > 0, address
        assert after["ETag"] != before["ETag"], address


def test_an_iati_import_renders_the_public_pages_again(client, site):
    f.PartnerFactory(code="AL")
    before = client.get(reverse("website:home"))
    assert import_file(CAFOD).counts["imported"] > 0
    after, queries = rendered(client, reverse("website:home"))
    assert queries > 0
    assert after["ETag"] != before["ETag"]
