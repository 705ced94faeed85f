"""Who may see and manage logins and roles (django.contrib.auth), which core/accounts.py manages,
and the workbooks checked in the background (core.WorkbookRun)."""

from django.db.models import Q

from .permissions import ADD, EVERYTHING, NOTHING, VIEW, AccountRule, RolesRule, Rule


class WorkbookRunRule(Rule):
    """A workbook checked in the background: who uploaded it sees it (its problems name their rows);
    the Secretariat sees every one and marks a stuck one failed (ADD, as for every job). The upload
    page, not this rule, says who uploads; nobody changes or deletes the record."""

    def allows(self, viewer, verb, obj):
        if viewer.is_secretariat:
            return verb in {VIEW, ADD}
        return verb == VIEW and viewer.user_id is not None and obj.created_by_id == viewer.user_id

    def q_allows(self, viewer, verb):
        if viewer.is_secretariat:
            return EVERYTHING if verb in {VIEW, ADD} else NOTHING
        if verb == VIEW and viewer.user_id:
            return Q(created_by_id=viewer.user_id)
        return NOTHING


RULES = {
    "auth.user": AccountRule(),
    "auth.group": RolesRule(),
    "core.workbookrun": WorkbookRunRule(),
}
