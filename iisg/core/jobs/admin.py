"""The back office of the background jobs: what every job's admin shares. A job's page shows its
status and a progress bar while it is queued or running (admin/jobs/change_form.html, polled by
core/static/core/progress.js through `progress_view`), and the list offers to mark a stuck job failed.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..admin import apply_to_each
from ..choices import Verb
from ..errors import WorkflowError
from ..permissions import can
from . import ACTIVE, JobStatus, fail_stuck, read_progress, stuck_reason


@admin.action(description=gettext_lazy("Mark stuck jobs failed"), permissions=["fail_stuck"])
def fail_stuck_selected(model_admin, request, queryset):
    """Mark each selected job failed when it is stuck (its worker stopped, or no worker takes it);
    a job still at work, or ended, is refused and named."""

    def step(job):
        fail_stuck(job=job, user=request.user)
        job.refresh_from_db()  # the message names it as it now is

    apply_to_each(
        model_admin,
        request,
        queryset,
        step,
        name=str,
        done=lambda job: _("%(job)s was marked failed.") % {"job": job},
        refused=WorkflowError,
    )


class JobAdminMixin:
    """For the admin of a Job model. A concrete admin names its page's element ids (`job_prefix`) and
    its words; it may add to the state of a settled job (`settled_progress`) and word the progress of
    a running one (`progress_text`)."""

    change_form_template = "admin/jobs/change_form.html"
    actions = [fail_stuck_selected]
    job_prefix = "job"
    job_heading = gettext_lazy("Job")
    job_progress_label = gettext_lazy("Progress of the job")
    job_waiting_text = gettext_lazy("Waiting for the worker to start the job.")
    job_refresh_help = gettext_lazy("The page refreshes by itself while the job runs.")

    def has_fail_stuck_permission(self, request):
        return can(request.user, Verb.ADD, self.model)

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name=f"{opts.app_label}_{opts.model_name}_progress",
            ),
            *super().get_urls(),
        ]

    def progress_view(self, request, object_id):
        """Where the job stands, as JSON, for the page's progress bar (core/static/core/progress.js)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = self.get_object(request, unquote(object_id))
        if job is None:
            raise Http404
        return JsonResponse(self.progress_state(job))  # never cached: admin_view sees to it

    def progress_state(self, job):
        """Where `job` stands, for the page and its JSON endpoint alike."""
        state = {
            "status": job.status,
            "status_label": str(job.get_status_display()),
            "finished": job.status not in ACTIVE,
            "phase": "",
            "phase_label": "",
            "done": None,
            "total": None,
            "percent": 100 if job.status == JobStatus.DONE else None,
            **self.settled_progress(job),
        }
        measured = read_progress(job) if job.status == JobStatus.RUNNING else None
        if measured is not None:
            state.update(measured)
        if job.status == JobStatus.QUEUED:
            state["text"] = str(self.job_waiting_text)
        elif job.status == JobStatus.RUNNING:
            state["text"] = self.progress_text(state)
        else:
            state["text"] = state["status_label"]
        return state

    def settled_progress(self, job):
        """What the state of `job` says before any progress is measured (the size of a file)."""
        return {}

    def progress_text(self, state):
        """The progress of a running job in words."""
        return state["phase_label"] or _("Starting")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, unquote(object_id))
        if job is not None and self.has_view_permission(request, job):
            extra_context = {**(extra_context or {}), **self.job_context(request, job)}
        return super().change_view(request, object_id, form_url, extra_context)

    def job_context(self, request, job):
        opts = self.model._meta
        return {
            "job_prefix": self.job_prefix,
            "job_heading": self.job_heading,
            "job_progress_label": self.job_progress_label,
            "job_refresh_help": self.job_refresh_help,
            "job_active": job.status in ACTIVE,
            "job_progress": self.progress_state(job),
            "job_stuck": stuck_reason(job) if self.has_fail_stuck_permission(request) else None,
            "progress_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_progress", args=[job.pk]
            ),
        }
