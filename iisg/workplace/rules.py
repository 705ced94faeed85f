"""Who reads what of the workplace: one's own notifications and preferences; mails are read by the
Secretariat (they hold reset links: each recipient reads theirs in their own mailbox)."""

from django.db.models import Q

from iisg.core.permissions import EVERYTHING, NOTHING, VIEW, Rule


class OwnRule(Rule):
    """A user's own rows, read and changed by that user only."""

    def __init__(self, field):
        self.field = field

    def allows(self, viewer, verb, obj):
        return viewer.user_id is not None and getattr(obj, self.field) == viewer.user_id

    def q_allows(self, viewer, verb):
        if viewer.user_id is None:
            return NOTHING
        return Q(**{self.field: viewer.user_id})


class MailRule(Rule):
    def q_allows(self, viewer, verb):
        return EVERYTHING if viewer.is_secretariat and verb == VIEW else NOTHING


class CommentRule(Rule):
    """Comments are read with their record (iisg.workplace.threads asks about the record) and
    written through the reply service; never changed or deleted."""

    def q_allows(self, viewer, verb):
        return EVERYTHING if viewer.is_member and verb == VIEW else NOTHING


RULES = {
    "workplace.Notification": OwnRule("recipient_id"),
    "workplace.Preference": OwnRule("user_id"),
    "workplace.Mail": MailRule(),
    "workplace.Comment": CommentRule(),
}
