"""What event pages say to machines besides iCalendar: the Atom feed and schema.org JSON-LD.

Both take the event's one status field: the feed through the same page text as the list, the
JSON-LD as `eventStatus`.
"""

import datetime
import json
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors
from .choices import EventMode, EventStatus
from .filters import EventFilter

FEED_LENGTH = 50

SCHEMA_EVENT_STATUS = {
    EventStatus.SCHEDULED: "https://schema.org/EventScheduled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.MOVED_ONLINE: "https://schema.org/EventMovedOnline",
}
SCHEMA_ATTENDANCE_MODE = {
    EventMode.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    EventMode.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
    EventMode.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}
# What must not reach the HTML parser inside a <script> element (the same as Django's json_script).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class FilteredEvents:
    """The events of one feed request (the Feed instance is shared by every request and thread)."""

    events: QuerySet
    filterset: EventFilter
    query: str


class EventsAtomFeed(Feed):
    """An Atom feed of events, the latest published first (`published_at`: the day an event was
    announced, or its own day if it was added later), honouring the list's filters."""

    feed_type = Atom1Feed
    description_template = "events/feed_entry.html"
    author_name = gettext_lazy("IISG Secretariat")
    subtitle = gettext_lazy("Meetings, workshops and conferences of the Integrative Internal Security Governance.")

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Conditional GETs are answered by the page cache from the data version (public_page), which
        # changes whenever the feed may; the latest entry's date, which Feed sends, would not change
        # when an entry leaves the feed, and would make the cache answer 200 to an unchanged feed.
        del response.headers["Last-Modified"]
        return response

    def get_object(self, request):
        events = selectors.events_for(request.user)
        filterset = EventFilter(request.GET, queryset=events, years=selectors.years_with_events(events))
        if not filterset.is_valid():
            raise Http404(_("This feed has no such filter."))
        return FilteredEvents(events=filterset.qs, filterset=filterset, query=request.GET.urlencode())

    def title(self, obj):
        labels = obj.filterset.active()
        if labels:
            return _("IISG events: %(filters)s") % {"filters": ", ".join(labels)}
        return _("IISG events and activities")

    def link(self, obj):
        return reverse("events:list") + (f"?{obj.query}" if obj.query else "")

    def feed_url(self, obj):
        return reverse("events:atom") + (f"?{obj.query}" if obj.query else "")

    def items(self, obj):
        return selectors.feed_events(obj.events, limit=FEED_LENGTH)

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return reverse("events:detail", args=[item.slug])

    def item_guid(self, item):
        return item.uid.urn

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return published_at(item)

    def item_updateddate(self, item):
        return updated_at(item)

    def item_categories(self, item):
        return [item.get_kind_display(), *(pillar.acronym for pillar in item.pillars.all())]


def published_at(event):
    """When a feed entry is published: when its event was announced (added to the site), or its
    first day (at midnight where the IISG is) if that came earlier.

    An event announced ahead of its day is published on the day it was added, never in the future.
    An event added after it took place (the old website's archive, loaded by the demo or an import,
    all within a second) is dated by its own day: dating those entries by the moment their rows
    were written would date them alike and leave their order to chance. An event without a
    published date is dated when it was added.
    """
    if event.start_date is None:
        return event.created_at
    first_day = timezone.make_aware(datetime.datetime.combine(event.start_date, datetime.time.min))
    return min(first_day, event.created_at)


def updated_at(event):
    """When a feed entry last changed: its `published_at`, or the last change of the event's dates,
    place, mode or status if that came later.

    Those are the changes a subscriber must see (the ones that raise the event's calendar sequence,
    made through the events services: a postponement, a cancellation, a move online), so only they
    bring an entry back to a reader's attention; a correction of the text, or a reload of the same
    rows, does not.
    """
    published = published_at(event)
    if event.sequence and event.updated_at > published:
        return event.updated_at
    return published


def schema_org_event(event, *, url):
    """The schema.org `Event` of an event page, as a dict ready for JSON.

    Dates are whole days (endDate is the last day); eventStatus follows the status field and an
    event moved online is attended online, at its page.
    """
    moved_online = event.status == EventStatus.MOVED_ONLINE
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "identifier": event.uid.urn,
        "eventStatus": SCHEMA_EVENT_STATUS[event.status],
        "eventAttendanceMode": SCHEMA_ATTENDANCE_MODE[EventMode.ONLINE if moved_online else event.mode],
    }
    if event.summary:
        data["description"] = event.summary
    if event.start_date:
        data["startDate"] = event.start_date.isoformat()
        data["endDate"] = (event.end_date or event.start_date).isoformat()
    locations = []
    if event.city or event.country:
        address = {"@type": "PostalAddress"}
        if event.city:
            address["addressLocality"] = event.city
        if event.country:
            address["addressCountry"] = event.country
        place = ", ".join(part for part in (event.city, event.country) if part)
        locations.append({"@type": "Place", "name": place, "address": address})
    if moved_online or event.mode != EventMode.IN_PERSON:
        locations.append({"@type": "VirtualLocation", "url": url})
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    organisers = [
        {
            "@type": "Organization",
            "name": organisation.name,
            **({"url": organisation.website} if organisation.website else {}),
        }
        for organisation in event.organisers.all()
    ]
    if organisers:
        data["organizer"] = organisers
    keywords = [pillar.acronym for pillar in event.pillars.all()]
    if keywords:
        data["keywords"] = ", ".join(keywords)
    return data


def json_ld(data):
    """`data` as JSON safe to put inside <script type="application/ld+json">."""
    # Safe: <, > and & are escaped as JSON unicode escapes, so no "</script>" or "<!--" can appear.
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))
