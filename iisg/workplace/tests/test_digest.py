"""The daily digest: the notifications a user chose to hear of once a day, in one mail, once."""

import pytest
from django.core.management import call_command

from iisg.core.choices import Role, Step
from iisg.core.tests import factories as f
from iisg.workplace.choices import Delivery
from iisg.workplace.models import Mail, Notification, Preference
from iisg.workplace.notify import Message, notify, send_digests

pytestmark = pytest.mark.django_db


@pytest.fixture
def focal_point(albania):
    user = f.user_with(Role.FOCAL_POINT, partner=albania)
    Preference.objects.create(user=user, step=Step.NEED_RETURNED, delivery=Delivery.DIGEST)
    Preference.objects.create(user=user, step=Step.NEED_VALIDATED, delivery=Delivery.DIGEST)
    return user


def tell(user, step, title):
    from django.contrib.auth.models import User

    return notify(step=step, message=Message(User.objects.filter(pk=user.pk), title, f"About {title}.", "/admin/"))


def test_digest_notifications_are_not_mailed_at_once(focal_point):
    tell(focal_point, Step.NEED_RETURNED, "AL-WBBSi-007 returned: please revise")

    assert not Mail.objects.exists()
    assert Notification.objects.get().mailed_at is None


def test_the_digest_gathers_all_waiting_notifications_in_one_mail(focal_point):
    tell(focal_point, Step.NEED_RETURNED, "AL-WBBSi-007 returned: please revise")
    tell(focal_point, Step.NEED_VALIDATED, "AL-WBBSi-008 validated")

    assert send_digests() == 1

    mail = Mail.objects.get()
    assert mail.to == focal_point.email
    assert mail.recipient == focal_point
    assert mail.subject == "IISG Platform: 2 notifications of the day"
    assert "AL-WBBSi-007 returned: please revise" in mail.text
    assert "AL-WBBSi-008 validated" in mail.text
    assert "About AL-WBBSi-008 validated." in mail.html
    assert "/account/notifications/preferences/" in mail.text
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()


def test_the_digest_is_idempotent(focal_point):
    tell(focal_point, Step.NEED_RETURNED, "AL-WBBSi-007 returned: please revise")
    send_digests()

    assert send_digests() == 0
    assert Mail.objects.count() == 1


def test_a_later_notification_goes_in_the_next_digest_alone(focal_point):
    tell(focal_point, Step.NEED_RETURNED, "AL-WBBSi-007 returned: please revise")
    send_digests()
    tell(focal_point, Step.NEED_VALIDATED, "AL-WBBSi-008 validated")

    send_digests()

    latest = Mail.objects.order_by("-pk").first()
    assert "AL-WBBSi-008 validated" in latest.text
    assert "AL-WBBSi-007" not in latest.text


def test_the_digest_leaves_out_notifications_mailed_at_once_or_not_to_be_mailed(focal_point):
    tell(focal_point, Step.CYCLE_OPENED, "Needs mapping open")  # at once by default
    Preference.objects.create(user=focal_point, step=Step.NEED_REJECTED, delivery=Delivery.OFF)
    tell(focal_point, Step.NEED_REJECTED, "AL-WBBSi-009 rejected")

    assert send_digests() == 0
    assert Mail.objects.count() == 1  # the one sent at once


def test_no_digest_for_a_user_without_an_address_or_no_longer_active(focal_point, albania):
    focal_point.email = ""
    focal_point.save()
    tell(focal_point, Step.NEED_RETURNED, "AL-WBBSi-007 returned: please revise")
    gone = f.user_with(Role.FOCAL_POINT, partner=albania)
    Preference.objects.create(user=gone, step=Step.NEED_RETURNED, delivery=Delivery.DIGEST)
    tell(gone, Step.NEED_RETURNED, "AL-WBBSi-007 returned: please revise")
    gone.is_active = False
    gone.save()

    assert send_digests() == 0
    assert not Mail.objects.exists()


def test_each_user_gets_their_own_digest(focal_point, serbia):
    other = f.user_with(Role.FOCAL_POINT, partner=serbia)
    Preference.objects.create(user=other, step=Step.NEED_RETURNED, delivery=Delivery.DIGEST)
    tell(focal_point, Step.NEED_RETURNED, "AL-WBBSi-007 returned: please revise")
    tell(other, Step.NEED_RETURNED, "RS-WBBSi-001 returned: please revise")

    assert send_digests() == 2

    assert "RS-WBBSi-001" not in Mail.objects.get(to=focal_point.email).text
    assert "AL-WBBSi-007" not in Mail.objects.get(to=other.email).text


def test_the_command_sends_the_digests(focal_point, capsys):
    tell(focal_point, Step.NEED_RETURNED, "AL-WBBSi-007 returned: please revise")

    call_command("send_digest")
    call_command("send_digest")

    assert Mail.objects.count() == 1
    assert "Digests queued: 1." in capsys.readouterr().out
