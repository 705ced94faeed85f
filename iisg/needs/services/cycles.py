"""Cycles as business operations: opening a needs mapping (with the areas of the last one) or a
response mapping, its calendar, closing it for review, and the Board's adoption of a needs mapping."""

from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Step, Verb
from iisg.core.events import announce
from iisg.core.history import record
from iisg.core.models import apply_changes
from iisg.core.permissions import can
from iisg.core.text import clean_comment
from iisg.governance.choices import DecisionKind

from ..choices import UNFINISHED_STATUSES, CycleKind, CycleStatus, NeedStatus
from ..errors import (
    CommentRequired,
    CycleExists,
    InvalidTransition,
    NotAllowed,
    UnfinishedNeeds,
)
from ..models import Area, Cycle, Need

# How many references an error lists before it says "and N more".
LISTED = 20


def _references(needs):
    references = [need.reference for need in needs]
    listed = ", ".join(references[:LISTED])
    if len(references) > LISTED:
        listed += " " + _("and %(count)d more") % {"count": len(references) - LISTED}
    return listed


@transaction.atomic
def open_cycle(
    *,
    user,
    first_year,
    last_year,
    copy_areas_from=None,
    opens_on=None,
    closes_on=None,
    review_closes_on=None,
    comment="",
):
    """Open a needs cycle for the period with the thematic areas of an earlier cycle.

    The areas (objectives and the areas beneath them: pillar, code, name, description) are copied
    from `copy_areas_from`, by default the latest needs cycle; the copies belong to the new cycle
    and are edited there without touching the old ones. `closes_on` is the focal points'
    submission deadline, `review_closes_on` the Secretariat's review deadline. Secretariat only.

    Raises NotAllowed, CycleExists (a needs cycle of this period exists), InvalidTransition
    (the period runs backwards, or the cycle to copy from is not a needs cycle), ValidationError
    (dates the model refuses: a deadline before the opening, a review closing before submission).
    """
    cycle = Cycle(
        kind=CycleKind.NEEDS,
        first_year=first_year,
        last_year=last_year,
        status=CycleStatus.OPEN,
        opens_on=opens_on,
        closes_on=closes_on,
        review_closes_on=review_closes_on,
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
    cycle.full_clean()
    record(cycle, user=user, reason=comment or _("Opened"))
    if copy_areas_from is not None:
        _copy_areas(source=copy_areas_from, target=cycle)
    announce(Step.CYCLE_OPENED, target=cycle, actor=user, comment=clean_comment(comment))
    return cycle


@transaction.atomic
def open_response_cycle(*, user, year, opens_on=None, closes_on=None, review_closes_on=None, comment=""):
    """Open the annual response mapping of `year`: donors and implementers report their actions of
    the year and propose their responses, answering by `closes_on`; the Secretariat reviews by
    `review_closes_on`. Secretariat only.
    Raises NotAllowed, CycleExists, ValidationError (dates the model refuses)."""
    cycle = Cycle(
        kind=CycleKind.RESPONSE,
        first_year=year,
        last_year=year,
        status=CycleStatus.OPEN,
        opens_on=opens_on,
        closes_on=closes_on,
        review_closes_on=review_closes_on,
    )
    if not can(user, Verb.ADD, cycle):
        raise NotAllowed(_("Only the Secretariat opens a cycle."))
    if Cycle.objects.response_mapping().filter(first_year=year, last_year=year).exists():
        raise CycleExists(_("A response mapping for %(year)s already exists.") % {"year": year})
    cycle.full_clean()
    record(cycle, user=user, reason=comment or _("Opened"))
    announce(Step.ROUND_OPENED, target=cycle, actor=user, comment=clean_comment(comment))
    return cycle


# What changing a cycle may change: its calendar. Its kind and period name it; its status moves by
# the steps (close for review, adopt).
CYCLE_EDITABLE_FIELDS = ("opens_on", "closes_on", "review_closes_on")


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
    if not apply_changes(cycle, changes):
        return cycle
    cycle.full_clean()
    record(cycle, user=user, reason=comment or _("Calendar changed"))
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
    record(cycle, user=user, reason=comment or _("Closed for review"))
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
        record(need, user=user, reason=reason)
    cycle.status = CycleStatus.ADOPTED
    cycle.adopted_by = decision
    record(cycle, user=user, reason=reason)
    announce(Step.CYCLE_ADOPTED, target=cycle, actor=user, comment=clean_comment(comment), decision=decision)
    return cycle


@transaction.atomic
def adopt_response_cycle(*, user, cycle, decision=None, comment=""):
    """Record the adoption of an annual response mapping that is open or in review, by `decision`
    (a decision that adopted a mapping) or, for an adoption whose decision is not on record, with a
    comment that says so. Its responses stay as they are. Secretariat only.
    Raises NotAllowed, InvalidTransition, CommentRequired."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not can(user, Verb.CHANGE, cycle):
        raise NotAllowed(_("Only the Secretariat records the Board's adoption."))
    if cycle.kind != CycleKind.RESPONSE:
        raise InvalidTransition(_("%(cycle)s is not a response mapping: adopt_cycle adopts it.") % {"cycle": cycle})
    if cycle.status not in (CycleStatus.OPEN, CycleStatus.IN_REVIEW):
        raise InvalidTransition(
            _("%(cycle)s is already %(status)s.") % {"cycle": cycle, "status": cycle.get_status_display().lower()}
        )
    comment = clean_comment(comment)
    if decision is None and not comment:
        raise CommentRequired(
            _("Name the Board decision that adopted %(cycle)s, or say why none is on record.") % {"cycle": cycle}
        )
    if decision is not None and decision.kind != DecisionKind.ADOPT_CYCLE:
        raise InvalidTransition(
            _("The decision “%(decision)s” did not adopt a mapping.") % {"decision": decision.text[:80]}
        )
    cycle.status = CycleStatus.ADOPTED
    cycle.adopted_by = decision
    record(cycle, user=user, reason=comment or _("Adopted by the Board: %(decision)s") % {"decision": decision})
    announce(Step.CYCLE_ADOPTED, target=cycle, actor=user, comment=comment, decision=decision)
    return cycle
