"""The response mapping's tasks on the back office's home (iisg.core.worklist): the actions a donor
or implementer has to confirm or update in each open round, and the responses the Secretariat has
to confirm. A rejected response is news for its donor (a notification), not a task."""

from django.urls import reverse
from django.utils.translation import gettext as _

from iisg.core.worklist import Task, changelist_url, deadline

from .choices import ResponseStatus
from .models import Response
from .round import unanswered_by_round


def round_tasks(user, viewer):
    """A donor's or implementer's actions not yet answered for in each open round, with the round's
    deadline; one query, and one more for each open round."""
    if not viewer.writes_actions:
        return []
    tasks = []
    for cycle, count in unanswered_by_round(viewer.organisation_id):
        title = _("Actions to confirm or update for the %(year)s response mapping") % {"year": cycle.first_year}
        detail = _("answer by %(when)s") % {"when": deadline(cycle.closes_on)} if cycle.closes_on else ""
        url = reverse("admin:actions_action_round", args=[cycle.pk])
        tasks.append(Task(title, count, url, detail, order=15))
    return tasks


def response_tasks(user, viewer):
    """The Secretariat's responses proposed and waiting for its confirmation; one query."""
    if not viewer.is_secretariat:
        return []
    count = Response.objects.filter(status=ResponseStatus.PROPOSED).count()
    url = changelist_url(Response, status__exact=ResponseStatus.PROPOSED)
    return [Task(_("Responses proposed, waiting for confirmation"), count, url, order=25)]
