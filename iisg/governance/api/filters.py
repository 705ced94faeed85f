import django_filters

from iisg.api.filters import WholeNumberFilter

from ..models import Decision, Meeting, Product, ProductVersion


class MeetingFilter(django_filters.FilterSet):
    number = WholeNumberFilter()
    pillar = django_filters.CharFilter(field_name="pillar__code", lookup_expr="iexact", label="Pillar code")

    class Meta:
        model = Meeting
        fields = ["body", "pillar", "number"]


class DecisionFilter(django_filters.FilterSet):
    pillar = django_filters.CharFilter(
        field_name="pillars__code", lookup_expr="iexact", distinct=True, label="Pillar code"
    )
    meeting = WholeNumberFilter(label="Meeting id")

    class Meta:
        model = Decision
        fields = ["meeting", "kind", "pillar"]


class ProductFilter(django_filters.FilterSet):
    pillar = django_filters.CharFilter(
        field_name="pillars__code", lookup_expr="iexact", distinct=True, label="Pillar code"
    )

    class Meta:
        model = Product
        fields = ["kind", "status", "pillar"]


class ProductVersionFilter(django_filters.FilterSet):
    product = WholeNumberFilter(label="Product id")

    class Meta:
        model = ProductVersion
        fields = ["product"]
