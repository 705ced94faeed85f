"""The event page: dates in words, the past, neighbours in time, related events, JSON-LD, what is hidden."""

import datetime
import json

import pytest
from django.urls import reverse

from iisg.core.tests import factories as f
from iisg.events import selectors
from iisg.events.choices import EventMode, EventStatus

from .conftest import days, headings, page, robots, text

pytestmark = pytest.mark.django_db


def _page(client, event):
    return page(client.get(reverse("events:detail", args=[event.slug])))


def _when(doc):
    return text(doc.xpath("//*[contains(@class, 'ev-facts')]//dd")[0])


def _json_ld(doc):
    (script,) = doc.xpath("//head/script[@type='application/ld+json']")
    return json.loads(script.text)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (datetime.date(2022, 6, 20), None, "Monday, 20 June 2022"),
        (datetime.date(2023, 10, 17), datetime.date(2023, 10, 18), "Tuesday, 17 – Wednesday, 18 October 2023"),
        (datetime.date(2023, 9, 30), datetime.date(2023, 10, 2), "Saturday, 30 September – Monday, 2 October 2023"),
        (
            datetime.date(2023, 12, 30),
            datetime.date(2024, 1, 2),
            "Saturday, 30 December 2023 – Tuesday, 2 January 2024",
        ),
        (None, None, "Date not published"),
    ],
)
def test_the_date_is_written_out_with_its_weekday(client, start, end, expected):
    doc = _page(client, f.EventFactory(start_date=start, end_date=end))
    assert _when(doc) == expected
    assert text(doc.xpath("//*[contains(@class, 'ev-event-when')]")[0]).startswith(expected)


def test_each_day_of_the_date_is_machine_readable(client):
    doc = _page(client, f.EventFactory(start_date=datetime.date(2023, 10, 17), end_date=datetime.date(2023, 10, 18)))
    assert doc.xpath("//*[contains(@class, 'ev-facts')]//dd[1]//time/@datetime") == ["2023-10-17", "2023-10-18"]


def test_the_page_shows_what_where_who_and_the_text_in_paragraphs(client, wbcti):
    kosovo, albania = f.PartnerFactory(code="XK"), f.PartnerFactory(code="AL")
    organiser = f.OrganisationFactory(acronym="RCC", name="Regional Cooperation Council")
    participant = f.OrganisationFactory(acronym="DG NEAR", name="Directorate-General for Neighbourhood and Enlargement")
    event = f.EventFactory(
        title="The 6th IISG Board Meeting",
        start_date=datetime.date(2022, 6, 20),
        city="Sarajevo",
        country="Bosnia and Herzegovina",
        mode=EventMode.HYBRID,
        summary="The Board met in Sarajevo.",
        body="The Board met in Sarajevo.\n\nIt adopted the needs mapping & the methodologies.",
    )
    event.pillars.add(wbcti)
    event.partners.add(kosovo, albania)
    event.organisers.add(organiser)
    event.participants.add(participant)
    doc = _page(client, event)
    assert headings(doc, 1) == ["The 6th IISG Board Meeting"]
    facts = {text(row.xpath("dt")[0]): text(row.xpath("dd")[0]) for row in doc.xpath("//dl[@class='ev-facts']/div")}
    assert facts["Place"] == "Sarajevo, Bosnia and Herzegovina"
    assert facts["Format"] == "Hybrid"
    assert facts["Kind"] == "Workshop"
    assert facts["Pillars"] == "WBCTi"
    assert facts["Partners"] == "Albania, Kosovo*"
    assert "Status" not in facts, "a past event that took place as scheduled needs no status"
    assert [text(p) for p in doc.xpath("//*[@class='ev-text']/p")] == [
        "The Board met in Sarajevo.",
        "It adopted the needs mapping & the methodologies.",
    ]
    assert "Organisers" in headings(doc, 2)
    assert "RCC – Regional Cooperation Council" in text(doc.xpath("//main")[0])
    assert "DG NEAR – Directorate-General for Neighbourhood and Enlargement" in text(doc.xpath("//main")[0])
    assert doc.xpath("//head/title/text()") == ["The 6th IISG Board Meeting – IISG"]
    assert doc.xpath("//head/meta[@property='og:title']/@content") == ["The 6th IISG Board Meeting"]
    assert doc.xpath("//head/meta[@name='description']/@content") == ["The Board met in Sarajevo."]


