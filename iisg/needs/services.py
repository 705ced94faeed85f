"""The needs mapping as business operations: opening a cycle, adding needs and carrying them over,
the review of each need and the Board's adoption of the cycle.

Every service takes the acting `user` and asks iisg.core.permissions.can() itself, so the back
office, the web forms, the Excel upload and the API are held to the same rules. Each runs in one
transaction and either does all of its work or raises a domain error of iisg.needs.errors and
changes nothing. Every change of a need or a cycle is recorded in its history with the user and
the comment (the history's change reason).
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Verb
from iisg.core.concurrency import claim_version
from iisg.core.history import record, record_deletion
from iisg.core.permissions import can, viewer_of
from iisg.core.text import clean_comment
from iisg.governance.choices import DecisionKind

from .choices import REJECTABLE_STATUSES, UNFINISHED_STATUSES, CycleKind, CycleStatus, NeedStatus
from .errors import (
    CommentRequired,
    CycleClosed,
    CycleExists,
    InvalidTransition,
    NeedFrozen,
    NotAllowed,
    UnfinishedNeeds,
)
from .models import Area, Cycle, Need

# How many references an error lists before it says "and N more".
LISTED = 20
# What a change of a need may change: its content. The status and the review comment move only by
# the workflow steps below; the cycle and the reference name the need and stay.
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


def _record(obj, *, user, comment):
    """Save `obj`; its history names the user and the (cleaned) comment."""
    record(obj, user=user, reason=clean_comment(comment))


def _references(needs):
    references = [need.reference for need in needs]
    listed = ", ".join(references[:LISTED])
    if len(references) > LISTED:
        listed += " " + _("and %(count)d more") % {"count": len(references) - LISTED}
    return listed


# Cycles


@transaction.atomic
def open_cycle(*, user, first_year, last_year, copy_areas_from=None, opens_on=None, closes_on=None, comment=""):
    """Open a needs cycle for the period with the thematic areas of an earlier cycle.

    The areas (objectives and the areas beneath them: pillar, code, name, description) are copied
    from `copy_areas_from`, by default the latest needs cycle; the copies belong to the new cycle
    and are edited there without touching the old ones. Secretariat only.

    Raises NotAllowed, CycleExists (a needs cycle of this period exists), InvalidTransition
    (the period runs backwards, or the cycle to copy from is not a needs cycle).
    """
    cycle = Cycle(
        kind=CycleKind.NEEDS,
        first_year=first_year,
        last_year=last_year,
        status=CycleStatus.OPEN,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    if not can(user, Verb.ADD, cycle):
        raise NotAllowed(_("Only the Secretariat opens a cycle."))
    if last_year < first_year:
        raise InvalidTransition(_("A cycle's last year cannot be before its first year."))
    if Cycle.objects.filter(kind=CycleKind.NEEDS, first_year=first_year, last_year=last_year).exists():
        raise CycleExists(_("A needs cycle for %(period)s already exists.") % {"period": cycle.period})
    if copy_areas_from is None:
        copy_areas_from = Cycle.objects.needs_mapping().latest_first().first()
    elif copy_areas_from.kind != CycleKind.NEEDS:
        raise InvalidTransition(_("Areas are copied from a needs cycle."))
    _record(cycle, user=user, comment=comment or _("Opened"))
    if copy_areas_from is not None:
        _copy_areas(source=copy_areas_from, target=cycle)
    return cycle


@transaction.atomic
def open_response_cycle(*, user, year, opens_on=None, closes_on=None, comment=""):
    """Open the annual response mapping of `year`: donors and implementers report their actions of
    the year and propose their responses. Secretariat only.
    Raises NotAllowed, CycleExists, ValidationError (dates the model refuses)."""
    cycle = Cycle(
        kind=CycleKind.RESPONSE,
        first_year=year,
        last_year=year,
        status=CycleStatus.OPEN,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    if not can(user, Verb.ADD, cycle):
        raise NotAllowed(_("Only the Secretariat opens a cycle."))
    if Cycle.objects.response_mapping().filter(first_year=year, last_year=year).exists():
        raise CycleExists(_("A response mapping for %(year)s already exists.") % {"year": year})
    cycle.full_clean()
    _record(cycle, user=user, comment=comment or _("Opened"))
    return cycle


# What changing a cycle may change: its calendar. Its kind and period name it; its status moves by
# the steps (close for review, adopt).
CYCLE_EDITABLE_FIELDS = ("opens_on", "closes_on")


@transaction.atomic
def update_cycle(*, user, cycle, changes, comment=""):
    """Change a cycle's calendar (CYCLE_EDITABLE_FIELDS). Secretariat only.
    Raises NotAllowed, ValidationError."""
    unknown = set(changes) - set(CYCLE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}; the steps change the status.")
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not can(user, Verb.CHANGE, cycle):
        raise NotAllowed(_("Only the Secretariat changes a cycle."))
    changed = {name: value for name, value in changes.items() if getattr(cycle, name) != value}
    if not changed:
        return cycle
    for name, value in changed.items():
        setattr(cycle, name, value)
    cycle.full_clean()
    _record(cycle, user=user, comment=comment or _("Calendar changed"))
    return cycle


def _copy_areas(*, source, target):
    copies = {}
    areas = list(Area.objects.filter(cycle=source).order_by("pk"))
    for area in areas:
        copies[area.pk] = Area(
            cycle=target, pillar_id=area.pillar_id, code=area.code, name=area.name, description=area.description
        )
    # Objectives first, so each area's parent exists when it is saved, however deep the tree.
    saved = set()
    while len(saved) < len(areas):
        for area in areas:
            if area.pk in saved or (area.parent_id is not None and area.parent_id not in saved):
                continue
            copy = copies[area.pk]
            copy.parent = copies[area.parent_id] if area.parent_id else None
            copy.save()
            saved.add(area.pk)


@transaction.atomic
def close_cycle_for_review(*, user, cycle, comment=""):
    """Close an open needs cycle for review: focal points can no longer add or edit needs, the
    Secretariat goes on validating, returning and rejecting them. Secretariat only.

    Raises NotAllowed, InvalidTransition (the cycle is not open).
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not can(user, Verb.CHANGE, cycle):
        raise NotAllowed(_("Only the Secretariat closes a cycle for review."))
    if cycle.status != CycleStatus.OPEN:
        raise InvalidTransition(
            _("%(cycle)s is %(status)s: only an open cycle is closed for review.")
            % {"cycle": cycle, "status": cycle.get_status_display().lower()}
        )
    cycle.status = CycleStatus.IN_REVIEW
    _record(cycle, user=user, comment=comment or _("Closed for review"))
    return cycle


