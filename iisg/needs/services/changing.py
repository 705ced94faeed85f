"""Changing and deleting a need: its content only (EDITABLE_FIELDS), from the version the editor read;
its status moves by the steps of review.py."""

from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Verb
from iisg.core.concurrency import claim_version
from iisg.core.history import record, record_deletion
from iisg.core.models import apply_changes
from iisg.core.permissions import can, viewer_of
from iisg.core.text import clean_comment

from ..choices import CycleStatus, NeedStatus
from ..errors import (
    CycleClosed,
    NeedFrozen,
    NotAllowed,
)
from ..models import Need

# What a change of a need may change: its content. The status and the review comment move only by
# the workflow steps; the cycle and the reference name the need and stay.
EDITABLE_FIELDS = (
    "partner",
    "pillar",
    "area",
    "title",
    "description",
    "need_type",
    "perspective",
    "priority",
    "justification",
    "responsible_institution",
)


def changed_need(need, changes):
    """A copy of `need` with `changes` (field name → value) applied, for the rules to judge."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}; the workflow steps change the status.")
    changed = Need(**{field.attname: getattr(need, field.attname) for field in Need._meta.concrete_fields})
    changed.cycle = need.cycle
    changed._state.adding = False
    for name, value in changes.items():
        setattr(changed, name, value)
    return changed


def refuse_change(*, user, need, changes):
    """Raise the domain error that refuses `changes` to the stored `need` by `user`, if any.

    The partner's focal point changes its partner's draft and returned needs while the cycle is
    open, and cannot move them to another partner; the Secretariat changes any need not adopted.
    Asked by update_need under its lock, and by the workbook before it writes anything, so both
    give the same reason. Raises NotAllowed, NeedFrozen, CycleClosed.
    """
    if not can(user, Verb.VIEW, need):
        raise NotAllowed(_("You may not see this need."))
    if need.status == NeedStatus.ADOPTED:
        raise NeedFrozen(
            _("%(reference)s was adopted by the Board: it is frozen; a change belongs in a new cycle.")
            % {"reference": need.reference}
        )
    changed = changed_need(need, changes)
    if can(user, Verb.CHANGE, need) and (can(user, Verb.CHANGE, changed) or can(user, Verb.ADD, changed)):
        return
    viewer = viewer_of(user)
    own = viewer.is_focal_point and viewer.partner_id == need.partner_id
    if own and need.cycle.status != CycleStatus.OPEN:
        raise CycleClosed(
            _("%(cycle)s is %(status)s: its needs can no longer be changed by their partner.")
            % {"cycle": need.cycle, "status": need.cycle.get_status_display().lower()}
        )
    if own and changed.partner_id != need.partner_id:
        raise NotAllowed(_("You may not move %(reference)s to another partner.") % {"reference": need.reference})
    if own:
        raise NotAllowed(
            _("%(reference)s is %(status)s: only the Secretariat changes it now.")
            % {"reference": need.reference, "status": need.get_status_display().lower()}
        )
    raise NotAllowed(_("You may not change %(reference)s.") % {"reference": need.reference})


@transaction.atomic
def update_need(*, user, need, changes, version, comment=""):
    """Change the content of `need` (`changes`: EDITABLE_FIELDS → new values) if nobody saved it
    since `version`, and return it saved.

    The status is not changed here: it moves only by the workflow steps (submit_need,
    validate_need…), each with its comment. The need is checked by the rules (refuse_change) and
    like any need (full_clean, which also cleans its text), and recorded with the user and the
    comment. Changes that change nothing save nothing.

    Raises EditConflict (someone saved it since `version`), NotAllowed, NeedFrozen, CycleClosed,
    ValidationError.
    """
    comment = clean_comment(comment)
    stored = locked_need(need)
    refuse_change(user=user, need=stored, changes=changes)
    claim_version(stored, version)
    if not apply_changes(stored, changes):
        return stored
    stored.full_clean()
    record(stored, user=user, reason=comment or _("Changed"))
    return stored


@transaction.atomic
def delete_need(*, user, need, comment=""):
    """Delete a need, recorded in its history with the user and the comment. The partner's focal
    point deletes its drafts while the cycle is open; the Secretariat any need not adopted.
    Raises NotAllowed, NeedFrozen."""
    comment = clean_comment(comment)
    stored = locked_need(need)
    if stored.status == NeedStatus.ADOPTED:
        raise NeedFrozen(_("%(reference)s is adopted: it is kept.") % {"reference": stored.reference})
    if not can(user, Verb.DELETE, stored):
        raise NotAllowed(_("You may not delete %(reference)s.") % {"reference": stored.reference})
    record_deletion(stored, user=user, reason=comment or _("Deleted"))


def locked_need(need):
    return Need.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=need.pk)
