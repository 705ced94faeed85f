"""A newcomer signing in to the demo finds the workplace at work: an open needs cycle with its
deadlines, needs in every status of the review, a conversation, unread notifications and the mails
that went with them; and a second load tells nobody anything again."""

import datetime

import pytest

from iisg.core.choices import Step
from iisg.demo.services import load_demo
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
from iisg.needs.models import Cycle
from iisg.workplace.models import Comment, Mail, Notification
from iisg.workplace.threads import thread

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_cycle_at_work_with_its_notifications(django_capture_on_commit_callbacks, fast_hashers):
    with django_capture_on_commit_callbacks(execute=True):
        summary = load_demo()
    cycle = Cycle.objects.needs_mapping().get(status=CycleStatus.OPEN)
    assert (cycle.period, cycle.opens_on, cycle.closes_on, cycle.review_closes_on) == (
        "2027–2028",
        datetime.date(2026, 11, 2),
        datetime.date(2027, 1, 29),
        datetime.date(2027, 3, 12),
    )
    assert Cycle.objects.needs_mapping().at_work() == cycle, "the back office and the workbooks open on it"
    assert Cycle.objects.needs_mapping().to_show().status == CycleStatus.ADOPTED, "figures stay on the adopted one"
    statuses = set(cycle.needs.values_list("status", flat=True))
    assert statuses == set(NeedStatus.values) - {NeedStatus.ADOPTED}
    not_started = {"XK", "MK"} - set(cycle.needs.values_list("partner__code", flat=True))
    assert not_started == {"XK", "MK"}, "the progress page has partners who have not started"

    logins = {login.username: user for login, user in summary.logins}
    returned = cycle.needs.get(status=NeedStatus.RETURNED)
    entries = thread(returned, user=logins["secretariat"])
    assert [entry.status for entry in entries] == ["Draft", "Submitted", "Returned for changes", ""]
    assert entries[-1].author == "focal_point"
    assert Comment.objects.count() == 1

    # Only today's work tells people: the adopted 2021–2022 mapping was written silently.
    unread = Notification.objects.filter(read_at__isnull=True)
    assert {(n.recipient.username, n.step) for n in unread} == {
        ("focal_point", Step.CYCLE_OPENED),
        ("focal_point", Step.NEED_RETURNED),
        ("secretariat", Step.NEED_SUBMITTED),
        ("secretariat", Step.COMMENTED),
        ("member", Step.NEEDS_PROPOSED),
    }
    assert Notification.objects.filter(step=Step.NEED_SUBMITTED).count() == 2, "two of Albania's needs submitted"
    assert Mail.objects.count() == Notification.objects.exclude(step=Step.COMMENTED).count(), (
        "each step mailed at once; a reply waits for the digest"
    )

    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    assert Notification.objects.count() == unread.count(), "loading again tells nobody anything"
    assert cycle.needs.count() == 9
    assert Cycle.objects.filter(kind=CycleKind.NEEDS, status=CycleStatus.OPEN).count() == 1
