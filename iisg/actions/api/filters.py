import django_filters

from iisg.api.filters import WholeNumberFilter

from ..models import Action, Response


class ActionFilter(django_filters.FilterSet):
    partner = django_filters.CharFilter(
        field_name="partners__code", lookup_expr="iexact", distinct=True, label="Beneficiary partner code"
    )
    pillar = django_filters.CharFilter(
        field_name="pillars__code", lookup_expr="iexact", distinct=True, label="Pillar code"
    )
    organisation = WholeNumberFilter(
        field_name="participations__organisation", distinct=True, label="Participating organisation id"
    )
    title = django_filters.CharFilter(lookup_expr="icontains")
    active_on = django_filters.DateFilter(
        method="filter_active_on",
        label="Active on this date: not withdrawn, cancelled, suspended or in the pipeline, started (actual, else "
        "planned) and not ended; undated actions never are",
    )

    class Meta:
        model = Action
        fields = ["status", "source", "partner", "pillar", "organisation", "title"]

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)


class ResponseFilter(django_filters.FilterSet):
    # Ids, not choices: a choice list would tell "exists" from "does not" for records one may not see.
    action = WholeNumberFilter(label="Action id")
    need = WholeNumberFilter(label="Need id")
    cycle = WholeNumberFilter(field_name="need__cycle", label="Needs-mapping cycle id")
    partner = django_filters.CharFilter(field_name="need__partner__code", lookup_expr="iexact", label="Partner code")

    class Meta:
        model = Response
        fields = ["action", "need", "status", "coverage", "cycle", "partner"]
