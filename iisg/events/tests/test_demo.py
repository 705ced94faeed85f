"""The events pages, calendars and feed with the demo: the 37 real events of the IISG website."""

import datetime
import json

import feedparser
import pytest
from django.urls import reverse
from icalendar import Calendar

from iisg.events.models import Event

from .conftest import headings, listed_titles, page, text

pytestmark = pytest.mark.django_db

SIXTH_BOARD_MEETING = (
    "the-6th-integrative-internal-security-governance-iisg-board-meeting-sarajevo-bosnia-i-herzegovina"
)
UNDATED = [
    "Regional Workshop on Combating Illicit Cross-border Trafficking in Cultural Property in South East Europe",
    "Regional Workshop on Prevention of Online Radicalization",
]


def _all_listed(client, **params):
    titles, number = [], 1
    while True:
        response = client.get(reverse("events:list"), {**params, "page": number})
        if response.status_code == 404:
            return titles
        titles += listed_titles(page(response))
        number += 1


def test_the_list_shows_every_demo_event_once_by_month_with_the_undated_last(client, demo):
    doc = page(client.get(reverse("events:list")))
    assert "37 events" in text(doc.xpath("//*[@id='results-count']")[0])
    month_headings = [text(h) for h in doc.xpath("//main//h3[contains(@class, 'ev-month')]")]
    assert month_headings[:3] == ["April 2024", "February 2024", "January 2024"]
    badges = [text(face) for face in doc.xpath("//*[contains(@class, 'ev-badge-face')]")]
    assert badges[:3] == ["Apr 19", "Apr 19", "Apr 18"]
    assert "Jan 30–31" in badges
    titles = _all_listed(client)
    assert len(titles) == len(set(titles)) == 37
    assert titles[-2:] == UNDATED
    assert titles[0] == "National thematic meeting in Podgorica (WBCSCi)"


def test_filtering_the_demo_by_pillar_and_year(client, demo):
    titles = listed_titles(page(client.get(reverse("events:list"), {"pillar": "wbbsi", "year": "2024"})))
    assert titles == [
        "National thematic meeting in Podgorica (WBCSCi)",
        "National thematic meeting with WB Partners on response and needs mapping, 19 April 2024",
        "National thematic meeting with WB Partners on response and needs mapping, 18 April 2024",
    ]
    kosovo = _all_listed(client, partner="XK", kind="board_meeting")
    assert kosovo == [
        "7th IISG Board meeting",
        "The 6th Integrative Internal Security Governance (IISG) Board Meeting, Sarajevo, Bosnia I Herzegovina.",
    ]


def test_the_archive_of_the_demo_links_only_months_with_events(client, demo):
    doc = page(client.get(reverse("events:list")))
    links = doc.xpath("//nav[contains(@class, 'ev-archive')]//a/@href")
    months = {(e.start_date.year, e.start_date.month) for e in Event.objects.filter(start_date__isnull=False)}
    assert sorted(links) == sorted(f"/events/{year}/{month:02d}/" for year, month in months)
    assert headings(page(client.get("/events/2024/04/")), 1) == ["Events in April 2024"]


def test_the_sixth_board_meeting_page(client, demo):
    doc = page(client.get(reverse("events:detail", args=[SIXTH_BOARD_MEETING])))
    main = text(doc.xpath("//main")[0])
    assert "Monday, 20 June 2022" in main
    assert "This event has passed." in main
    assert "Kosovo*" in main
    assert "Hybrid" in main
    assert len(doc.xpath("//*[@class='ev-text']/p")) > 5, "the text keeps its paragraphs"
    data = json.loads(doc.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["startDate"] == "2022-06-20"
    assert doc.xpath("//nav[contains(@class, 'ev-pager')]//a/@rel") == ["prev", "next"]
    assert doc.xpath("//section[contains(@class, 'ev-related')]//h3/a")


def test_a_multi_day_demo_event_page(client, demo):
    slug = "14th-regional-network-of-national-ct-pcve-coordinators-rnnc-of-the-western-balkans"
    doc = page(client.get(reverse("events:detail", args=[slug])))
    assert "Tuesday, 17 – Wednesday, 18 October 2023" in text(doc.xpath("//main")[0])


def test_the_demo_calendars_and_feed_parse(client, demo):
    calendar = Calendar.from_ical(client.get(reverse("events:calendar")).content)
    vevents = calendar.walk("VEVENT")
    assert len(vevents) == 35, "every dated event, past ones included"
    assert len({str(vevent["UID"]) for vevent in vevents}) == 35
    assert vevents[0].start == datetime.date(2018, 6, 4)
    pillar = Calendar.from_ical(client.get(reverse("events:calendar"), {"pillar": "wbbsi"}).content)
    assert len(pillar.walk("VEVENT")) == Event.objects.filter(pillars__code="wbbsi", start_date__isnull=False).count()
    feed = feedparser.parse(client.get(reverse("events:atom")).content)
    assert not feed.bozo
    assert len(feed.entries) == 37
