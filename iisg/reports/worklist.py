"""The reports' task on the back office's home (iisg.core.worklist): the reports the user asked for
that were generated this week, to download or publish."""

from django.utils.translation import gettext as _

from iisg.core.worklist import finished_runs

from .models import Report


def report_tasks(user, viewer):
    return finished_runs(Report, user=user, started_by="requested_by", title=_("Reports finished in the last 7 days"))
