import django_filters

from iisg.api.filters import WholeNumberFilter

from ..models import Membership, Organisation


class OrganisationFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    partner = django_filters.CharFilter(field_name="partner__code", lookup_expr="iexact", label="Partner code")

    class Meta:
        model = Organisation
        fields = ["kind", "partner", "country", "name"]


class MembershipFilter(django_filters.FilterSet):
    pillar = django_filters.CharFilter(field_name="pillar__code", lookup_expr="iexact", label="Pillar code")
    organisation = WholeNumberFilter(label="Organisation id")

    class Meta:
        model = Membership
        fields = ["body", "pillar", "organisation"]
