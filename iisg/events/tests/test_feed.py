"""The Atom feed of events, read with feedparser."""

import datetime

import feedparser
import lxml.html
import pytest
from django.urls import reverse

from iisg.core.tests import factories as f

pytestmark = pytest.mark.django_db

FEED = reverse("events:atom")


def _feed(client, **params):
    response = client.get(FEED, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_the_feed_has_an_entry_per_event_with_a_stable_id_and_a_link(client, wbcti):
    event = f.EventFactory(
        title="Workshop on P/CVE & returnees",
        start_date=datetime.date(2023, 9, 5),
        end_date=datetime.date(2023, 9, 6),
        city="Budva",
        country="Montenegro",
        summary="Two days in Budva.",
    )
    event.pillars.add(wbcti)
    undated = f.EventFactory(title="Undated", start_date=None)
    parsed = _feed(client)
    assert parsed.version == "atom10"
    assert parsed.feed.title == "IISG events and activities"
    assert [entry.title for entry in parsed.entries] == ["Undated", "Workshop on P/CVE & returnees"]
    entry = parsed.entries[1]
    assert entry.id == f"urn:uuid:{event.uid}"
    assert entry.link == f"http://testserver/events/{event.slug}/"
    assert lxml.html.fromstring(entry.summary).text_content() == (
        "Tuesday, 5 – Wednesday, 6 September 2023 · Budva, Montenegro · Workshop\nTwo days in Budva."
    )
    assert [tag.term for tag in entry.tags] == ["Workshop", "WBCTi"]
    assert parsed.entries[0].id == f"urn:uuid:{undated.uid}"
    assert "Date not published" in parsed.entries[0].summary


def test_the_feed_leaves_out_unpublished_events(client):
    f.EventFactory(title="Shown")
    f.EventFactory(title="Hidden", is_published=False)
    assert [entry.title for entry in _feed(client).entries] == ["Shown"]


def test_the_feed_honours_the_filters_of_the_list(client, wbcti, wbbsi):
    f.EventFactory(title="CT").pillars.add(wbcti)
    f.EventFactory(title="Border").pillars.add(wbbsi)
    parsed = _feed(client, pillar="wbbsi")
    assert [entry.title for entry in parsed.entries] == ["Border"]
    assert parsed.feed.title == "IISG events: WBBSi"
    assert parsed.feed.link == "http://testserver/events/?pillar=wbbsi"
    assert client.get(FEED, {"pillar": "nope"}).status_code == 404