def test_a_past_event_says_it_has_passed_and_others_do_not(client, today):
    notice = "This event has passed."
    assert notice in text(_page(client, f.EventFactory(start_date=today - days(30))).xpath("//main")[0])
    for event in (
        f.EventFactory(start_date=today + days(30)),
        f.EventFactory(start_date=today - days(1), end_date=today),
        f.EventFactory(start_date=None),
    ):
        assert notice not in text(_page(client, event).xpath("//main")[0])


@pytest.mark.parametrize(
    ("status", "notice"),
    [
        (EventStatus.CANCELLED, "This event has been cancelled."),
        (EventStatus.POSTPONED, "This event has been postponed."),
        (EventStatus.MOVED_ONLINE, "This event has moved online."),
    ],
)
def test_a_changed_status_is_announced_on_the_page(client, today, status, notice):
    doc = _page(client, f.EventFactory(start_date=today + days(30), status=status))
    assert notice in text(doc.xpath("//main")[0])
    assert text(doc.xpath("//*[contains(@class, 'ev-status')]")[0]) == status.label


def test_an_upcoming_event_states_its_status(client, today):
    doc = _page(client, f.EventFactory(start_date=today + days(30)))
    facts = {text(row.xpath("dt")[0]): text(row.xpath("dd")[0]) for row in doc.xpath("//dl[@class='ev-facts']/div")}
    assert facts["Status"] == "Scheduled"


def test_previous_and_next_follow_time_and_skip_unpublished_events(client):
    first = f.EventFactory(title="First", start_date=datetime.date(2022, 6, 9))
    f.EventFactory(title="Hidden", start_date=datetime.date(2022, 6, 10), is_published=False)
    middle = f.EventFactory(title="B middle", start_date=datetime.date(2022, 6, 20))
    same_day = f.EventFactory(title="C same day", start_date=datetime.date(2022, 6, 20))
    f.EventFactory(title="Undated", start_date=None)
    doc = _page(client, middle)
    (pager,) = doc.xpath("//nav[contains(@class, 'ev-pager')]")
    assert pager.xpath(".//a[@rel='prev']/@href") == [f"/events/{first.slug}/"]
    assert pager.xpath(".//a[@rel='next']/@href") == [f"/events/{same_day.slug}/"]
    assert "Previous event First" in text(pager)
    assert _page(client, first).xpath("//nav[contains(@class, 'ev-pager')]//a/@rel") == ["next"]
    assert selectors.neighbours(event=same_day, user=None) == (middle, None)


def test_related_events_share_a_pillar_and_are_the_nearest_in_time(client, wbcti, wbbsi):
    event = f.EventFactory(title="Subject", start_date=datetime.date(2022, 6, 20))
    event.pillars.add(wbcti)
    for title, start, pillar, published in [
        ("Week before", datetime.date(2022, 6, 13), wbcti, True),
        ("Next day", datetime.date(2022, 6, 21), wbcti, True),
        ("Month after", datetime.date(2022, 7, 20), wbcti, True),
        ("Year after", datetime.date(2023, 6, 20), wbcti, True),
        ("Other pillar, same day", datetime.date(2022, 6, 20), wbbsi, True),
        ("Unpublished, same day", datetime.date(2022, 6, 20), wbcti, False),
    ]:
        f.EventFactory(title=title, start_date=start, is_published=published).pillars.add(pillar)
    f.EventFactory(title="Undated", start_date=None).pillars.add(wbcti)
    related = selectors.related_events(event=event, user=None)
    assert [other.title for other in related] == ["Next day", "Week before", "Month after"]
    doc = _page(client, event)
    (section,) = doc.xpath("//section[contains(@class, 'ev-related')]")
    assert [text(a) for a in section.xpath(".//h3/a")] == ["Next day", "Week before", "Month after"]


