"""The IATI imports' task on the back office's home (iisg.core.worklist): the imports the user
started that ended this week, to check what they imported or why they were refused."""

from django.utils.translation import gettext as _

from iisg.core.worklist import finished_runs

from .models import ImportRun


def import_run_tasks(user, viewer):
    return finished_runs(
        ImportRun, user=user, started_by="created_by", title=_("IATI imports finished in the last 7 days")
    )
