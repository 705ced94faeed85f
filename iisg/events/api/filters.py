import django_filters

from iisg.api.filters import WholeNumberFilter

from .. import selectors
from ..models import Event


class EventFilter(django_filters.FilterSet):
    pillar = django_filters.CharFilter(
        field_name="pillars__code", lookup_expr="iexact", distinct=True, label="Pillar code"
    )
    partner = django_filters.CharFilter(
        field_name="partners__code", lookup_expr="iexact", distinct=True, label="Partner code"
    )
    year = WholeNumberFilter(method="in_year", min_value=1, max_value=9999, label="Year the event takes place in")
    starts_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    starts_before = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")
    title = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Event
        fields = ["kind", "mode", "status", "pillar", "partner", "year", "title"]

    def in_year(self, queryset, name, value):
        return selectors.in_year(queryset, year=value)
