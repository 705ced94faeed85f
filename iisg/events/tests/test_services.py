"""Changing an event's dates or status raises its sequence, in one transaction."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from iisg.core.tests import factories as f
from iisg.events.choices import EventStatus
from iisg.events.models import Event
from iisg.events.services import reschedule_event, set_event_status

pytestmark = pytest.mark.django_db


def test_rescheduling_changes_the_dates_and_raises_the_sequence():
    event = f.EventFactory(start_date=datetime.date(2022, 6, 20))
    returned = reschedule_event(event=event, start_date=datetime.date(2022, 7, 4), end_date=datetime.date(2022, 7, 5))
    assert returned is event
    stored = Event.objects.get(pk=event.pk)
    assert (stored.start_date, stored.end_date, stored.sequence) == (
        datetime.date(2022, 7, 4),
        datetime.date(2022, 7, 5),
        1,
    )
    assert (event.start_date, event.end_date, event.sequence) == (stored.start_date, stored.end_date, 1)


def test_rescheduling_to_the_same_dates_changes_nothing():
    event = f.EventFactory(start_date=datetime.date(2022, 6, 20))
    reschedule_event(event=event, start_date=datetime.date(2022, 6, 20))
    assert Event.objects.get(pk=event.pk).sequence == 0


def test_rescheduling_to_invalid_dates_is_refused_and_changes_nothing():
    event = f.EventFactory(start_date=datetime.date(2022, 6, 20))
    with pytest.raises(ValidationError) as error:
        reschedule_event(event=event, start_date=datetime.date(2022, 6, 20), end_date=datetime.date(2022, 6, 19))
    assert "An end date is only for events of several days and must be after the start date." in error.value.messages
    stored = Event.objects.get(pk=event.pk)
    assert (stored.end_date, stored.sequence) == (None, 0)
    assert event.sequence == 0


def test_a_postponed_event_with_new_dates_is_scheduled_again():
    event = f.EventFactory(start_date=datetime.date(2022, 6, 20), status=EventStatus.POSTPONED)
    reschedule_event(event=event, start_date=datetime.date(2022, 9, 1))
    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.sequence) == (EventStatus.SCHEDULED, 1)


def test_withdrawing_the_date_keeps_a_postponed_event_postponed():
    event = f.EventFactory(start_date=datetime.date(2022, 6, 20), status=EventStatus.POSTPONED)
    reschedule_event(event=event, start_date=None)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.start_date, stored.status, stored.sequence) == (None, EventStatus.POSTPONED, 1)


@pytest.mark.parametrize("status", [EventStatus.POSTPONED, EventStatus.CANCELLED, EventStatus.MOVED_ONLINE])
def test_setting_a_new_status_raises_the_sequence(status):
    event = f.EventFactory()
    set_event_status(event=event, status=status)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.sequence) == (status, 1)
    set_event_status(event=event, status=status)
    assert Event.objects.get(pk=event.pk).sequence == 1, "the same status again changes nothing"


def test_an_unknown_status_is_refused():
    event = f.EventFactory()
    with pytest.raises(ValueError, match="'over'"):
        set_event_status(event=event, status="over")
    assert Event.objects.get(pk=event.pk).sequence == 0


def test_the_services_take_keyword_arguments_only():
    event = f.EventFactory()
    with pytest.raises(TypeError):
        set_event_status(event, EventStatus.CANCELLED)
    with pytest.raises(TypeError):
        reschedule_event(event, datetime.date(2022, 1, 1))
