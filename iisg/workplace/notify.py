"""Notifications: telling people of a step (in-app, and by mail as each chose), reading them, marking
them read, each user's choice of delivery, and the daily digest.

Every one concerned gets the notification under the bell; besides, by each user's Preference for the
step (DEFAULT_DELIVERY without one), it is mailed at once, gathered in the next daily digest, or not
mailed. Only active users with an e-mail address are mailed.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from iisg.core.choices import Step, Verb
from iisg.core.errors import NotAllowed
from iisg.core.events import announce
from iisg.core.permissions import can
from iisg.needs.choices import CycleStatus
from iisg.needs.models import Cycle

from .choices import Delivery
from .mail import queue_mail
from .models import Notification, Preference

# How a user hears of each kind of step until they choose: at once, but for the conversation (a
# comment is rarely urgent: the day's comments come in one mail) and for the runs a person started
# themselves (they are watching the run's page; the bell tells the rest).
DEFAULT_DELIVERY = dict.fromkeys(Step, Delivery.AT_ONCE) | {
    Step.COMMENTED: Delivery.DIGEST,
    Step.RUN_FINISHED: Delivery.OFF,
}

# The focal points who have not submitted are reminded this many days before a needs cycle closes.
REMINDER_DAYS = (7, 1)

DIGEST_TEMPLATE = "digest"
NOTIFICATION_TEMPLATE = "notification"


@dataclass(frozen=True)
class Message:
    """What to tell whom of one step: `recipients` (a queryset of users), a short `title`, a `body`
    of a few lines and the `url` (local) where it is dealt with; `key` names a message that must go
    out once only."""

    recipients: object
    title: str
    body: str = ""
    url: str = ""
    key: str = ""


# Reads


def notifications_of(user):
    """The notifications of `user`, unread first, then the newest first."""
    return Notification.objects.filter(recipient=user).order_by(
        F("read_at").desc(nulls_first=True), "-created_at", "-pk"
    )


def unread_count(user):
    """How many notifications of `user` are unread (one query)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def deliveries_of(user):
    """The delivery `user` chose for each step, DEFAULT_DELIVERY where they chose none."""
    chosen = dict(Preference.objects.filter(user=user).values_list("step", "delivery"))
    return {step: Delivery(chosen.get(step, DEFAULT_DELIVERY[step])) for step in Step}


def was_sent(key):
    """Whether a message named `key` went out already."""
    return Notification.objects.filter(key=key).exists()


def reminder_key(cycle, days):
    """The name of the reminder of `cycle` `days` days before its deadline: it goes out once."""
    return f"{Step.DEADLINE_NEAR}:{cycle.pk}:{days}"


def due_reminders(today):
    """(cycle, days) of each reminder due on `today`: for every open needs cycle whose deadline is
    REMINDER_DAYS or fewer days away, the nearest threshold reached, unless it went out already. A
    day the command did not run is caught up the next (the 7-day reminder on the 5th day)."""
    furthest = today + timedelta(days=max(REMINDER_DAYS))
    cycles = Cycle.objects.needs_mapping().filter(
        status=CycleStatus.OPEN, closes_on__gte=today, closes_on__lte=furthest
    )
    for cycle in cycles.order_by("closes_on", "pk"):
        days_left = (cycle.closes_on - today).days
        days = min(threshold for threshold in REMINDER_DAYS if days_left <= threshold)
        if not was_sent(reminder_key(cycle, days)):
            yield cycle, days


# Writes


@transaction.atomic
def notify(*, step, message, actor=None):
    """Tell each recipient of `message` of `step`, except the `actor` who did it: a notification
    each, mailed at once to those who chose so and have an address. Answers the notifications."""
    step = Step(step)
    recipients = list(message.recipients.exclude(pk=getattr(actor, "pk", None)))
    if not recipients:
        return []
    chosen = dict(Preference.objects.filter(user__in=recipients, step=step).values_list("user_id", "delivery"))
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            step=step,
            title=message.title[:300],
            body=message.body,
            url=message.url[:500],
            actor=actor if getattr(actor, "pk", None) else None,
            delivery=chosen.get(user.pk, DEFAULT_DELIVERY[step]),
            key=message.key,
        )
        for user in recipients
    )
    now = timezone.now()
    mailed = []
    for notification in notifications:
        user = notification.recipient
        if notification.delivery == Delivery.AT_ONCE and user.is_active and user.email:
            queue_mail(
                to=user.email, template=NOTIFICATION_TEMPLATE, context={"notification": notification}, recipient=user
            )
            notification.mailed_at = now
            mailed.append(notification)
    Notification.objects.bulk_update(mailed, ["mailed_at"])
    return notifications


def mark_read(*, user, notification):
    """Mark `notification`, one of `user`'s own, read (once: the first reading stays). Raises
    NotAllowed for another user's."""
    if not can(user, Verb.CHANGE, notification):
        raise NotAllowed(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_read(*, user):
    """Mark every unread notification of `user` read. Answers how many were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def set_deliveries(*, user, deliveries):
    """Record how `user` wants to hear of each step: `deliveries` maps steps to a Delivery. A choice
    equal to DEFAULT_DELIVERY is not kept, so the user follows the default there."""
    for step, delivery in deliveries.items():
        step, delivery = Step(step), Delivery(delivery)
        if delivery == DEFAULT_DELIVERY[step]:
            Preference.objects.filter(user=user, step=step).delete()
        else:
            Preference.objects.update_or_create(user=user, step=step, defaults={"delivery": delivery})


def send_reminders(*, today=None):
    """Announce each reminder due today (DEADLINE_NEAR: iisg.workplace.receivers tells the focal
    points whose partner has not submitted). Answers the (cycle, days) announced."""
    today = today or timezone.localdate()
    due = list(due_reminders(today))
    for cycle, days in due:
        with transaction.atomic():
            announce(Step.DEADLINE_NEAR, target=cycle, days=days, today=today)
    return due


def send_digests():
    """Mail each active user with an address the notifications they chose to hear of in the
    daily digest and were not mailed yet, all in one mail, and mark them mailed. Idempotent: a
    notification goes in one digest only. Answers how many digests were queued."""
    waiting = (
        Notification.objects.filter(delivery=Delivery.DIGEST, mailed_at__isnull=True, recipient__is_active=True)
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "pk")
    )
    by_user = {}
    for notification in waiting:
        by_user.setdefault(notification.recipient, []).append(notification)
    for user, notifications in by_user.items():
        _send_digest(user, notifications)
    return len(by_user)


@transaction.atomic
def _send_digest(user, notifications):
    # Claimed first, so that a digest run beside this one sends none of them a second time.
    claimed = Notification.objects.filter(
        pk__in=[notification.pk for notification in notifications], mailed_at__isnull=True
    ).update(mailed_at=timezone.now())
    if claimed != len(notifications):
        transaction.set_rollback(True)
        return
    queue_mail(to=user.email, template=DIGEST_TEMPLATE, context={"notifications": notifications}, recipient=user)
