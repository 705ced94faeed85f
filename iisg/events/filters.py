"""The filters of the event list, shared by the page, its iCalendar file and its Atom feed.

A plain GET form: the same query string filters /events/, /events.ics and /events/feed/, so a
filtered list can be subscribed to as it is (e.g. /events.ics?pillar=wbcti).
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from iisg.directory.models import Partner, Pillar

from . import selectors
from .choices import EventKind
from .models import Event

# The fields the full-text search looks into; every word must appear in one of them.
SEARCHED_FIELDS = ("title", "summary", "body", "city", "country")


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    pillar = django_filters.ModelChoiceFilter(
        label=_("Pillar"),
        field_name="pillars",
        to_field_name="code",
        queryset=Pillar.objects.all(),
        empty_label=_("All pillars"),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=EventKind.choices, empty_label=_("All kinds"))
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner"),
        field_name="partners",
        to_field_name="code",
        queryset=Partner.objects.all(),
        empty_label=_("All partners"),
    )
    year = django_filters.ChoiceFilter(label=_("Year"), method="in_year", empty_label=_("All years"))

    class Meta:
        model = Event
        fields = ["q", "pillar", "kind", "partner", "year"]

    def __init__(self, data=None, queryset=None, *, years=(), **kwargs):
        """`years` are the years offered in the year filter: those that have events."""
        super().__init__(data, queryset=queryset, **kwargs)
        self.filters["year"].extra["choices"] = [(str(year), str(year)) for year in years]

    def active(self):
        """The valid filters the request sets, each as a label a reader understands, in form order.

        An invalid value (reported on its field) is left out; the valid ones still count."""
        if not self.is_bound:
            return []
        self.is_valid()
        labels = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, ""):
                continue
            if name == "kind":
                labels.append(str(EventKind(value).label))
            elif name == "q":
                labels.append(_("“%(words)s”") % {"words": value})
            else:
                labels.append(str(value))
        return labels

    def search(self, queryset, name, value):
        for word in value.split():
            matches = Q()
            for field in SEARCHED_FIELDS:
                matches |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(matches)
        return queryset

    def in_year(self, queryset, name, value):
        return selectors.in_year(queryset, year=int(value))
