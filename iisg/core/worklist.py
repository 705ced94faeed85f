"""What waits for whom: the back office's home ("My tasks") lists, for the user who opens it, the
tasks every app finds for them.

Each app registers its task finders from its AppConfig.ready() (this module knows no domain): a
finder is a function `finder(user, viewer)` answering an iterable of Task, and it asks only what the
user's role makes relevant (a focal point's returned needs, the Secretariat's submitted ones). A
finder answers nothing rather than a task with a count of zero.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .choices import Role
from .permissions import viewer_of, visible

FINDERS = []

# How far back "finished" runs are listed: a week covers a run started before a weekend.
RECENT_DAYS = 7

# What each role usually does, said on the home when nothing waits for the user.
USUAL_WORK = {
    Role.SECRETARIAT: gettext_lazy(
        "The Secretariat opens the mapping cycles, reviews the needs the partners submit, confirms the "
        "responses donors propose and records what the Board adopts."
    ),
    Role.FOCAL_POINT: gettext_lazy(
        "As a partner focal point you enter your partner's needs while a needs mapping is open and "
        "submit them for review; needs returned to you for changes appear here."
    ),
    Role.DONOR: gettext_lazy(
        "As a donor you keep your organisation's actions up to date and propose them as responses to "
        "the partners' needs."
    ),
    Role.IMPLEMENTER: gettext_lazy(
        "As an implementer you keep the actions you carry out up to date and propose them as responses "
        "to the partners' needs."
    ),
    Role.MEMBER: gettext_lazy(
        "As a member of the Board or a Support Group you read the needs, the actions and the analysis, "
        "and take part in the review."
    ),
}


@dataclass(frozen=True)
class Task:
    """One line of a user's tasks: what to do, how many, where."""

    title: str
    count: int
    url: str
    detail: str = ""
    # Lower first: what blocks others (a review) before what informs (a finished run).
    order: int = 50


def register(finder):
    """Add a task finder; the same function registered twice is listed once."""
    if finder not in FINDERS:
        FINDERS.append(finder)
    return finder


def tasks_for(user):
    """The tasks of `user`, most pressing first; none for a visitor."""
    viewer = viewer_of(user)
    if viewer.user_id is None:
        return []
    tasks = [task for finder in FINDERS for task in finder(user, viewer) if task.count]
    return sorted(tasks, key=lambda task: (task.order, task.title))


def usual_work(user):
    """What the user's roles usually do, one sentence a role, for a home with nothing waiting."""
    roles = viewer_of(user).roles
    return [str(sentence) for role, sentence in USUAL_WORK.items() if role in roles]


def changelist_url(model, **filters):
    """The back-office list of `model`, filtered as its filter sidebar would (`status__exact=…`)."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def deadline(day, *, today=None):
    """A deadline as people say it: "15 January 2027, in 12 days", "…, today", "…, 3 days ago"."""
    today = today or timezone.localdate()
    date = formats.date_format(day, "j F Y")
    days = (day - today).days
    if days == 0:
        return _("%(date)s, today") % {"date": date}
    if days > 0:
        return ngettext("%(date)s, in %(days)d day", "%(date)s, in %(days)d days", days) % {"date": date, "days": days}
    return ngettext("%(date)s, %(days)d day ago", "%(date)s, %(days)d days ago", -days) % {
        "date": date,
        "days": -days,
    }


def finished_runs(model, *, user, started_by, title, order=80):
    """The task "`title`" for the background runs of `model` (a iisg.core.jobs.Job) that `user`
    started (`started_by`: the field naming who) and that ended in the last RECENT_DAYS days, in one
    query: their count, how each ended ("Done: 2, Failed: 1"), and a link to the run when there is
    one, else to the list of the user's runs. Nothing when there are none, or when the user may no
    longer see such runs."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    runs = visible(user, model._default_manager.filter(**{started_by: user, "finished_at__gte": since}))
    ended = list(runs.order_by("status").values("status").annotate(count=Count("pk"), last=Max("pk")))
    count = sum(row["count"] for row in ended)
    if not count:
        return []
    opts = model._meta
    if count == 1:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[ended[0]["last"]])
    else:
        url = changelist_url(model, **{f"{started_by}__id__exact": user.pk})
    labels = dict(opts.get_field("status").flatchoices)
    detail = ", ".join(f"{labels.get(row['status'], row['status'])}: {row['count']}" for row in ended)
    return [Task(title=title, count=count, url=url, detail=detail, order=order)]


def workbook_run_tasks(user, viewer):
    """The big workbooks the user uploaded that the job worker finished checking or applying this
    week: to read what was written or why the file was refused."""
    from django.utils.translation import gettext as _

    from .models import WorkbookRun

    return finished_runs(
        WorkbookRun, user=user, started_by="created_by", title=_("Workbook uploads finished in the last 7 days")
    )
