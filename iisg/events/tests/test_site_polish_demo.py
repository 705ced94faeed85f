"""The demo's event pages and feed, as issue 21 found them: the 7th Board meeting and the feed."""

import datetime

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from iisg.events.models import Event
from iisg.governance.choices import MeetingBody
from iisg.governance.models import Meeting

from .conftest import page, text

pytestmark = pytest.mark.django_db


def test_the_demo_feed_dates_each_entry_by_its_event_and_lists_them_latest_first(client, demo):
    parsed = feedparser.parse(client.get(reverse("events:atom")).content)
    assert not parsed.bozo
    events = {f"urn:uuid:{event.uid}": event for event in Event.objects.filter(is_published=True)}
    assert len(parsed.entries) == len(events) == 37
    dated = [entry for entry in parsed.entries if events[entry.id].start_date is not None]
    assert len(dated) == 35
    for entry in dated:
        event = events[entry.id]
        published = datetime.datetime.fromisoformat(entry.published).astimezone(timezone.get_current_timezone())
        # The demo's events took place before it was loaded: each is published on its own day.
        assert event.start_date < timezone.localdate(event.created_at)
        assert published.date() == event.start_date
        assert entry.updated == entry.published  # nobody changed a demo event after loading it
    stamps = [datetime.datetime.fromisoformat(entry.published) for entry in parsed.entries]
    assert stamps == sorted(stamps, reverse=True)


def test_the_seventh_board_meeting_has_no_decisions_and_does_not_link_to_an_empty_page(client, demo):
    seventh = Meeting.objects.select_related("event").get(body=MeetingBody.BOARD, number=7)
    assert not seventh.decisions.exists()
    doc = page(client.get(reverse("events:detail", args=[seventh.event.slug])))
    (box,) = doc.xpath("//aside[contains(@class, 'ev-facts-box')]")
    assert "No decisions recorded for this meeting yet." in text(box)
    assert not doc.xpath("//a[normalize-space()='Decisions of this meeting']")


def test_the_sixth_board_meeting_links_to_its_decisions(client, demo):
    sixth = Meeting.objects.select_related("event").get(body=MeetingBody.BOARD, number=6)
    doc = page(client.get(reverse("events:detail", args=[sixth.event.slug])))
    (link,) = doc.xpath("//a[normalize-space()='Decisions of this meeting']")
    decisions = page(client.get(link.get("href")))
    assert decisions.xpath("//ol[@class='decisions']/li")
