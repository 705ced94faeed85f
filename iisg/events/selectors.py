"""What the event pages, calendars and feeds read.

Every read starts from `events_for(user)`: the events the viewer may see (the public sees published
events only). "Today" is an argument wherever the answer depends on it, so that tests pin it and
views pass `timezone.localdate()`.
"""

import datetime
from dataclasses import dataclass, field
from enum import IntEnum

from django.db.models import Case, Count, DateTimeField, F, Q, Value, When, prefetch_related_objects
from django.db.models.functions import Cast, Coalesce, ExtractYear, Least, TruncMonth

from iisg.core.permissions import visible

from .models import Event, passed_by


class Section(IntEnum):
    """The parts of the event list, in their order on the page."""

    UPCOMING = 0
    PAST = 1
    UNDATED = 2


@dataclass
class MonthGroup:
    month: datetime.date  # the first day of the month
    events: list = field(default_factory=list)


@dataclass
class ListSection:
    section: Section
    months: list = field(default_factory=list)  # MonthGroup, for dated events
    events: list = field(default_factory=list)  # for the events without a date

    @property
    def key(self):
        return self.section.name.lower()


@dataclass
class ArchiveYear:
    year: int
    months: list  # (first day of the month, number of events), January first


def events_for(user):
    """The events `user` may see: published ones for the public, all of them for the Secretariat."""
    return visible(user, Event.objects.all())


def for_list(queryset):
    """`queryset` with what a list entry shows fetched alongside (pillars), in one more query."""
    return queryset.prefetch_related("pillars")


def in_list_order(queryset, *, today):
    """The order of /events/: upcoming and current events first, soonest first; then past events,
    latest first; events with no published date last. An event is upcoming until its last day has
    passed."""
    return (
        queryset.annotate(
            list_section=Case(
                When(start_date__isnull=True, then=Value(Section.UNDATED.value)),
                When(passed_by(today), then=Value(Section.PAST.value)),
                default=Value(Section.UPCOMING.value),
            )
        )
        .annotate(
            list_upcoming_date=Case(When(list_section=Section.UPCOMING.value, then=F("start_date"))),
            list_past_date=Case(When(list_section=Section.PAST.value, then=F("start_date"))),
        )
        .order_by(
            "list_section",
            F("list_upcoming_date").asc(nulls_last=True),
            F("list_past_date").desc(nulls_last=True),
            "title",
            "pk",
        )
    )


def in_month(queryset, *, year, month):
    """The events that start in the month."""
    return queryset.filter(start_date__year=year, start_date__month=month)


def in_year(queryset, *, year):
    """The events that take place in `year` on at least one of their days: an event running over
    New Year belongs to both years. Events without a date take place in no year.

    The one meaning of "year" for the event list, its calendar and feed, and the API.
    """
    first_day, last_day = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return queryset.filter(
        Q(end_date__isnull=True, start_date__range=(first_day, last_day))
        | Q(start_date__lte=last_day, end_date__gte=first_day)
    )


def section_of(event, *, today):
    if event.start_date is None:
        return Section.UNDATED
    return Section.PAST if event.has_passed(today=today) else Section.UPCOMING


def group_by_month(events, *, today):
    """Events in list order, grouped as the page shows them: by section, then by the month they start in.

    Keeps the order it is given; a section or month appears only when it has events.
    """
    sections = []
    for event in events:
        section = section_of(event, today=today)
        if not sections or sections[-1].section != section:
            sections.append(ListSection(section=section))
        current = sections[-1]
        if section == Section.UNDATED:
            current.events.append(event)
            continue
        month = event.start_date.replace(day=1)
        if not current.months or current.months[-1].month != month:
            current.months.append(MonthGroup(month=month))
        current.months[-1].events.append(event)
    return sections


