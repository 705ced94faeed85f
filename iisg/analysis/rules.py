"""Who may see the runs of the matcher, its learnt models and the data-quality alerts
(iisg.core.permissions machinery)."""

from django.db.models import Q

from iisg.actions.rules import FOLLOWS_ITS_ACTION
from iisg.core.permissions import CHANGE, EVERYTHING, NOTHING, VIEW, Rule, SecretariatWork


class AlertRule(Rule):
    """A data-quality alert is read by whoever must fix it: the Secretariat all of them, a donor or
    implementer those about the actions it may change, a focal point those about its partner's
    needs. Nobody writes one: the job worker replaces them (iisg.analysis.alerts.store_alerts)."""

    def allows(self, viewer, verb, obj):
        if verb != VIEW:
            return False
        if viewer.is_secretariat:
            return True
        if obj.action_id is not None and FOLLOWS_ITS_ACTION.allows(viewer, CHANGE, obj):
            return True
        return viewer.is_focal_point and obj.need_id is not None and obj.need.partner_id == viewer.partner_id

    def allows_any(self, viewer, verb):
        return verb == VIEW and (viewer.is_secretariat or viewer.writes_actions or viewer.is_focal_point)

    def q_allows(self, viewer, verb):
        if verb != VIEW:
            return NOTHING
        if viewer.is_secretariat:
            return EVERYTHING
        condition = NOTHING
        if viewer.writes_actions:
            condition = FOLLOWS_ITS_ACTION.q_allows(viewer, CHANGE)
        if viewer.is_focal_point:
            condition = condition | Q(need__partner_id=viewer.partner_id)
        return condition


RULES = {
    "analysis.matcherrun": SecretariatWork(),
    "analysis.alert": AlertRule(),
    "analysis.silencedalert": SecretariatWork(),
    "analysis.matchermodel": SecretariatWork(),
}
