"""The support mapping's task on the back office's home (iisg.core.worklist): the matcher runs the
user started that ended this week, to review their proposals."""

from django.utils.translation import gettext as _

from iisg.core.worklist import finished_runs

from .models import MatcherRun


def matcher_run_tasks(user, viewer):
    return finished_runs(
        MatcherRun, user=user, started_by="created_by", title=_("Matcher runs finished in the last 7 days")
    )
