"""The support mapping's tasks on the back office's home (iisg.core.worklist): the matcher runs the
user started that ended this week, to review their proposals; the data-quality alerts theirs to fix."""

from django.urls import reverse
from django.utils.translation import gettext as _

from iisg.core.worklist import Task, finished_runs

from .alerts import alert_counts
from .models import MatcherRun
from .quality import QUALITY_RULES


def matcher_run_tasks(user, viewer):
    return finished_runs(
        MatcherRun, user=user, started_by="created_by", title=_("Matcher runs finished in the last 7 days")
    )


def quality_tasks(user, viewer):
    """The alerts nobody silenced that the user may see, in one line counted by rule."""
    counts = alert_counts(user)
    detail = ", ".join(f"{rule.title}: {counts[key]}" for key, rule in QUALITY_RULES.items() if counts.get(key))
    return [
        Task(
            title=_("Data-quality alerts"),
            count=sum(counts.values()),
            url=reverse("analysis:quality"),
            detail=detail,
            order=70,
        )
    ]
