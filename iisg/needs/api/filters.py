import django_filters
from django.db.models import Q

from iisg.api.filters import WholeNumberFilter

from ..models import Area, Cycle, Need


class CycleFilter(django_filters.FilterSet):
    first_year = WholeNumberFilter()
    last_year = WholeNumberFilter()

    class Meta:
        model = Cycle
        fields = ["kind", "status", "first_year", "last_year"]


class AreaFilter(django_filters.FilterSet):
    cycle = WholeNumberFilter(label="Cycle id")
    parent = WholeNumberFilter(label="Objective (parent area) id")
    pillar = django_filters.CharFilter(field_name="pillar__code", lookup_expr="iexact", label="Pillar code")

    class Meta:
        model = Area
        fields = ["cycle", "pillar", "parent"]


class NeedFilter(django_filters.FilterSet):
    partner = django_filters.CharFilter(field_name="partner__code", lookup_expr="iexact", label="Partner code")
    pillar = django_filters.CharFilter(field_name="pillar__code", lookup_expr="iexact", label="Pillar code")
    cycle = WholeNumberFilter(label="Needs-mapping cycle id")
    area = WholeNumberFilter(label="Area id")
    q = django_filters.CharFilter(method="search", label="Words in the reference, title or description")

    class Meta:
        model = Need
        fields = ["cycle", "partner", "pillar", "area", "priority", "status", "need_type", "perspective"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value)
        )