def archive(queryset):
    """The months that have events, by year (latest year first), each with its number of events.

    Only months with at least one event of `queryset` appear, so an archive built from it never
    links to an empty page.
    """
    rows = (
        queryset.filter(start_date__isnull=False)
        .annotate(month=TruncMonth("start_date"))
        .values("month")
        .annotate(count=Count("pk", distinct=True))
        .order_by("month")
    )
    years = {}
    for row in rows:
        years.setdefault(row["month"].year, []).append((row["month"], row["count"]))
    return [ArchiveYear(year=year, months=months) for year, months in sorted(years.items(), reverse=True)]


def years_with_events(queryset):
    """The years in which at least one event of `queryset` takes place (as `in_year` means it),
    latest first: the year an event over New Year ends in counts too."""
    spans = (
        queryset.filter(start_date__isnull=False)
        .values_list(ExtractYear("start_date"), ExtractYear(Coalesce("end_date", "start_date")))
        .order_by()
        .distinct()
    )
    return sorted({year for first, last in spans for year in range(first, last + 1)}, reverse=True)


def event_pages(user):
    """The events `user` may open as a page, with everything the page shows fetched alongside."""
    return (
        events_for(user).select_related("meeting").prefetch_related("pillars", "partners", "organisers", "participants")
    )


def meeting_decided(event):
    """Has the meeting held at `event` recorded decisions? False for an event that is no meeting.

    The event page links to the meeting's decisions only then: the link must not lead to an empty list."""
    meeting = getattr(event, "meeting", None)
    return meeting is not None and meeting.decisions.exists()


def neighbours(*, event, user):
    """The previous and the next event in time (either may be None), among those `user` may see.

    Events on the same day follow each other by title. An event without a date has no neighbours.
    """
    if event.start_date is None:
        return None, None
    dated = events_for(user).filter(start_date__isnull=False).exclude(pk=event.pk)
    day, title = event.start_date, event.title
    before = (
        Q(start_date__lt=day) | Q(start_date=day, title__lt=title) | Q(start_date=day, title=title, pk__lt=event.pk)
    )
    after = Q(start_date__gt=day) | Q(start_date=day, title__gt=title) | Q(start_date=day, title=title, pk__gt=event.pk)
    previous = dated.filter(before).order_by("-start_date", "-title", "-pk").first()
    following = dated.filter(after).order_by("start_date", "title", "pk").first()
    return previous, following


def related_events(*, event, user, limit=3):
    """Up to `limit` other events that share a pillar with `event`, the nearest in time first.

    Nearest means the fewest days between the start dates, looking both back and ahead; for an event
    without a date, the latest ones. An event without a pillar has no related events.
    """
    pillar_ids = [pillar.pk for pillar in event.pillars.all()]
    if not pillar_ids:
        return []
    candidates = (
        events_for(user).filter(pillars__in=pillar_ids, start_date__isnull=False).exclude(pk=event.pk).distinct()
    )
    if event.start_date is None:
        nearest = list(candidates.order_by("-start_date", "title")[:limit])
    else:
        earlier = list(candidates.filter(start_date__lte=event.start_date).order_by("-start_date", "title")[:limit])
        later = list(candidates.filter(start_date__gt=event.start_date).order_by("start_date", "title")[:limit])

        def distance(other):
            return abs((other.start_date - event.start_date).days), other.title

        nearest = sorted(earlier + later, key=distance)[:limit]
    prefetch_related_objects(nearest, "pillars")
    return nearest


def calendar_events(queryset):
    """The events of `queryset` that go into a calendar: those with a date, past ones included,
    in chronological order, with their pillars (the calendar's categories)."""
    return queryset.filter(start_date__isnull=False).order_by("start_date", "title", "pk").prefetch_related("pillars")


def feed_events(queryset, *, limit):
    """The events of an Atom feed, with their pillars: the latest first by the date their entry is
    published at (iisg.events.feeds.published_at): when the event was added, or its first day if
    that came earlier."""
    added = F("created_at")
    first_day = Cast("start_date", DateTimeField())
    # Least() is NULL on SQLite when an argument is: an event without a date is dated when added.
    published = Coalesce(Least(first_day, added), added)
    return list(queryset.order_by(published.desc(), "title", "pk").prefetch_related("pillars")[:limit])
