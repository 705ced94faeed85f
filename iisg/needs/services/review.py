"""The review of a need, step by step: submitted by its partner, validated, returned or rejected by
the Secretariat with a comment, and proposed for the Board's adoption."""

from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Step, Verb
from iisg.core.events import announce
from iisg.core.history import record
from iisg.core.permissions import can
from iisg.core.text import clean_comment

from ..choices import REJECTABLE_STATUSES, CycleStatus, NeedStatus
from ..errors import (
    CommentRequired,
    CycleClosed,
    InvalidTransition,
    NeedFrozen,
    NotAllowed,
)
from ..models import Need
from .changing import locked_need


def _refuse_unless_visible_and_not_frozen(user, need):
    if not can(user, Verb.VIEW, need):
        raise NotAllowed(_("You may not see this need."))
    if need.status == NeedStatus.ADOPTED:
        raise NeedFrozen(_("%(reference)s is adopted: a change is a new cycle.") % {"reference": need.reference})


def _refuse_wrong_status(need, allowed, step):
    if need.status not in allowed:
        raise InvalidTransition(
            _("%(reference)s is %(status)s: it cannot be %(step)s.")
            % {"reference": need.reference, "status": need.get_status_display().lower(), "step": step}
        )


def _review(*, user, need, allowed, status, step, comment, comment_required=False):
    """A Secretariat step on a need of a cycle not yet adopted; the caller announces it."""
    need = locked_need(need)
    _refuse_unless_visible_and_not_frozen(user, need)
    if not can(user, Verb.REVIEW, need):
        raise NotAllowed(_("Only the Secretariat reviews needs."))
    if need.cycle.status not in (CycleStatus.OPEN, CycleStatus.IN_REVIEW):
        raise CycleClosed(
            _("%(cycle)s is %(status)s: its needs are no longer reviewed.")
            % {"cycle": need.cycle, "status": need.cycle.get_status_display().lower()}
        )
    _refuse_wrong_status(need, allowed, step)
    comment = clean_comment(comment)
    if comment_required and not comment:
        raise CommentRequired(_("Say why %(reference)s is %(step)s.") % {"reference": need.reference, "step": step})
    need.status = status
    if comment_required:
        need.review_comment = comment
    elif status == NeedStatus.VALIDATED:
        need.review_comment = ""
    record(need, user=user, reason=comment or NeedStatus(status).label)
    return need


@transaction.atomic
def submit_need(*, user, need, comment=""):
    """Submit a draft or returned need for the Secretariat's review, while its cycle is open.

    The focal point of the need's partner, or the Secretariat.
    Raises NotAllowed, NeedFrozen, CycleClosed, InvalidTransition.
    """
    need = locked_need(need)
    _refuse_unless_visible_and_not_frozen(user, need)
    if need.cycle.status != CycleStatus.OPEN:
        raise CycleClosed(
            _("%(cycle)s is %(status)s: needs are submitted while it is open.")
            % {"cycle": need.cycle, "status": need.cycle.get_status_display().lower()}
        )
    # Asked of a draft of the same partner, so the role decides, not the need's current status.
    if not can(user, Verb.CHANGE, Need(cycle=need.cycle, partner_id=need.partner_id, status=NeedStatus.DRAFT)):
        raise NotAllowed(_("Only the partner's focal point or the Secretariat submits this need."))
    _refuse_wrong_status(need, (NeedStatus.DRAFT, NeedStatus.RETURNED), _("submitted"))
    need.status = NeedStatus.SUBMITTED
    comment = clean_comment(comment)
    record(need, user=user, reason=comment or NeedStatus.SUBMITTED.label)
    announce(Step.NEED_SUBMITTED, target=need, actor=user, comment=comment)
    return need


@transaction.atomic
def validate_need(*, user, need, comment=""):
    """Validate a submitted need. Secretariat only.
    Raises NotAllowed, NeedFrozen, CycleClosed (cycle adopted), InvalidTransition."""
    need = _review(
        user=user,
        need=need,
        allowed=(NeedStatus.SUBMITTED,),
        status=NeedStatus.VALIDATED,
        step=_("validated"),
        comment=comment,
    )
    announce(Step.NEED_VALIDATED, target=need, actor=user, comment=clean_comment(comment))
    return need


@transaction.atomic
def return_need(*, user, need, comment):
    """Return a submitted need to its partner for changes, saying why (also kept as its review
    comment). Secretariat only.
    Raises NotAllowed, NeedFrozen, CycleClosed, InvalidTransition, CommentRequired."""
    need = _review(
        user=user,
        need=need,
        allowed=(NeedStatus.SUBMITTED,),
        status=NeedStatus.RETURNED,
        step=_("returned"),
        comment=comment,
        comment_required=True,
    )
    announce(Step.NEED_RETURNED, target=need, actor=user, comment=clean_comment(comment))
    return need


@transaction.atomic
def reject_need(*, user, need, comment):
    """Reject a need that is not yet adopted, saying why (also kept as its review comment).
    Secretariat only.
    Raises NotAllowed, NeedFrozen, CycleClosed, InvalidTransition, CommentRequired."""
    need = _review(
        user=user,
        need=need,
        allowed=REJECTABLE_STATUSES,
        status=NeedStatus.REJECTED,
        step=_("rejected"),
        comment=comment,
        comment_required=True,
    )
    announce(Step.NEED_REJECTED, target=need, actor=user, comment=clean_comment(comment))
    return need


def _propose(*, user, need, comment):
    return _review(
        user=user,
        need=need,
        allowed=(NeedStatus.VALIDATED,),
        status=NeedStatus.PROPOSED,
        step=_("proposed"),
        comment=comment,
    )


def _announce_proposed(*, user, needs, comment):
    """One announcement per cycle of the proposed needs (all of one cycle, as the Support Group
    proposes them), so the Support Group and the Board are told once, not once per need."""
    by_cycle = {}
    for need in needs:
        by_cycle.setdefault(need.cycle_id, (need.cycle, []))[1].append(need.reference)
    for cycle, references in by_cycle.values():
        announce(
            Step.NEEDS_PROPOSED,
            target=cycle,
            actor=user,
            comment=clean_comment(comment),
            count=len(references),
            references=references,
        )


@transaction.atomic
def propose_need(*, user, need, comment=""):
    """Record that the Support Group proposes a validated need for adoption. Secretariat only.
    Raises NotAllowed, NeedFrozen, CycleClosed, InvalidTransition."""
    need = _propose(user=user, need=need, comment=comment)
    _announce_proposed(user=user, needs=[need], comment=comment)
    return need


@transaction.atomic
def propose_needs(*, user, needs, comment=""):
    """Record the Support Group's proposal of several validated needs: all of them or none,
    announced once (NEEDS_PROPOSED with the count and the references) for their cycle.
    Raises what propose_need raises, for the first need refused."""
    proposed = [_propose(user=user, need=need, comment=comment) for need in needs]
    _announce_proposed(user=user, needs=proposed, comment=comment)
    return proposed
