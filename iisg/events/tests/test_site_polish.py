"""The event pages without rough edges: bold text kept, the meeting's decisions linked only when
there are some, the feed dated by the events, and one rule for an event that has passed."""

import datetime
import itertools

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from iisg.core.tests import factories as f
from iisg.events import selectors
from iisg.events.feeds import published_at, updated_at
from iisg.events.models import Event, passed_by
from iisg.events.services import save_event, set_event_status

from .conftest import days, headings, listed_titles, page, text

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")


def _midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# Rich text ---------------------------------------------------------------------------------------


def test_bold_and_italic_written_either_way_survive_the_events_service(client, secretariat):
    event = f.EventFactory.build(
        title="Support Group meeting",
        slug="support-group-meeting",
        body="<p><b>Agreed:</b> the <strong>work plan</strong>, <i>ad referendum</i> and <em>in full</em>.</p>",
    )
    save_event(user=secretariat, event=event)
    stored = Event.objects.get(slug="support-group-meeting")
    assert stored.body == event.body
    doc = page(client.get(reverse("events:detail", args=[stored.slug])))
    (paragraph,) = doc.xpath("//div[@class='ev-text']/p")
    assert [child.tag for child in paragraph] == ["b", "strong", "i", "em"]
    assert text(paragraph) == "Agreed: the work plan, ad referendum and in full."


# The meeting's decisions -------------------------------------------------------------------------


def _links(client, event):
    doc = page(client.get(reverse("events:detail", args=[event.slug])))
    (box,) = doc.xpath("//aside[contains(@class, 'ev-facts-box')]")
    return box


def test_a_meeting_with_decisions_links_to_them(client):
    decision = f.DecisionFactory()
    box = _links(client, decision.meeting.event)
    (link,) = box.xpath(".//a[normalize-space()='Decisions of this meeting']")
    assert link.get("href") == reverse("governance:meeting", kwargs={"slug": decision.meeting.event.slug})
    assert "No decisions recorded" not in text(box)


def test_a_meeting_without_decisions_says_so_instead_of_linking_an_empty_page(client):
    meeting = f.MeetingFactory()
    box = _links(client, meeting.event)
    assert not box.xpath(".//a[normalize-space()='Decisions of this meeting']")
    assert "No decisions recorded for this meeting yet." in text(box)


def test_an_event_that_is_no_meeting_mentions_no_decisions(client):
    box = _links(client, f.EventFactory())
    assert "ecisions" not in text(box)
    assert selectors.meeting_decided(f.EventFactory()) is False


# The feed's dates --------------------------------------------------------------------------------


def test_an_event_added_after_its_day_is_published_on_its_day_and_an_undated_one_when_added():
    event = f.EventFactory(start_date=datetime.date(2023, 9, 5), end_date=datetime.date(2023, 9, 6))
    undated = f.EventFactory(start_date=None)
    assert published_at(event) == updated_at(event) == _midnight(datetime.date(2023, 9, 5))
    assert published_at(undated) == updated_at(undated) == undated.created_at


def test_an_event_announced_ahead_is_published_when_announced_never_in_the_future(today):
    event = f.EventFactory(start_date=today + days(30))
    assert published_at(event) == updated_at(event) == event.created_at


def test_a_change_subscribers_must_see_updates_the_entry_and_a_text_change_does_not(secretariat, today):
    event = f.EventFactory(start_date=datetime.date(2023, 9, 5))
    event.summary = "The report of the meeting."
    save_event(user=secretariat, event=event)
    assert updated_at(event) == _midnight(datetime.date(2023, 9, 5))
    set_event_status(event=event, status="cancelled")
    assert event.sequence == 1
    assert updated_at(event) == event.updated_at > published_at(event)

    upcoming = f.EventFactory(start_date=today + days(30))
    set_event_status(event=upcoming, status="postponed")
    assert updated_at(upcoming) == upcoming.updated_at > published_at(upcoming) == upcoming.created_at


def test_the_feed_lists_entries_by_their_dates_latest_first(client, today):
    created = [
        f.EventFactory(title="Old", start_date=datetime.date(2019, 3, 1)),
        f.EventFactory(title="Announced", start_date=today + days(200)),
        f.EventFactory(title="Middle", start_date=datetime.date(2024, 5, 2), end_date=datetime.date(2024, 5, 3)),
    ]
    assert len(created) == 3  # added in an order of their own, which the feed does not follow
    response = client.get(reverse("events:atom"))
    parsed = feedparser.parse(response.content)
    assert [entry.title for entry in parsed.entries] == ["Announced", "Middle", "Old"]
    assert [entry.published[:10] for entry in parsed.entries[1:]] == ["2024-05-02", "2019-03-01"]
    published = [datetime.datetime.fromisoformat(entry.published) for entry in parsed.entries]
    assert published == sorted(published, reverse=True)
    assert published[0] <= timezone.now()


# An event that has passed ------------------------------------------------------------------------


def test_has_passed_and_its_query_agree_for_every_kind_of_event(today):
    for start, end in itertools.product([None, -3, -1, 0, 1], [None, -1, 0, 2]):
        if end is not None and (start is None or end <= start):
            continue
        f.EventFactory(
            title=f"{start} to {end}",
            start_date=None if start is None else today + days(start),
            end_date=None if end is None else today + days(end),
        )
    for moment in (today - days(2), today, today + days(1), today + days(5)):
        by_query = set(Event.objects.filter(passed_by(moment)).values_list("title", flat=True))
        by_property = {event.title for event in Event.objects.all() if event.has_passed(today=moment)}
        assert by_query == by_property
    assert set(Event.objects.filter(passed_by(today)).values_list("title", flat=True)) == {
        "-3 to None",
        "-3 to -1",
        "-1 to None",
    }


def test_the_list_heads_upcoming_and_past_on_every_page_and_keeps_the_filters(client, today, wbcti):
    for number in range(3):
        f.EventFactory(title=f"Upcoming {number}", start_date=today + days(number + 1)).pillars.add(wbcti)
    for number in range(25):
        f.EventFactory(title=f"Past {number:02d}", start_date=today - days(number + 1)).pillars.add(wbcti)
    f.EventFactory(title="Past, other pillar", start_date=today - days(1))

    first = page(client.get(LIST, {"pillar": "wbcti"}))
    assert _sections(first) == ["Upcoming events", "Past events"]
    titles = listed_titles(first)
    assert titles[:4] == ["Upcoming 0", "Upcoming 1", "Upcoming 2", "Past 00"]
    assert len(titles) == 20
    assert first.xpath("//nav[contains(@class, 'ev-pagination')]//a[@rel='next']/@href") == ["?pillar=wbcti&page=2"]

    second = page(client.get(LIST, {"pillar": "wbcti", "page": 2}))
    assert _sections(second) == ["Past events"]
    assert listed_titles(second) == [f"Past {number:02d}" for number in range(17, 25)]


def _sections(doc):
    return [heading for heading in headings(doc, 2) if heading in {"Upcoming events", "Past events"}]