def test_an_event_without_a_pillar_has_no_related_events(client):
    event = f.EventFactory()
    f.EventFactory()
    assert selectors.related_events(event=event, user=None) == []
    assert not _page(client, event).xpath("//section[contains(@class, 'ev-related')]")


@pytest.mark.parametrize(
    ("status", "mode", "event_status", "attendance"),
    [
        (EventStatus.SCHEDULED, EventMode.IN_PERSON, "EventScheduled", "OfflineEventAttendanceMode"),
        (EventStatus.POSTPONED, EventMode.HYBRID, "EventPostponed", "MixedEventAttendanceMode"),
        (EventStatus.CANCELLED, EventMode.ONLINE, "EventCancelled", "OnlineEventAttendanceMode"),
        (EventStatus.MOVED_ONLINE, EventMode.IN_PERSON, "EventMovedOnline", "OnlineEventAttendanceMode"),
    ],
)
def test_json_ld_describes_the_event_with_its_status(client, status, mode, event_status, attendance):
    organiser = f.OrganisationFactory(name="Regional Cooperation Council", website="https://www.rcc.int")
    event = f.EventFactory(
        title="Workshop",
        start_date=datetime.date(2023, 10, 17),
        end_date=datetime.date(2023, 10, 18),
        city="Skopje",
        country="North Macedonia",
        status=status,
        mode=mode,
        summary="Two days in Skopje.",
    )
    event.organisers.add(organiser)
    data = _json_ld(_page(client, event))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Workshop"
    assert data["eventStatus"] == f"https://schema.org/{event_status}"
    assert data["eventAttendanceMode"] == f"https://schema.org/{attendance}"
    assert (data["startDate"], data["endDate"]) == ("2023-10-17", "2023-10-18")
    assert data["url"] == f"http://testserver/events/{event.slug}/"
    assert data["description"] == "Two days in Skopje."
    assert data["organizer"] == [
        {"@type": "Organization", "name": "Regional Cooperation Council", "url": "https://www.rcc.int"}
    ]
    locations = data["location"] if isinstance(data["location"], list) else [data["location"]]
    place = next(location for location in locations if location["@type"] == "Place")
    assert place["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Skopje",
        "addressCountry": "North Macedonia",
    }
    assert any(location["@type"] == "VirtualLocation" for location in locations) == (
        attendance != "OfflineEventAttendanceMode"
    )


def test_json_ld_cannot_close_its_script_element(client):
    title = "</script><script>alert(1)</script> & more"
    response = client.get(reverse("events:detail", args=[f.EventFactory(title=title).slug]))
    assert "<script>alert(1)" not in response.content.decode()
    assert _json_ld(page(response))["name"] == title


def test_unpublished_events_have_no_page_for_the_public(client, secretariat):
    event = f.EventFactory(is_published=False)
    assert client.get(reverse("events:detail", args=[event.slug])).status_code == 404
    client.force_login(secretariat)
    doc = _page(client, event)
    assert robots(doc) == ["noindex"]
    assert "Not published" in text(doc.xpath("//main")[0])


def test_an_unknown_event_is_not_found(client):
    assert client.get("/events/no-such-event/").status_code == 404


def test_the_page_offers_its_calendar_file_unless_it_has_no_date(client):
    dated = _page(client, event := f.EventFactory())
    assert dated.xpath("//main//a[contains(@class, 'ev-button')]/@href") == [f"/events/{event.slug}.ics"]
    assert dated.xpath("//head/link[@type='text/calendar']/@href") == [f"/events/{event.slug}.ics"]
    assert not _page(client, f.EventFactory(start_date=None)).xpath("//a[contains(@href, '.ics')]")
