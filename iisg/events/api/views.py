from iisg.api.viewsets import RuleReadOnlyViewSet

from ..models import Event
from . import filters, serializers


class EventViewSet(RuleReadOnlyViewSet):
    """Meetings, workshops and conferences; the public reads the published ones."""

    queryset = Event.objects.prefetch_related("partners", "pillars", "organisers", "participants")
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilter
    ordering_fields = ["start_date", "title"]