@transaction.atomic
def adopt_cycle(*, user, cycle, decision, comment=""):
    """Record the Board's adoption of a needs cycle by `decision`.

    The cycle becomes adopted with `adopted_by=decision`, and every need the Support Group
    proposed becomes adopted, and is frozen from then on. Rejected needs stay rejected.
    The adoption is refused while any need is still draft, submitted, returned or validated: the
    error lists them, and the Secretariat proposes or rejects them first, so nothing is left
    silently out of what the Board adopted. Secretariat only.

    Raises NotAllowed, InvalidTransition (not a needs cycle, already adopted, a decision that did
    not adopt a mapping, no proposed need), UnfinishedNeeds.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not can(user, Verb.CHANGE, cycle):
        raise NotAllowed(_("Only the Secretariat records the Board's adoption."))
    if cycle.kind != CycleKind.NEEDS:
        raise InvalidTransition(_("%(cycle)s is not a needs mapping.") % {"cycle": cycle})
    if cycle.status not in (CycleStatus.OPEN, CycleStatus.IN_REVIEW):
        raise InvalidTransition(
            _("%(cycle)s is already %(status)s.") % {"cycle": cycle, "status": cycle.get_status_display().lower()}
        )
    if decision.kind != DecisionKind.ADOPT_CYCLE:
        raise InvalidTransition(
            _("The decision “%(decision)s” did not adopt a mapping.") % {"decision": decision.text[:80]}
        )
    needs = list(Need.objects.select_for_update().filter(cycle=cycle).order_by("reference"))
    unfinished = [need for need in needs if need.status in UNFINISHED_STATUSES]
    if unfinished:
        raise UnfinishedNeeds(
            _(
                "%(cycle)s cannot be adopted while needs are still under way: %(references)s. "
                "Propose or reject them first."
            )
            % {"cycle": cycle, "references": _references(unfinished)},
            needs=unfinished,
        )
    proposed = [need for need in needs if need.status == NeedStatus.PROPOSED]
    if not proposed:
        raise InvalidTransition(_("%(cycle)s has no need proposed by the Support Group.") % {"cycle": cycle})
    for need in proposed:
        need.cycle = cycle
        if not can(user, Verb.REVIEW, need):
            raise NotAllowed(_("You may not adopt %(reference)s.") % {"reference": need.reference})
    reason = comment or _("Adopted by the Board: %(decision)s") % {"decision": decision}
    for need in proposed:
        need.status = NeedStatus.ADOPTED
        _record(need, user=user, comment=reason)
    cycle.status = CycleStatus.ADOPTED
    cycle.adopted_by = decision
    _record(cycle, user=user, comment=reason)
    return cycle


# Adding needs


@transaction.atomic
def create_need(*, user, need, comment=""):
    """Add `need`, a new need with its cycle, partner and pillar, and return it saved.

    A need without a reference gets the next free number of its partner and pillar in the cycle
    (next_reference: AL-WBBSi-008); a reference given is kept, and refused when the cycle already
    has it. The need is a draft unless it says otherwise: the back office may add it submitted (a
    focal point) or further on (the Secretariat), as far as the rules allow. It is checked like any
    need (full_clean) and recorded with the user and the comment. The partner's focal point adds
    needs while the cycle is open; the Secretariat adds them at any time.

    Raises CycleClosed, NotAllowed, ValidationError (values the model refuses, a reference taken).
    """
    # Held to the end of the transaction, so two people adding needs at once do not take the same
    # number, and no need slips into a cycle that is being closed.
    need.cycle = Cycle.objects.select_for_update().get(pk=need.cycle_id)
    refuse_creation(user=user, need=need)
    if not need.reference:
        need.reference = next_reference(cycle=need.cycle, partner=need.partner, pillar=need.pillar)
    elif Need.objects.filter(cycle=need.cycle, reference=need.reference).exists():
        # Said here on the field: the model's unique constraint would say it about the whole need.
        raise ValidationError({"reference": _("This reference is already used in this cycle.")})
    need.full_clean()
    _record(need, user=user, comment=comment or _("Created"))
    return need


def refuse_creation(*, user, need):
    """Raise the domain error that refuses adding `need` (unsaved, with its cycle) by `user`, if any:
    asked by create_need under the cycle's lock, and by the workbook before it writes anything.
    Raises CycleClosed, NotAllowed."""
    if can(user, Verb.ADD, need):
        return
    viewer = viewer_of(user)
    if viewer.is_focal_point and viewer.partner_id == need.partner_id and need.cycle.status != CycleStatus.OPEN:
        raise CycleClosed(
            _("%(cycle)s is %(status)s: needs are added while it is open.")
            % {"cycle": need.cycle, "status": need.cycle.get_status_display().lower()}
        )
    raise NotAllowed(
        _("Only the partner's focal point or the Secretariat adds needs of %(partner)s.") % {"partner": need.partner}
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
    stored = _locked(need)
    refuse_change(user=user, need=stored, changes=changes)
    claim_version(stored, version)
    changed = {name: value for name, value in changes.items() if _value(stored, name) != _value_of(stored, name, value)}

    if not changed:
        return stored
    for name, value in changed.items():
        setattr(stored, name, value)
    stored.full_clean()
    _record(stored, user=user, comment=comment or _("Changed"))
    return stored


def _value(obj, name):
    return getattr(obj, Need._meta.get_field(name).attname)


def _value_of(obj, name, value):
    """`value` as the stored column holds it (a related record by its id)."""
    field = Need._meta.get_field(name)
    if field.is_relation:
        return value.pk if value is not None and hasattr(value, "pk") else value
    return value


@transaction.atomic
def delete_need(*, user, need, comment=""):
    """Delete a need, recorded in its history with the user and the comment. The partner's focal
    point deletes its drafts while the cycle is open; the Secretariat any need not adopted.
    Raises NotAllowed, NeedFrozen."""
    comment = clean_comment(comment)
    stored = _locked(need)
    if stored.status == NeedStatus.ADOPTED:
        raise NeedFrozen(_("%(reference)s is adopted: it is kept.") % {"reference": stored.reference})
    if not can(user, Verb.DELETE, stored):
        raise NotAllowed(_("You may not delete %(reference)s.") % {"reference": stored.reference})
    record_deletion(stored, user=user, reason=comment or _("Deleted"))


# Carrying needs over


@dataclass
class CarryOver:
    """What carry_over_needs did: the new drafts, the needs already carried over before (skipped),
    and the needs of the same partners and cycles that were not chosen (left out: "closed")."""

    carried: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    left_out: list = field(default_factory=list)


def next_reference(*, cycle, partner, pillar, taken=None):
    """The next free reference of a partner's needs in a pillar and cycle: AL-WBBSi-008.

    `taken`, the set of the cycle's references, spares the query when many are numbered at once;
    the new reference is added to it.
    """
    if taken is None:
        taken = set(Need.objects.filter(cycle=cycle).values_list("reference", flat=True))
    prefix = f"{partner.code}-{pillar.acronym}-"
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbers = [int(match[1]) for match in map(pattern.match, taken) if match]
    number = max(numbers, default=0) + 1
    while f"{prefix}{number:03d}" in taken:
        number += 1
    reference = f"{prefix}{number:03d}"
    taken.add(reference)
    return reference


@transaction.atomic
def carry_over_needs(*, user, cycle, needs):
    """Carry needs of earlier cycles over into the open needs `cycle`, as drafts to confirm or update.

    Each chosen need becomes a draft of the same partner and pillar in `cycle`, with its text,
    type, perspective, priority and responsible institution, a new reference, `carried_over_from`
    set, and the area of the same pillar and code in `cycle` (none if the new cycle has no such
    area). A need already carried over into `cycle` is skipped, so carrying over twice changes
    nothing. Needs not chosen are "closed": nothing is recorded for them, and the result lists
    them as `left_out`. A focal point carries over its own partner's needs; the Secretariat any.

    Raises CycleClosed (the cycle is not an open needs cycle), NotAllowed, InvalidTransition
    (a need is not of an earlier cycle). One refusal refuses them all.
    """
    # Locked like create_need locks it: the new references are numbered one creator at a time.
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.kind != CycleKind.NEEDS or cycle.status != CycleStatus.OPEN:
        raise CycleClosed(
            _("%(cycle)s is not open: needs are carried over into an open needs cycle.") % {"cycle": cycle}
        )
    chosen = list(
        Need.objects.filter(pk__in=[need.pk for need in needs])
        .select_related("cycle", "partner", "pillar", "area")
        .order_by("reference")
    )
    for need in chosen:
        if not can(user, Verb.VIEW, need) or not can(
            user, Verb.ADD, Need(cycle=cycle, partner_id=need.partner_id, status=NeedStatus.DRAFT)
        ):
            raise NotAllowed(_("You may not carry over %(reference)s.") % {"reference": need.reference})
        if need.cycle.kind != CycleKind.NEEDS or need.cycle.first_year >= cycle.first_year:
            raise InvalidTransition(
                _("%(reference)s is not a need of a cycle before %(cycle)s.")
                % {"reference": need.reference, "cycle": cycle}
            )
    already = set(
        Need.objects.filter(cycle=cycle, carried_over_from__in=chosen).values_list("carried_over_from_id", flat=True)
    )
    areas = {(area.pillar_id, area.code): area for area in Area.objects.filter(cycle=cycle)}
    taken = set(Need.objects.filter(cycle=cycle).values_list("reference", flat=True))
    result = CarryOver()
    for need in chosen:
        if need.pk in already:
            result.skipped.append(need)
            continue
        draft = Need(
            cycle=cycle,
            reference=next_reference(cycle=cycle, partner=need.partner, pillar=need.pillar, taken=taken),
            partner_id=need.partner_id,
            pillar_id=need.pillar_id,
            area=areas.get((need.pillar_id, need.area.code)) if need.area_id else None,
            title=need.title,
            description=need.description,
            need_type=need.need_type,
            perspective=need.perspective,
            priority=need.priority,
            justification=need.justification,
            responsible_institution_id=need.responsible_institution_id,
            status=NeedStatus.DRAFT,
            carried_over_from=need,
        )
        _record(
            draft,
            user=user,
            comment=_("Carried over from %(reference)s (%(period)s)")
            % {"reference": need.reference, "period": need.cycle.period},
        )
        result.carried.append(draft)
    if chosen:
        result.left_out = list(
            Need.objects.filter(
                cycle__in={need.cycle_id for need in chosen}, partner__in={need.partner_id for need in chosen}
            )
            .exclude(pk__in=[need.pk for need in chosen])
            .exclude(carried_over_to__cycle=cycle)
            .order_by("reference")
        )
    return result


# The review of a need


def _locked(need):
    return Need.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=need.pk)


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
    """A Secretariat step on a need of a cycle not yet adopted."""
    need = _locked(need)
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
    _record(need, user=user, comment=comment or NeedStatus(status).label)
    return need


@transaction.atomic
def submit_need(*, user, need, comment=""):
    """Submit a draft or returned need for the Secretariat's review, while its cycle is open.

    The focal point of the need's partner, or the Secretariat.
    Raises NotAllowed, NeedFrozen, CycleClosed, InvalidTransition.
    """
    need = _locked(need)
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
    _record(need, user=user, comment=clean_comment(comment) or NeedStatus.SUBMITTED.label)
    return need


@transaction.atomic
def validate_need(*, user, need, comment=""):
    """Validate a submitted need. Secretariat only.
    Raises NotAllowed, NeedFrozen, CycleClosed (cycle adopted), InvalidTransition."""
    return _review(
        user=user,
        need=need,
        allowed=(NeedStatus.SUBMITTED,),
        status=NeedStatus.VALIDATED,
        step=_("validated"),
        comment=comment,
    )


@transaction.atomic
def return_need(*, user, need, comment):
    """Return a submitted need to its partner for changes, saying why (also kept as its review
    comment). Secretariat only.
    Raises NotAllowed, NeedFrozen, CycleClosed, InvalidTransition, CommentRequired."""
    return _review(
        user=user,
        need=need,
        allowed=(NeedStatus.SUBMITTED,),
        status=NeedStatus.RETURNED,
        step=_("returned"),
        comment=comment,
        comment_required=True,
    )


@transaction.atomic
def reject_need(*, user, need, comment):
    """Reject a need that is not yet adopted, saying why (also kept as its review comment).
    Secretariat only.
    Raises NotAllowed, NeedFrozen, CycleClosed, InvalidTransition, CommentRequired."""
    return _review(
        user=user,
        need=need,
        allowed=REJECTABLE_STATUSES,
        status=NeedStatus.REJECTED,
        step=_("rejected"),
        comment=comment,
        comment_required=True,
    )


@transaction.atomic
def propose_need(*, user, need, comment=""):
    """Record that the Support Group proposes a validated need for adoption. Secretariat only.
    Raises NotAllowed, NeedFrozen, CycleClosed, InvalidTransition."""
    return _review(
        user=user,
        need=need,
        allowed=(NeedStatus.VALIDATED,),
        status=NeedStatus.PROPOSED,
        step=_("proposed"),
        comment=comment,
    )


@transaction.atomic
def propose_needs(*, user, needs, comment=""):
    """Record the Support Group's proposal of several validated needs: all of them or none.
    Raises what propose_need raises, for the first need refused."""
    return [propose_need(user=user, need=need, comment=comment) for need in needs]
