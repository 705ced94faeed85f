"""What the public website reads: aggregated figures and what the viewer may see, nothing private.

Every read of content takes the user who looks and narrows with `visible()`.
"""

import re
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.db.models import Count, F, Q
from django.utils import timezone

from iisg.core.permissions import visible
from iisg.directory.models import Pillar
from iisg.directory.selectors import support_group
from iisg.events.models import Event
from iisg.governance.models import Product
from iisg.governance.selectors import pillar_products
from iisg.needs.choices import PUBLIC_STATUSES


def pillars_with_counts():
    """The pillars in order, each with its number of adopted needs and of published events."""
    return Pillar.objects.annotate(
        adopted_needs=Count("needs", filter=Q(needs__status__in=PUBLIC_STATUSES), distinct=True),
        published_events=Count("events", filter=Q(events__is_published=True), distinct=True),
    ).order_by("order", "code")  # Meta.ordering does not apply to aggregating queries


def _events(user, pillar=None):
    events = visible(user, Event.objects.all())
    if pillar is not None:
        events = events.filter(pillars=pillar)
    return events.prefetch_related("pillars")


def upcoming_events(user, *, limit, today=None, pillar=None):
    """The next events the user may see (of one pillar, if given), soonest first."""
    today = today or timezone.localdate()
    return list(_events(user, pillar).filter(start_date__gte=today).order_by("start_date", "title")[:limit])


def latest_events(user, *, limit, today=None, pillar=None):
    """The most recent events the user may see that have started (of one pillar, if given), latest first."""
    today = today or timezone.localdate()
    return list(_events(user, pillar).filter(start_date__lt=today).order_by("-start_date", "title")[:limit])


def pillar(code):
    """The pillar with this code, or None."""
    return Pillar.objects.filter(code=code).first()


def split_lines(text):
    """The non-empty lines of a one-item-a-line field (tasks, decision-making process)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class PillarPage:
    pillar: Pillar
    tasks: list
    decision_making: list
    support_group: list
    products: object
    upcoming_events: list
    latest_events: list


def pillar_page(user, pillar, *, events=5, today=None):
    """Everything a pillar page shows: its mandate one item a line, its Support Group grouped
    (directory.selectors.support_group), its products (governance.selectors.pillar_products) and
    its next and latest events, all as the user may see them."""
    return PillarPage(
        pillar=pillar,
        tasks=split_lines(pillar.tasks),
        decision_making=split_lines(pillar.decision_making),
        support_group=support_group(user, pillar, today=today),
        products=pillar_products(user, pillar),
        upcoming_events=upcoming_events(user, limit=3, today=today, pillar=pillar),
        latest_events=latest_events(user, limit=events, today=today, pillar=pillar),
    )


MIN_QUERY_LENGTH = 2
MAX_TERMS = 8
RESULTS_PER_GROUP = 20
EVENT_FIELDS = ("title", "summary", "body", "city", "country")
PRODUCT_FIELDS = ("title", "description")
PILLAR_FIELDS = ("acronym", "name", "objective", "tasks", "decision_making")


@dataclass
class SearchResults:
    query: str
    terms: list = field(default_factory=list)
    events: list = field(default_factory=list)
    event_count: int = 0
    products: list = field(default_factory=list)
    product_count: int = 0
    pillars: list = field(default_factory=list)

    @property
    def too_short(self):
        return not self.terms

    @property
    def total(self):
        return self.event_count + self.product_count + len(self.pillars)


def search_terms(query):
    """The distinct words of a query that are long enough to search for, at most MAX_TERMS."""
    words = [word for word in re.split(r"\s+", query.strip()) if len(word) >= MIN_QUERY_LENGTH]
    return list(dict.fromkeys(word.casefold() for word in words))[:MAX_TERMS]


def _matching(queryset, fields, terms):
    """Rows in which every term appears in at least one of `fields` (case-insensitive)."""
    each_term = [reduce(or_, (Q(**{f"{name}__icontains": term}) for name in fields)) for term in terms]
    return queryset.filter(reduce(and_, each_term))


def search(user, query, *, limit=RESULTS_PER_GROUP):
    """The events, products and pillars the user may see whose text holds every word of `query`.

    Events come newest first and products by title, at most `limit` of each, with their full counts;
    pillars in their order. A query without a word of MIN_QUERY_LENGTH characters finds nothing
    (`too_short`). Works on SQLite and PostgreSQL alike (case-insensitive containment).
    """
    terms = search_terms(query)
    results = SearchResults(query=query.strip(), terms=terms)
    if not terms:
        return results
    events = _matching(visible(user, Event.objects.all()), EVENT_FIELDS, terms)
    products = _matching(visible(user, Product.objects.all()), PRODUCT_FIELDS, terms)
    results.event_count = events.count()
    results.events = list(
        events.prefetch_related("pillars").order_by(F("start_date").desc(nulls_last=True), "title")[:limit]
    )
    results.product_count = products.count()
    results.products = list(products.prefetch_related("pillars").order_by("title")[:limit])
    results.pillars = list(_matching(visible(user, Pillar.objects.all()), PILLAR_FIELDS, terms).order_by("order"))
    return results
