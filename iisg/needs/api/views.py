from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from iisg.api.viewsets import RuleReadOnlyViewSet, RuleViewSet

from .. import services
from ..models import Area, Cycle, Need
from . import filters, serializers


class CycleViewSet(RuleReadOnlyViewSet):
    """Needs-mapping and response-mapping cycles (members)."""

    queryset = Cycle.objects.all()
    serializer_class = serializers.CycleSerializer
    filterset_class = filters.CycleFilter
    ordering_fields = ["first_year", "kind"]


class AreaViewSet(RuleReadOnlyViewSet):
    """The thematic areas of each pillar in a cycle (members)."""

    queryset = Area.objects.select_related("pillar")
    serializer_class = serializers.AreaSerializer
    filterset_class = filters.AreaFilter
    ordering_fields = ["code"]


STEP = extend_schema(request=serializers.StepSerializer, responses=serializers.NeedSerializer)


class NeedViewSet(RuleViewSet):
    """Partners' needs. Members read needs that left their partner's hands; a focal point also its
    own partner's drafts, and adds and changes them while the cycle is open; the Secretariat all."""

    queryset = Need.objects.select_related("cycle").prefetch_related("sectors")
    filterset_class = filters.NeedFilter
    ordering_fields = ["reference", "priority", "updated_at"]

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return serializers.NeedChangeSerializer
        return serializers.NeedSerializer

    def perform_destroy(self, instance):
        services.delete_need(user=self.request.user, need=instance)

    def _step(self, service):
        data = serializers.StepSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        comment = data.validated_data.get("comment", "")
        need = service(user=self.request.user, need=self.visible_object(), comment=comment)
        return Response(serializers.NeedSerializer(need, context=self.get_serializer_context()).data)

    @STEP
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft or returned need for the Secretariat's review (its focal point, or the
        Secretariat), while the cycle is open."""
        return self._step(services.submit_need)

    @STEP
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        """Validate a submitted need (Secretariat)."""
        return self._step(services.validate_need)

    @STEP
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_changes(self, request, pk=None):
        """Return a submitted need to its partner, saying why (Secretariat)."""
        return self._step(services.return_need)

    @STEP
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a need not yet adopted, saying why (Secretariat)."""
        return self._step(services.reject_need)
