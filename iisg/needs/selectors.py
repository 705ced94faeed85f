"""Reads of the needs mapping that more than one part of the platform asks."""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from iisg.core.choices import Verb
from iisg.core.permissions import can, viewer_of, visible
from iisg.directory.models import Partner, Pillar

from .choices import PRIVATE_STATUSES, REJECTABLE_STATUSES, CycleStatus, NeedStatus
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


def partners_yet_to_submit(cycle):
    """The partners that have submitted nothing in `cycle` yet: no need of theirs is at or beyond
    submitted (they have only drafts and returned needs, or no need at all), in the partners' order.
    The deadline reminders go to their focal points."""
    beyond_draft = Need.objects.filter(cycle=cycle, partner=OuterRef("pk")).exclude(status__in=PRIVATE_STATUSES)
    return Partner.objects.exclude(Exists(beyond_draft))


@dataclass
class ProgressRow:
    """The needs of one partner in one pillar, counted by status."""

    partner: Partner
    pillar: Pillar
    counts: dict = field(default_factory=dict)

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def not_started(self):
        return self.total == 0

    def in_order(self):
        """The counts in the workflow's order of the statuses (NeedStatus)."""
        return [self.counts.get(status, 0) for status in NeedStatus.values]


@dataclass
class Progress:
    """Where a cycle stands: a row per partner and pillar, the totals per status, the deadlines."""

    cycle: Cycle
    rows: list
    today: datetime.date

    @property
    def statuses(self):
        return NeedStatus.choices

    @property
    def totals(self):
        return [sum(column) for column in zip(*(row.in_order() for row in self.rows), strict=True)] or [
            0 for _ in NeedStatus.values
        ]

    @property
    def total(self):
        return sum(row.total for row in self.rows)

    @property
    def not_started(self):
        return [row for row in self.rows if row.not_started]

    @property
    def submission_deadline(self):
        return Deadline(self.cycle.closes_on, today=self.today)

    @property
    def review_deadline(self):
        return Deadline(self.cycle.review_closes_on, today=self.today)


class Deadline:
    """A deadline seen on a day: `days_left` (0 on the day), `days_passed` once it passed; both
    None when there is no deadline."""

    def __init__(self, date, *, today):
        self.date = date
        self.days_left = days_left(date, today=today)

    @property
    def days_passed(self):
        return -self.days_left if self.days_left is not None and self.days_left < 0 else None


def days_left(deadline, *, today=None):
    """Days from `today` (the local date by default) to `deadline`: 0 on the day, negative once it
    passed; None when there is no deadline."""
    if deadline is None:
        return None
    return (deadline - (today or timezone.localdate())).days


def cycle_progress(cycle, *, user, today=None):
    """Progress of the needs of `cycle` as `user` may see it: a row per partner × pillar with the
    number of needs in each status, "not started" when the row counts none.

    Counted from the needs `user` may see (iisg.core.permissions.visible), so a member who does not
    read drafts sees a partner with drafts only as not started; the Secretariat counts everything.
    A focal point (who is not also of the Secretariat) gets the rows of their partner only; a user
    without a role gets no row. Three queries whatever the number of needs: partners, pillars, and
    one grouped count.
    """
    viewer = viewer_of(user)
    today = today or timezone.localdate()
    if not viewer.is_member:
        return Progress(cycle=cycle, rows=[], today=today)
    partners = Partner.objects.all()
    needs = visible(user, Need.objects.filter(cycle=cycle))
    if viewer.is_focal_point and not viewer.is_secretariat:
        partners = partners.filter(pk=viewer.partner_id)
        needs = needs.filter(partner_id=viewer.partner_id)
    pillars = list(Pillar.objects.all())
    rows = {
        (partner.pk, pillar.pk): ProgressRow(partner=partner, pillar=pillar)
        for partner in partners
        for pillar in pillars
    }
    counted = needs.order_by().values("partner_id", "pillar_id", "status").annotate(count=Count("pk", distinct=True))
    for entry in counted:
        row = rows.get((entry["partner_id"], entry["pillar_id"]))
        if row is not None:
            row.counts[entry["status"]] = entry["count"]
    return Progress(cycle=cycle, rows=list(rows.values()), today=today)


# The steps of a need's review, in the order they are offered on its page.
SUBMIT, VALIDATE, RETURN, PROPOSE, REJECT = "submit", "validate", "return", "propose", "reject"


def need_steps(user, need):
    """The review steps `user` may take on `need` now (SUBMIT, VALIDATE, RETURN, PROPOSE, REJECT, in
    that order), as the rules answer, for the buttons of its page. The services ask again when a
    step is taken; this only spares a person buttons that could only be refused."""
    cycle = need.cycle
    if not can(user, Verb.VIEW, need) or need.status == NeedStatus.ADOPTED:
        return []
    steps = []
    draft_of_partner = Need(cycle=cycle, partner_id=need.partner_id, status=NeedStatus.DRAFT)
    if (
        cycle.status == CycleStatus.OPEN
        and need.status in PRIVATE_STATUSES
        and can(user, Verb.CHANGE, draft_of_partner)
    ):
        steps.append(SUBMIT)
    if cycle.status in (CycleStatus.OPEN, CycleStatus.IN_REVIEW) and can(user, Verb.REVIEW, need):
        if need.status == NeedStatus.SUBMITTED:
            steps += [VALIDATE, RETURN]
        if need.status == NeedStatus.VALIDATED:
            steps.append(PROPOSE)
        if need.status in REJECTABLE_STATUSES:
            steps.append(REJECT)
    return steps
