"""Events as iCalendar (RFC 5545), with the maintained `icalendar` package.

Events are whole days: DTSTART;VALUE=DATE and an exclusive DTEND, the day after the last day. The
UID is the event's own (stable across requests, renames and date changes), the SEQUENCE its
revision (raised by the services on each change of dates or status), and the STATUS follows the
event's one status field.
"""

import datetime
import uuid

import icalendar
from django.utils.translation import gettext as _

from .choices import EventMode, EventStatus

PRODID = "-//IISG//Events and activities//EN"
UID_DOMAIN = "iisg"
# How often subscribed calendars should fetch a feed again.
FEED_REFRESH = datetime.timedelta(hours=12)

ICAL_STATUS = {
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.MOVED_ONLINE: "CONFIRMED",
    EventStatus.POSTPONED: "TENTATIVE",
    EventStatus.CANCELLED: "CANCELLED",
}


def event_uid(event):
    return f"{event.uid}@{UID_DOMAIN}"


def location(event):
    """Where, in words: "Skopje, North Macedonia", "… and online" when hybrid, "Online" when online."""
    online = event.mode == EventMode.ONLINE or event.status == EventStatus.MOVED_ONLINE
    if online:
        return _("Online")
    place = ", ".join(part for part in (event.city, event.country) if part)
    if event.mode == EventMode.HYBRID:
        return _("%(place)s and online") % {"place": place} if place else _("Online")
    return place


def summary(event):
    """The title, preceded by the status when it is one a reader must not miss in a calendar grid."""
    if event.status in (EventStatus.CANCELLED, EventStatus.POSTPONED):
        return _("%(status)s: %(title)s") % {"status": event.get_status_display(), "title": event.title}
    return event.title


def vevent(event, *, url):
    """The VEVENT of a dated event; `url` is the absolute address of its page."""
    last_day = event.end_date or event.start_date
    description = "\n\n".join(part for part in (event.summary, url) if part)
    component = icalendar.Event.new(
        uid=event_uid(event),
        sequence=event.sequence,
        stamp=event.updated_at,
        created=event.created_at,
        last_modified=event.updated_at,
        start=event.start_date,
        end=last_day + datetime.timedelta(days=1),
        summary=summary(event),
        description=description,
        location=location(event) or None,
        url=url,
        status=ICAL_STATUS[event.status],
        categories=[event.get_kind_display(), *(pillar.acronym for pillar in event.pillars.all())],
        classification="PUBLIC",
        transparency="TRANSPARENT",
    )
    return component


def calendar(events, *, name, url, event_url, description=None, refresh=None):
    """A VCALENDAR of `events` (those with a date; see selectors.calendar_events).

    `url` is the absolute address of the calendar itself (its UID derives from it, so it is stable),
    `event_url(event)` the absolute address of an event's page. A calendar meant for subscription
    gives `refresh`, how often clients should fetch it again. Returns the bytes to serve.
    """
    cal = icalendar.Calendar.new(
        prodid=PRODID,
        name=name,
        description=description or None,
        url=url,
        uid=uuid.uuid5(uuid.NAMESPACE_URL, url),
    )
    cal.add("calscale", "GREGORIAN")
    if refresh:
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", icalendar.vDuration(refresh))
    for event in events:
        cal.add_component(vevent(event, url=event_url(event)))
    return cal.to_ical()
