from iisg.api.viewsets import RuleReadOnlyViewSet

from ..models import Membership, Organisation, Partner, Pillar
from . import filters, serializers


class PartnerViewSet(RuleReadOnlyViewSet):
    """The Western Balkan partners."""

    queryset = Partner.objects.all()
    serializer_class = serializers.PartnerSerializer
    ordering_fields = ["order", "code", "name"]


class PillarViewSet(RuleReadOnlyViewSet):
    """The three pillars of the IISG."""

    queryset = Pillar.objects.all()
    serializer_class = serializers.PillarSerializer
    ordering_fields = ["order", "code"]


class OrganisationViewSet(RuleReadOnlyViewSet):
    """Ministries, EU bodies, member states, international organisations, donors, implementers."""

    queryset = Organisation.objects.all()
    serializer_class = serializers.OrganisationSerializer
    filterset_class = filters.OrganisationFilter
    ordering_fields = ["name", "kind"]


class MembershipViewSet(RuleReadOnlyViewSet):
    """Seats in the Board, the Support Groups and the Secretariat."""

    queryset = Membership.objects.all()
    serializer_class = serializers.MembershipSerializer
    filterset_class = filters.MembershipFilter
    ordering_fields = ["body", "since", "order"]
