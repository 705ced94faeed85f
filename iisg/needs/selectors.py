"""Reads of the needs mapping that more than one part of the platform asks."""

import re

from django.db.models import Count, Exists, OuterRef

from iisg.core.choices import Verb
from iisg.core.permissions import can, visible
from iisg.directory.models import Partner

from .choices import NeedStatus
from .models import Cycle, Need

PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$")


def needs_cycle(given):
    """The needs-mapping cycle named by its period ("2021-2022", "2021–2022", "2021") or its id.
    Raises ValueError, with a sentence for people, when `given` names none."""
    cycles = Cycle.objects.needs_mapping()
    period = PERIOD.match(given)
    if period:
        first = int(period.group(1))
        found = cycles.filter(first_year=first, last_year=int(period.group(2) or first)).first()
    elif given.strip().isdigit():
        found = cycles.filter(pk=int(given)).first()
    else:
        raise ValueError(f"Give the cycle as its period (2021-2022) or its id, not {given!r}.")
    if found is None:
        raise ValueError(f"No needs-mapping cycle {given}.")
    return found


def need_scopes(user):
    """The (partner, needs cycle) pairs `user` may add needs for, as the rules answer: a focal
    point its partner in the open cycles, the Secretariat every partner in every cycle."""
    partners = list(Partner.objects.all())
    cycles = list(Cycle.objects.needs_mapping().latest_first())
    return [
        (partner, cycle)
        for partner in partners
        for cycle in cycles
        if can(user, Verb.ADD, Need(partner=partner, cycle=cycle, status=NeedStatus.DRAFT))
    ]


def carry_over_offer(user, *, cycle, partners):
    """The needs of `partners` in the needs cycle before `cycle` that `user` may see, each with
    `carried` (already carried over into `cycle`), in the order of partners, pillars and references;
    with that earlier cycle (None when there is none)."""
    source = earlier_cycle(cycle)
    if source is None:
        return None, Need.objects.none()
    carried = Need.objects.filter(cycle=cycle, carried_over_from=OuterRef("pk"))
    offered = (
        visible(user, Need.objects.filter(cycle=source, partner__in=partners))
        .select_related("partner", "pillar", "area")
        .annotate(carried=Exists(carried))
        .order_by("partner__order", "pillar__order", "reference")
    )
    return source, offered


def earlier_cycle(cycle):
    """The latest needs cycle before `cycle`, whose needs are offered to carry over; or None."""
    return Cycle.objects.needs_mapping().filter(first_year__lt=cycle.first_year).latest_first().first()


def status_counts(cycle):
    """(status label, number of needs) of a cycle, in the workflow's order, statuses with needs only."""
    counts = {row["status"]: row["count"] for row in cycle.needs.values("status").annotate(count=Count("pk"))}
    return [(label, counts[value]) for value, label in NeedStatus.choices if value in counts]
