"""The needs mapping's tasks on the back office's home (iisg.core.worklist): what a focal point has to
fix or submit, what the Secretariat has to review or propose, and by when."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from iisg.core.worklist import Task, changelist_url, deadline

from .choices import CycleKind, CycleStatus, NeedStatus
from .models import Cycle, Need

# The Secretariat is warned of a review deadline this many days ahead, and after it passed.
REVIEW_WARNING_DAYS = 14


def needs_task(title, count, cycle, status, detail, order):
    """A task on the needs of one status in one cycle, linked to the list filtered to them."""
    url = changelist_url(Need, cycle__id__exact=cycle.pk, status__exact=status)
    return Task(title=title, count=count, url=url, detail=detail, order=order)


def cycle_detail(cycle, day, phrase):
    """A task's detail: the cycle, and `phrase` with its deadline `day` when it has one."""
    if day is None:
        return str(cycle)
    return _("%(cycle)s: %(deadline)s") % {"cycle": cycle, "deadline": phrase % {"when": deadline(day)}}


def focal_point_tasks(user, viewer):
    """A focal point's returned needs to fix and drafts to submit, in each open needs mapping, with
    its submission deadline; one query."""
    if not viewer.is_focal_point:
        return []
    own = Q(needs__partner_id=viewer.partner_id)
    cycles = (
        Cycle.objects.needs_mapping()
        .filter(status=CycleStatus.OPEN)
        .annotate(
            returned=Count("needs", filter=own & Q(needs__status=NeedStatus.RETURNED)),
            drafts=Count("needs", filter=own & Q(needs__status=NeedStatus.DRAFT)),
        )
        .filter(Q(returned__gt=0) | Q(drafts__gt=0))
        .latest_first()
    )
    tasks = []
    for cycle in cycles:
        detail = cycle_detail(cycle, cycle.closes_on, _("due %(when)s"))
        tasks += [
            needs_task(_("Returned needs to fix"), cycle.returned, cycle, NeedStatus.RETURNED, detail, order=10),
            needs_task(_("Draft needs to submit"), cycle.drafts, cycle, NeedStatus.DRAFT, detail, order=20),
        ]
    return tasks


def secretariat_tasks(user, viewer):
    """The Secretariat's submitted needs to review and validated needs to propose to the Support
    Group, in each needs mapping under way, and the mappings whose review deadline is near or past;
    one query."""
    if not viewer.is_secretariat:
        return []
    cycles = (
        Cycle.objects.needs_mapping()
        .filter(status__in=[CycleStatus.OPEN, CycleStatus.IN_REVIEW])
        .annotate(
            submitted=Count("needs", filter=Q(needs__status=NeedStatus.SUBMITTED)),
            validated=Count("needs", filter=Q(needs__status=NeedStatus.VALIDATED)),
        )
        .latest_first()
    )
    warn_from = timezone.localdate() + timedelta(days=REVIEW_WARNING_DAYS)
    tasks, closing = [], []
    for cycle in cycles:
        detail = cycle_detail(cycle, cycle.review_closes_on, _("review due %(when)s"))
        tasks += [
            needs_task(_("Submitted needs to review"), cycle.submitted, cycle, NeedStatus.SUBMITTED, detail, order=10),
            needs_task(
                _("Validated needs to propose to the Support Group"),
                cycle.validated,
                cycle,
                NeedStatus.VALIDATED,
                detail,
                order=20,
            ),
        ]
        if cycle.review_closes_on is not None and cycle.review_closes_on <= warn_from:
            closing.append((cycle, detail))
    if closing:
        if len(closing) == 1:
            url = reverse("admin:needs_cycle_change", args=[closing[0][0].pk])
        else:
            url = changelist_url(Cycle, kind__exact=CycleKind.NEEDS)
        details = "; ".join(detail for _cycle, detail in closing)
        title = _("Needs mappings whose review deadline is near or past")
        tasks.append(Task(title=title, count=len(closing), url=url, detail=details, order=5))
    return tasks
