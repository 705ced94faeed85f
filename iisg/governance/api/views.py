from iisg.api.viewsets import RuleReadOnlyViewSet

from ..models import Decision, Meeting, Product, ProductVersion
from . import filters, serializers


class MeetingViewSet(RuleReadOnlyViewSet):
    """Board and Support Group meetings."""

    queryset = Meeting.objects.all()
    serializer_class = serializers.MeetingSerializer
    filterset_class = filters.MeetingFilter
    ordering_fields = ["number"]


class DecisionViewSet(RuleReadOnlyViewSet):
    """What the meetings decided."""

    queryset = Decision.objects.prefetch_related("pillars")
    serializer_class = serializers.DecisionSerializer
    filterset_class = filters.DecisionFilter
    ordering_fields = ["number"]


class ProductViewSet(RuleReadOnlyViewSet):
    """Methodologies, templates, reports, work plans; the public reads the adopted ones."""

    queryset = Product.objects.select_related("adopted_by__meeting__event").prefetch_related("pillars")
    serializer_class = serializers.ProductSerializer
    filterset_class = filters.ProductFilter
    ordering_fields = ["title", "updated_at"]


class ProductVersionViewSet(RuleReadOnlyViewSet):
    """The versions of the products, with their files' addresses."""

    queryset = ProductVersion.objects.select_related("product")
    serializer_class = serializers.ProductVersionSerializer
    filterset_class = filters.ProductVersionFilter
    ordering_fields = ["published_on"]
