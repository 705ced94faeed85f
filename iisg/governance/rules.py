"""Who may see and change meetings, decisions and products (iisg.core.permissions machinery)."""

from django.db.models import Q

from iisg.core.permissions import VIEW, Rule
from iisg.events.rules import EventRule

from .choices import ProductStatus


class ProductRule(Rule):
    """The public sees adopted products; members also read those in process, to review them."""

    def __init__(self, path=""):
        self.path = path

    def _status(self, obj):
        return (obj.product if self.path else obj).status

    def allows(self, viewer, verb, obj):
        if verb == VIEW and not viewer.is_member:
            return self._status(obj) == ProductStatus.ADOPTED
        return super().allows(viewer, verb, obj)

    def q_allows(self, viewer, verb):
        if verb == VIEW and not viewer.is_member:
            return Q(**{f"{self.path}status": ProductStatus.ADOPTED})
        return super().q_allows(viewer, verb)


RULES = {
    # A meeting and its decisions are public while their event is published.
    "governance.meeting": EventRule("event__"),
    "governance.decision": EventRule("meeting__event__"),
    "governance.product": ProductRule(),
    "governance.productversion": ProductRule("product__"),
}
