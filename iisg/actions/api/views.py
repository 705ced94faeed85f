from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response as Answer

from iisg.api.viewsets import RuleViewSet

from .. import services
from ..models import Action, Response
from . import filters, serializers


class ActionViewSet(RuleViewSet):
    """Donors' and implementers' actions (members). A donor or implementer adds actions, in which
    its organisation then takes part, and changes those it takes part in; the Secretariat all."""

    queryset = Action.objects.select_related("reporting_organisation").prefetch_related(
        "partners", "pillars", "participations__organisation", "sectors", "budgets", "transactions"
    )
    filterset_class = filters.ActionFilter
    ordering_fields = ["title", "planned_start", "planned_end", "updated_at"]
    # An action is written with its lists of rows: JSON holds them, a form body would flatten them
    # away (and DRF would read the lists as empty), so a form body is refused (415).
    parser_classes = [JSONParser]

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"}:
            return serializers.ActionWriteSerializer
        return serializers.ActionSerializer

    def perform_destroy(self, instance):
        services.delete_action(user=self.request.user, action=instance)


DECISION = extend_schema(request=serializers.DecisionStepSerializer, responses=serializers.ResponseSerializer)


class ResponseViewSet(RuleViewSet):
    """Links of actions to needs (members). A donor or implementer proposes them for its own
    actions and withdraws them until the Secretariat confirms or rejects them."""

    queryset = Response.objects.all()
    serializer_class = serializers.ResponseSerializer
    filterset_class = filters.ResponseFilter
    ordering_fields = ["created_at", "status"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def _decide(self, service):
        data = serializers.DecisionStepSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        comment = data.validated_data.get("comment", "")
        response = service(user=self.request.user, response=self.visible_object(), comment=comment)
        return Answer(serializers.ResponseSerializer(response, context=self.get_serializer_context()).data)

    def perform_destroy(self, instance):
        services.withdraw_response(user=self.request.user, response=instance)

    @DECISION
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm a proposed or rejected response: it counts in the analysis (Secretariat)."""
        return self._decide(services.confirm_response)

    @DECISION
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a response, saying why: it no longer counts (Secretariat)."""
        return self._decide(services.reject_response)
