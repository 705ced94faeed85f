"""Changes to events that calendar subscribers must see.

A calendar client keeps its copy of an event by UID and replaces it only when the SEQUENCE of the
new copy is higher (RFC 5545, 3.8.7.4). So every change of dates or status goes through here,
which raises `Event.sequence` with it, in one transaction.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Verb
from iisg.core.errors import NotAllowed
from iisg.core.permissions import can

from .choices import EventStatus
from .models import CALENDAR_FIELDS, Event


def calendar_changed(event, original):
    """Does `event` differ from its stored `original` in what calendar clients must see (dates,
    place, mode, status)? Whoever saves such a change raises the sequence with it."""
    return any(getattr(event, name) != getattr(original, name) for name in CALENDAR_FIELDS)


@transaction.atomic
def save_event(*, user, event):
    """Add `event` or save the changes made to it (the back office's form), except its status,
    which set_event_status moves. Checked like any event (full_clean, which also cleans its text
    and sanitises its rich text); its sequence goes up when calendar clients must see the change
    (calendar_changed). Secretariat only. Raises NotAllowed, ValidationError."""
    if not can(user, Verb.ADD if event.pk is None else Verb.CHANGE, event):
        raise NotAllowed(_("Only the Secretariat publishes events."))
    if event.pk is not None:
        stored = Event.objects.select_for_update().get(pk=event.pk)
        event.status = stored.status
        if calendar_changed(event, stored):
            event.sequence = stored.sequence + 1
    event.full_clean()
    event.save()
    return event


def _save_change(event, changes):
    """Apply `changes` to the locked row of `event`; raise the sequence if anything changed."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
        if not changed:
            return event
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.sequence += 1
        locked.full_clean(validate_unique=False)
        locked.save(update_fields=[*changed, "sequence", "updated_at"])
    for name in [*changed, "sequence", "updated_at"]:
        setattr(event, name, getattr(locked, name))
    return event


def reschedule_event(*, event, start_date, end_date=None):
    """Move `event` to new dates and raise its sequence, so calendar clients update their copy.

    `end_date` is only for events of several days (after `start_date`); `start_date=None` withdraws
    the date ("date not published"). A postponed event that gets new dates is scheduled again.
    Raises ValidationError when the dates are not valid, changing nothing. Changing nothing (the
    same dates) leaves the sequence as it is. Returns the event, updated.
    """
    changes = {"start_date": start_date, "end_date": end_date}
    if event.status == EventStatus.POSTPONED and start_date is not None:
        changes["status"] = EventStatus.SCHEDULED
    return _save_change(event, changes)


def set_event_status(*, event, status, user=None):
    """Set the status of `event` (scheduled, postponed, cancelled, moved online) and raise its
    sequence, so the label, the schema.org eventStatus and the iCalendar STATUS change together and
    calendar clients take the change. Setting the status it already has changes nothing. Returns
    the event, updated. With `user` (the back office), only the Secretariat may; without, the
    caller is the platform itself (a command, the demo). Raises NotAllowed, ValueError."""
    if user is not None and not can(user, Verb.CHANGE, event):
        raise NotAllowed(_("Only the Secretariat changes the status of an event."))
    return _save_change(event, {"status": EventStatus(status)})
