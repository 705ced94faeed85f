"""Who may see and change actions, their child records, responses and exchange rates
(iisg.core.permissions machinery)."""

from django.db.models import Exists, OuterRef, Q

from iisg.core.permissions import ADD, DELETE, EVERYTHING, NOTHING, REVIEW, VIEW, WRITE, MembersRead, Rule

from .choices import ResponseStatus
from .models import Response


class ActionRule(Rule):
    """Members read actions; a donor or implementer writes the actions its organisation takes part in;
    the Secretariat writes any, and alone reviews them (merges an entered action into an imported one).

    `path` reaches the action from a child record (budgets, transactions, sectors, participations),
    which follow their action: whoever may change the action may add, change and delete them.
    """

    def __init__(self, path=""):
        self.path = path

    def _takes_part(self, viewer, action):
        if action is None or action.pk is None:
            return False
        # A change form asks this for the action and each of its inlines, several times over:
        # the participants are read once per action object (which lives for one request).
        participants = getattr(action, "_iisg_participants", None)
        if participants is None:
            participants = frozenset(action.participations.values_list("organisation_id", flat=True))
            action._iisg_participants = participants
        return viewer.organisation_id in participants

    def allows(self, viewer, verb, obj):
        if verb == VIEW:
            return viewer.is_member
        if verb == REVIEW:
            return self._reviews(viewer)
        if verb not in WRITE:
            return False
        if viewer.is_secretariat:
            return True
        if not viewer.writes_actions:
            return False
        if self.path:
            return self._takes_part(viewer, obj.action if obj.action_id else None)
        if verb == ADD:
            return True  # a new action: the form makes the user's organisation take part in it
        if verb == DELETE and self._has_confirmed_responses(obj):
            return False
        return self._takes_part(viewer, obj)

    def _reviews(self, viewer):
        """Reviewing an action is deciding on the merge the data-quality checks propose (an entered
        action that is an imported one: services.merge_actions): the Secretariat's, for the action
        itself; its rows have nothing to review."""
        return viewer.is_secretariat and not self.path

    def _has_confirmed_responses(self, action):
        return action.pk is not None and action.responses.filter(status=ResponseStatus.CONFIRMED).exists()

    def allows_any(self, viewer, verb):
        if verb in WRITE:
            return viewer.is_secretariat or viewer.writes_actions
        return super().allows_any(viewer, verb)

    def q_allows(self, viewer, verb):
        if verb == VIEW:
            return EVERYTHING if viewer.is_member else NOTHING
        if verb == REVIEW:
            return EVERYTHING if self._reviews(viewer) else NOTHING
        if verb not in WRITE:
            return NOTHING
        if viewer.is_secretariat:
            return EVERYTHING
        if not viewer.writes_actions:
            return NOTHING
        own = Q(**{f"{self.path}participations__organisation_id": viewer.organisation_id})
        if verb == ADD and not self.path:
            return EVERYTHING
        if verb == DELETE and not self.path:
            confirmed = Response.objects.filter(action=OuterRef("pk"), status=ResponseStatus.CONFIRMED)
            return own & ~Exists(confirmed)
        return own


class ResponseRule(Rule):
    """Members read responses; a donor or implementer proposes them for its own actions and may
    change or withdraw them until the Secretariat reviews them (confirms or rejects), which only
    the Secretariat does."""

    def allows(self, viewer, verb, obj):
        if verb == VIEW:
            return viewer.is_member
        if viewer.is_secretariat:
            return verb in WRITE | {REVIEW}
        if verb not in WRITE or not viewer.writes_actions or obj.action_id is None:
            return False
        if obj.status != ResponseStatus.PROPOSED:
            return False
        return obj.action.participations.filter(organisation_id=viewer.organisation_id).exists()

    def allows_any(self, viewer, verb):
        if verb in WRITE:
            return viewer.is_secretariat or viewer.writes_actions
        return super().allows_any(viewer, verb)

    def q_allows(self, viewer, verb):
        if verb == VIEW:
            return EVERYTHING if viewer.is_member else NOTHING
        if viewer.is_secretariat:
            return EVERYTHING if verb in WRITE | {REVIEW} else NOTHING
        if verb not in WRITE or not viewer.writes_actions:
            return NOTHING
        return Q(action__participations__organisation_id=viewer.organisation_id, status=ResponseStatus.PROPOSED)


FOLLOWS_ITS_ACTION = ActionRule("action__")

RULES = {
    "actions.action": ActionRule(),
    "actions.actionorganisation": FOLLOWS_ITS_ACTION,
    "actions.actionsector": FOLLOWS_ITS_ACTION,
    "actions.budget": FOLLOWS_ITS_ACTION,
    "actions.transaction": FOLLOWS_ITS_ACTION,
    "actions.planneddisbursement": FOLLOWS_ITS_ACTION,
    "actions.recipient": FOLLOWS_ITS_ACTION,
    "actions.documentlink": FOLLOWS_ITS_ACTION,
    "actions.policymarker": FOLLOWS_ITS_ACTION,
    "actions.relatedactivity": FOLLOWS_ITS_ACTION,
    "actions.exchangerate": Rule(),
    "actions.response": ResponseRule(),
    # The answers of a response-mapping round: members read who answered; they are written only by
    # the services (confirm_unchanged, update_action), which ask the action's own rule.
    "actions.roundanswer": MembersRead(),
}
