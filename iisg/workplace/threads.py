"""The conversation on a need or a response: every status change (with its comment) and every reply,
in order, with author and time. Status changes come from the record's history (iisg.core.history
writes each step's comment as the change reason), replies from `Comment`; nothing is overwritten.

`thread(target, *, user)` reads it with the rights of whoever looks; `reply(...)` adds to it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Step, Verb
from iisg.core.errors import CommentRequired, NotAllowed
from iisg.core.events import announce
from iisg.core.permissions import can, viewer_of
from iisg.core.text import clean_comment

from .models import Comment

# How long a reply may be: a conversation, not a document.
REPLY_LENGTH = 4000


@dataclass(frozen=True)
class Entry:
    """One line of a thread: a status change (`status` set) or a reply (`status` empty)."""

    at: datetime
    author: str
    text: str
    status: str = ""

    @property
    def is_reply(self):
        return not self.status


def _name(user):
    if user is None:
        return _("the platform")
    return user.get_full_name() or user.username


def _status_changes(target):
    """The history rows where the status moved (or the record was created), oldest first, each with
    its comment when it said more than the status' own name."""
    field = target._meta.get_field("status")
    labels = dict(field.choices)
    rows = target.history.select_related("history_user").order_by("history_date", "history_id")
    previous = None
    for row in rows.only("history_date", "history_user", "history_change_reason", "status", "history_type"):
        if row.status == previous:
            continue
        previous = row.status
        label = str(labels.get(row.status, row.status))
        reason = (row.history_change_reason or "").strip()
        yield Entry(
            at=row.history_date,
            author=_name(row.history_user),
            text="" if reason.casefold() == label.casefold() else reason,
            status=label,
        )


def may_take_part(user, target):
    """Who takes part in the conversation on a record: any signed-in member who may read it (the
    Secretariat, the partner's focal points, donors and implementers, Board and Support Group
    members comment in review, DESIGN.md §3)."""
    return viewer_of(user).is_member and can(user, Verb.VIEW, target)


def thread(target, *, user):
    """The entries of the conversation on `target`, oldest first; NotAllowed for who may not read it."""
    if not can(user, Verb.VIEW, target):
        raise NotAllowed(_("You may not see this record."))
    replies = (
        Comment.objects.filter(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    entries = list(_status_changes(target))
    entries += [Entry(at=comment.created_at, author=_name(comment.author), text=comment.text) for comment in replies]
    return sorted(entries, key=lambda entry: entry.at)


@transaction.atomic
def reply(*, user, target, text):
    """Add `user`'s reply to the conversation on `target` (a need or a response); the others taking
    part are told (Step.COMMENTED). Raises NotAllowed, CommentRequired, ValidationError (text that
    cannot be stored)."""
    if not may_take_part(user, target):
        raise NotAllowed(_("You may not take part in this conversation."))
    text = clean_comment(text)
    if not text:
        raise CommentRequired(_("Write something to send."))
    if len(text) > REPLY_LENGTH:
        raise CommentRequired(_("A reply is at most %(count)d characters.") % {"count": REPLY_LENGTH})
    comment = Comment.objects.create(target=target, author=user, text=text)
    announce(Step.COMMENTED, target=target, actor=user, comment=text)
    return comment
