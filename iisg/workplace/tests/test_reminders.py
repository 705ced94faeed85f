"""The deadline reminders: the focal points whose partner has not submitted are told 7 days, then 1
day, before a needs cycle closes; each reminder once, however often the command runs."""

import datetime

import pytest
from django.core.management import call_command

from iisg.core.choices import Role, Step
from iisg.core.tests import factories as f
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
from iisg.workplace.models import Mail, Notification
from iisg.workplace.notify import send_reminders

pytestmark = pytest.mark.django_db

CLOSES = datetime.date(2025, 6, 30)


@pytest.fixture
def cycle():
    return f.CycleFactory(first_year=2025, last_year=2026, status=CycleStatus.OPEN, closes_on=CLOSES)


@pytest.fixture
def focal_points(albania, serbia, cycle):
    """Albania has only a draft; Serbia has submitted."""
    f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.DRAFT)
    f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)
    return f.user_with(Role.FOCAL_POINT, partner=albania), f.user_with(Role.FOCAL_POINT, partner=serbia)


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    def run(today):
        with django_capture_on_commit_callbacks(execute=True):
            return send_reminders(today=today)

    return run


def days_before(days):
    return CLOSES - datetime.timedelta(days=days)


def test_seven_days_before_the_focal_points_yet_to_submit_are_reminded(focal_points, cycle, remind):
    albanian, serbian = focal_points

    assert remind(days_before(7)) == [(cycle, 7)]

    reminder = Notification.objects.get(step=Step.DEADLINE_NEAR)
    assert reminder.recipient == albanian
    assert "closes in 7 days" in reminder.title
    assert "30 June 2025" in reminder.title
    assert Mail.objects.get().to == albanian.email
    assert not serbian.notifications.exists()


def test_a_reminder_goes_out_once_however_often_the_command_runs(focal_points, remind):
    remind(days_before(7))
    assert remind(days_before(7)) == []
    assert remind(days_before(6)) == []

    assert Notification.objects.filter(step=Step.DEADLINE_NEAR).count() == 1


def test_the_day_before_a_second_reminder_goes_out_once(focal_points, cycle, remind):
    remind(days_before(7))

    assert remind(days_before(1)) == [(cycle, 1)]
    assert remind(days_before(1)) == []
    assert remind(days_before(0)) == []

    titles = list(Notification.objects.filter(step=Step.DEADLINE_NEAR).values_list("title", flat=True))
    assert len(titles) == 2
    assert any("closes in 1 day:" in title for title in titles)


def test_no_reminder_before_seven_days_nor_after_the_deadline(focal_points, remind):
    assert remind(days_before(8)) == []
    assert remind(CLOSES + datetime.timedelta(days=1)) == []
    assert not Notification.objects.exists()


def test_a_missed_day_is_caught_up_with_the_days_actually_left(focal_points, cycle, remind):
    assert remind(days_before(5)) == [(cycle, 7)]

    assert "closes in 5 days" in Notification.objects.get().title


def test_no_reminder_for_a_cycle_in_review_or_a_response_round(focal_points, cycle, remind):
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()
    f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2025, last_year=2025, closes_on=CLOSES)

    assert remind(days_before(7)) == []


def test_when_every_partner_submitted_nobody_is_reminded(focal_points, albania, cycle, remind):
    cycle.needs.filter(partner=albania).update(status=NeedStatus.SUBMITTED)

    remind(days_before(7))

    assert not Notification.objects.exists()


def test_the_command_reminds(focal_points, capsys, django_capture_on_commit_callbacks):
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", "--today", days_before(7).isoformat())

    assert Notification.objects.count() == 1
    out = capsys.readouterr().out
    assert "7 day(s) before 2025-06-30" in out
    assert "No reminder due." in out
