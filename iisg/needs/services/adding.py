"""Adding needs: one by one (create_need, numbered when the reference is left blank) or by carrying
the needs of the last cycle over into an open one."""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Verb
from iisg.core.history import record
from iisg.core.permissions import can, viewer_of

from ..choices import CycleKind, CycleStatus, NeedStatus
from ..errors import (
    CycleClosed,
    InvalidTransition,
    NotAllowed,
)
from ..models import Area, Cycle, Need


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
    record(need, user=user, reason=comment or _("Created"))
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
        record(
            draft,
            user=user,
            reason=_("Carried over from %(reference)s (%(period)s)")
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
