"""Events: several days end after they start, unknown dates stay unknown, the past says so."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from iisg.core.tests import factories as f
from iisg.events.models import Event

pytestmark = pytest.mark.django_db


def test_an_event_end_date_is_after_its_start_date():
    event = f.EventFactory.build(start_date=datetime.date(2023, 10, 18), end_date=datetime.date(2023, 10, 17))
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert error.value.messages == ["An end date is only for events of several days and must be after the start date."]
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()


def test_an_event_without_a_published_date_keeps_no_date():
    event = f.EventFactory(start_date=None)
    assert str(event) == f"{event.title} (date not published)"
    assert not event.has_passed()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(end_date=datetime.date(2020, 1, 2))


def test_a_several_day_event_has_passed_after_its_last_day():
    event = f.EventFactory(start_date=datetime.date(2023, 10, 17), end_date=datetime.date(2023, 10, 18))
    assert not event.has_passed(today=datetime.date(2023, 10, 18))
    assert event.has_passed(today=datetime.date(2023, 10, 19))


def test_every_event_has_its_own_calendar_uid():
    assert f.EventFactory().uid != f.EventFactory().uid
