"""The iCalendar files: one per event, one for the list (with its filters), one per pillar."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from iisg.core.tests import factories as f
from iisg.events.choices import EventMode, EventStatus
from iisg.events.services import reschedule_event, set_event_status

pytestmark = pytest.mark.django_db

CALENDAR = reverse("events:calendar")


def _calendar(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def _event_calendar(client, event):
    return _calendar(client.get(reverse("events:ics", args=[event.slug])))


def _only_event(calendar):
    (vevent,) = calendar.walk("VEVENT")
    return vevent


def _summaries(calendar):
    return [str(vevent["SUMMARY"]) for vevent in calendar.walk("VEVENT")]


def test_an_event_file_holds_the_event_as_whole_days(client, wbcti):
    event = f.EventFactory(
        title="14th RNNC meeting",
        start_date=datetime.date(2023, 10, 17),
        end_date=datetime.date(2023, 10, 18),
        city="Skopje",
        country="North Macedonia",
        summary="Two days of the network.",
    )
    event.pillars.add(wbcti)
    response = client.get(reverse("events:ics", args=[event.slug]))
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    calendar = _calendar(response)
    assert str(calendar["VERSION"]) == "2.0"
    vevent = _only_event(calendar)
    assert vevent.start == datetime.date(2023, 10, 17)
    assert vevent.end == datetime.date(2023, 10, 19), "DTEND is exclusive: the day after the last day"
    assert b"DTSTART;VALUE=DATE:20231017" in response.content
    assert b"DTEND;VALUE=DATE:20231019" in response.content
    assert str(vevent["UID"]) == f"{event.uid}@iisg"
    assert vevent["SEQUENCE"] == 0
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["SUMMARY"]) == "14th RNNC meeting"
    assert str(vevent["LOCATION"]) == "Skopje, North Macedonia"
    assert str(vevent["URL"]) == f"http://testserver/events/{event.slug}/"
    assert str(vevent["DESCRIPTION"]) == f"Two days of the network.\n\nhttp://testserver/events/{event.slug}/"
    assert vevent.DTSTAMP is not None
    assert [str(category) for category in vevent["CATEGORIES"].cats] == ["Workshop", "WBCTi"]


def test_a_one_day_event_ends_the_next_day(client):
    vevent = _only_event(_event_calendar(client, f.EventFactory(start_date=datetime.date(2022, 6, 20))))
    assert (vevent.start, vevent.end) == (datetime.date(2022, 6, 20), datetime.date(2022, 6, 21))


def test_the_uid_stays_the_same_across_requests_and_changes(client):
    event = f.EventFactory()
    uids = {str(_only_event(_event_calendar(client, event))["UID"]) for _ in range(2)}
    event.title = "Renamed"
    event.save()
    reschedule_event(event=event, start_date=datetime.date(2022, 7, 1))
    uids.add(str(_only_event(_event_calendar(client, event))["UID"]))
    uids.add(str(_only_event(_calendar(client.get(CALENDAR)))["UID"]))
    assert uids == {f"{event.uid}@iisg"}


def test_rescheduling_raises_the_sequence_calendar_clients_compare(client):
    event = f.EventFactory(start_date=datetime.date(2022, 6, 20))
    reschedule_event(event=event, start_date=datetime.date(2022, 6, 27), end_date=datetime.date(2022, 6, 28))
    vevent = _only_event(_event_calendar(client, event))
    assert vevent["SEQUENCE"] == 1
    assert (vevent.start, vevent.end) == (datetime.date(2022, 6, 27), datetime.date(2022, 6, 29))
    set_event_status(event=event, status=EventStatus.CANCELLED)
    vevent = _only_event(_event_calendar(client, event))
    assert vevent["SEQUENCE"] == 2
    assert str(vevent["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize(
    ("status", "ical_status", "summary"),
    [
        (EventStatus.SCHEDULED, "CONFIRMED", "Workshop"),
        (EventStatus.MOVED_ONLINE, "CONFIRMED", "Workshop"),
        (EventStatus.POSTPONED, "TENTATIVE", "Postponed: Workshop"),
        (EventStatus.CANCELLED, "CANCELLED", "Cancelled: Workshop"),
    ],
)
def test_the_status_drives_the_ical_status(client, status, ical_status, summary):
    vevent = _only_event(_event_calendar(client, f.EventFactory(title="Workshop", status=status)))
    assert str(vevent["STATUS"]) == ical_status
    assert str(vevent["SUMMARY"]) == summary


@pytest.mark.parametrize(
    ("mode", "status", "location"),
    [
        (EventMode.IN_PERSON, EventStatus.SCHEDULED, "Sarajevo, Bosnia and Herzegovina"),
        (EventMode.HYBRID, EventStatus.SCHEDULED, "Sarajevo, Bosnia and Herzegovina and online"),
        (EventMode.ONLINE, EventStatus.SCHEDULED, "Online"),
        (EventMode.IN_PERSON, EventStatus.MOVED_ONLINE, "Online"),
    ],
)
def test_the_location_says_where_and_whether_online(client, mode, status, location):
    vevent = _only_event(_event_calendar(client, f.EventFactory(mode=mode, status=status)))
    assert str(vevent["LOCATION"]) == location


def test_an_event_without_a_date_has_no_calendar_file_and_stays_out_of_calendars(client):
    undated = f.EventFactory(title="Undated", start_date=None)
    f.EventFactory(title="Dated")
    assert client.get(reverse("events:ics", args=[undated.slug])).status_code == 404
    assert _summaries(_calendar(client.get(CALENDAR))) == ["Dated"]


def test_unpublished_events_are_in_no_calendar(client, wbcti):
    hidden = f.EventFactory(title="Hidden", is_published=False)
    hidden.pillars.add(wbcti)
    f.EventFactory(title="Shown").pillars.add(wbcti)
    assert client.get(reverse("events:ics", args=[hidden.slug])).status_code == 404
    assert _summaries(_calendar(client.get(CALENDAR))) == ["Shown"]
    assert _summaries(_calendar(client.get(CALENDAR, {"pillar": "wbcti"}))) == ["Shown"]


def test_the_list_calendar_holds_past_and_upcoming_events_in_time_order(client, today):
    f.EventFactory(title="Upcoming", start_date=today + datetime.timedelta(days=30))
    f.EventFactory(title="Past", start_date=datetime.date(2018, 6, 4))
    response = client.get(CALENDAR)
    assert response["Content-Disposition"] == 'attachment; filename="iisg-events.ics"'
    calendar = _calendar(response)
    assert _summaries(calendar) == ["Past", "Upcoming"]
    assert str(calendar["X-WR-CALNAME"]) == "IISG events"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H" in response.content


def test_the_list_calendar_honours_the_filters_of_the_list(client, wbcti, wbbsi):
    f.EventFactory(title="CT 2019", start_date=datetime.date(2019, 4, 24)).pillars.add(wbcti)
    f.EventFactory(title="CT 2023", start_date=datetime.date(2023, 10, 17), kind="network_meeting").pillars.add(wbcti)
    f.EventFactory(title="Border 2019", start_date=datetime.date(2019, 6, 4)).pillars.add(wbbsi)
    response = client.get(CALENDAR, {"pillar": "wbcti", "year": "2019"})
    assert response["Content-Disposition"] == 'attachment; filename="iisg-events-wbcti-2019.ics"'
    calendar = _calendar(response)
    assert _summaries(calendar) == ["CT 2019"]
    assert str(calendar["X-WR-CALNAME"]) == "IISG events: WBCTi, 2019"
    assert _summaries(_calendar(client.get(CALENDAR, {"kind": "network_meeting"}))) == ["CT 2023"]
    assert _summaries(_calendar(client.get(CALENDAR, {"q": "border"}))) == ["Border 2019"]


def test_each_pillar_has_its_calendar(client, wbcti, wbbsi):
    f.EventFactory(title="CT").pillars.add(wbcti)
    f.EventFactory(title="Border").pillars.add(wbbsi)
    f.EventFactory(title="Both").pillars.add(wbcti, wbbsi)
    assert _summaries(_calendar(client.get(CALENDAR, {"pillar": "wbcti"}))) == ["Both", "CT"]
    assert _summaries(_calendar(client.get(CALENDAR, {"pillar": "wbbsi"}))) == ["Border", "Both"]


def test_a_calendar_asked_with_an_unknown_filter_is_not_found(client):
    f.EventFactory()
    assert client.get(CALENDAR, {"pillar": "nope"}).status_code == 404
    assert client.get(CALENDAR, {"year": "1999"}).status_code == 404


def test_the_same_calendar_is_served_the_same_way_twice(client):
    f.EventFactory()
    assert client.get(CALENDAR).content == client.get(CALENDAR).content
