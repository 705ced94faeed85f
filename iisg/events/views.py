"""Events and activities: the list, the month archive, the event page, and their calendars.

The public sees published events only: every view starts from `selectors.events_for(user)`. Anonymous
visitors get every page and calendar from the shared cache (iisg.core.pagecache).
"""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from iisg.core.pagecache import public_page

from . import ical, selectors
from .feeds import json_ld, schema_org_event
from .filters import EventFilter

PAGE_SIZE = 20
CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"


@public_page
def event_list(request, year=None, month=None):
    """/events/ and its month archive /events/2024/04/, filtered by the GET form."""
    tidy = _without_empty_parameters(request)
    if tidy is not None:
        return redirect(tidy)
    today = timezone.localdate()
    events = selectors.events_for(request.user)
    archive = selectors.archive(events)
    years = selectors.years_with_events(events)
    archive_month = None
    if year is not None:
        archive_month = _month_with_events(archive, int(year), int(month))
        events = selectors.in_month(events, year=archive_month.year, month=archive_month.month)
    filterset = EventFilter(request.GET or None, queryset=events, years=years)
    ordered = selectors.for_list(selectors.in_list_order(filterset.qs, today=today))
    paginator = Paginator(ordered, PAGE_SIZE)
    page = _page_or_404(paginator, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/event_list.html",
        {
            "filterset": filterset,
            "active_filters": filterset.active(),
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "sections": selectors.group_by_month(page.object_list, today=today),
            "archive": archive,
            "archive_month": archive_month,
            "archive_neighbours": _archive_neighbours(archive, archive_month),
            "pillars": filterset.filters["pillar"].queryset,
            "filter_query": query.urlencode(),
            "canonical_url": request.build_absolute_uri(
                request.path + (f"?page={page.number}" if page.number > 1 else "")
            ),
        },
    )


@public_page
def event_detail(request, slug):
    """The page of one event: its facts, text, neighbours in time and related events."""
    event = get_object_or_404(selectors.event_pages(request.user), slug=slug)
    previous, following = selectors.neighbours(event=event, user=request.user)
    url = request.build_absolute_uri(reverse("events:detail", args=[event.slug]))
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "has_passed": event.has_passed(today=timezone.localdate()),
            "meeting_decided": selectors.meeting_decided(event),
            "previous": previous,
            "next": following,
            "related": selectors.related_events(event=event, user=request.user),
            "json_ld": json_ld(schema_org_event(event, url=url)),
        },
    )


@public_page
def event_ics(request, slug):
    """The iCalendar file of one event. An event without a date has none."""
    event = get_object_or_404(selectors.calendar_events(selectors.events_for(request.user)), slug=slug)
    body = ical.calendar(
        [event],
        name=event.title,
        url=request.build_absolute_uri(),
        event_url=lambda item: _event_url(request, item),
    )
    return _calendar_response(body, filename=f"{event.slug}.ics")


@public_page
def events_ics(request):
    """The iCalendar feed of the events, past ones included, filtered like /events/ (e.g. ?pillar=wbcti)."""
    events = selectors.events_for(request.user)
    filterset = EventFilter(request.GET, queryset=events, years=selectors.years_with_events(events))
    if not filterset.is_valid():
        raise Http404(_("This calendar has no such filter."))
    labels = filterset.active()
    name = _("IISG events: %(filters)s") % {"filters": ", ".join(labels)} if labels else _("IISG events")
    body = ical.calendar(
        selectors.calendar_events(filterset.qs),
        name=name,
        description=_("Meetings, workshops and conferences of the Integrative Internal Security Governance."),
        url=request.build_absolute_uri(),
        event_url=lambda item: _event_url(request, item),
        refresh=ical.FEED_REFRESH,
    )
    filename = "-".join(["iisg-events", *(slugify(label) for label in labels)])
    return _calendar_response(body, filename=f"{filename}.ics")


def _event_url(request, event):
    return request.build_absolute_uri(reverse("events:detail", args=[event.slug]))


def _calendar_response(body, *, filename):
    response = HttpResponse(body, content_type=CALENDAR_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _without_empty_parameters(request):
    """The address without the empty fields a submitted form leaves (?q=&kind=), or None if it has none."""
    query = request.GET.copy()
    empty = [name for name, values in query.lists() if not any(values)]
    if not empty:
        return None
    for name in empty:
        del query[name]
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _month_with_events(archive, year, month):
    """The first day of an archive month; 404 for a month without events (the archive never links one)."""
    for entry in archive:
        for first_day, _count in entry.months:
            if (first_day.year, first_day.month) == (year, month):
                return first_day
    raise Http404(_("No event took place in this month."))


def _archive_neighbours(archive, month):
    """The months with events before and after `month` (either may be None)."""
    if month is None:
        return None, None
    months = sorted(first_day for entry in archive for first_day, _count in entry.months)
    index = months.index(month)
    return (months[index - 1] if index else None), (months[index + 1] if index + 1 < len(months) else None)


def _page_or_404(paginator, number):
    try:
        return paginator.page(number or 1)
    except InvalidPage as error:
        raise Http404(_("There is no such page of events.")) from error
