"""Who may see and change events (iisg.core.permissions machinery)."""

from django.db.models import Q

from iisg.core.permissions import VIEW, Rule


class EventRule(Rule):
    """Everyone reads published events; only the Secretariat sees unpublished ones and writes."""

    def allows(self, viewer, verb, obj):
        if verb == VIEW and not viewer.is_secretariat:
            return obj.is_published
        return super().allows(viewer, verb, obj)

    def q_allows(self, viewer, verb):
        if verb == VIEW and not viewer.is_secretariat:
            return Q(is_published=True)
        return super().q_allows(viewer, verb)


RULES = {"events.event": EventRule()}
