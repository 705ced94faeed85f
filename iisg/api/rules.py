"""Who may see, issue and revoke API tokens (iisg.core.permissions machinery)."""

from django.contrib.auth.models import User
from django.db.models import Q

from iisg.core.permissions import ADD, CHANGE, EVERYTHING, NOTHING, VIEW, Rule, rule_for


def manages_logins(viewer):
    """Whoever may change every login (the Secretariat), as the logins' own rule says."""
    return rule_for(User).q_allows(viewer, CHANGE) is EVERYTHING


class TokenRule(Rule):
    """API tokens. Each user sees, issues and revokes (CHANGE) their own. Who manages logins sees
    everyone's and revokes them, but issues none for anyone else: a token acts as its user, and a
    token made for another login (a superuser's) would write in their name. Nobody deletes a
    token: a revoked one stays, with when it was last used."""

    def allows(self, viewer, verb, obj):
        if verb in {VIEW, CHANGE} and manages_logins(viewer):
            return True
        return verb in {VIEW, ADD, CHANGE} and viewer.user_id is not None and obj.user_id == viewer.user_id

    def q_allows(self, viewer, verb):
        if verb in {VIEW, CHANGE} and manages_logins(viewer):
            return EVERYTHING
        if verb in {VIEW, ADD, CHANGE} and viewer.user_id is not None:
            return Q(user_id=viewer.user_id)
        return NOTHING


RULES = {"api.apitoken": TokenRule()}
