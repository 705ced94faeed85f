"""Who may see and change events (iisg.core.permissions machinery)."""

from django.db.models import Q

from iisg.core.permissions import VIEW, Rule


class EventRule(Rule):
    """Everyone reads published events; only the Secretariat sees unpublished ones and writes.

    `path` reaches the event from a record that is part of it (a meeting: "event__"; a decision:
    "meeting__event__"): such records are public exactly while their event is, so unpublishing an
    event withdraws them from every page and from the API too.
    """

    def __init__(self, path=""):
        self.path = path

    def _event(self, obj):
        for name in self.path.split("__")[:-1]:
            obj = getattr(obj, name)
        return obj

    def allows(self, viewer, verb, obj):
        if verb == VIEW and not viewer.is_secretariat:
            return self._event(obj).is_published
        return super().allows(viewer, verb, obj)

    def q_allows(self, viewer, verb):
        if verb == VIEW and not viewer.is_secretariat:
            return Q(**{f"{self.path}is_published": True})
        return super().q_allows(viewer, verb)


RULES = {"events.event": EventRule()}
