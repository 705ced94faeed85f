"""The analysis in the back office: the matcher's step on the needs cycles, and its runs."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Response
from iisg.core.admin import RuleAdmin, ShownNotWritten, report
from iisg.core.choices import Verb
from iisg.core.jobs.admin import JobAdminMixin
from iisg.core.permissions import can
from iisg.needs.admin import CycleAdmin
from iisg.needs.errors import WorkflowError

from .models import MatcherRun
from .services import start_matching

# What each count of a run's summary (services.Proposals) means, in the order shown.
COUNT_LABELS = {
    "needs": _("Needs considered"),
    "proposed": _("Responses proposed"),
    "existing": _("Pairs skipped: already a response (proposed, confirmed or rejected)"),
    "below_threshold": _("Pairs skipped: score below the threshold"),
}


@admin.action(description=_("Propose responses with the matcher"), permissions=["match"])
def propose_responses_selected(model_admin, request, queryset):
    """Start the matcher on each selected cycle (a background job); its proposals then wait in the
    proposed responses for the Secretariat."""
    for cycle in queryset:
        try:
            run = start_matching(cycle=cycle, user=request.user)
        except WorkflowError as error:
            report(model_admin, request, str(cycle), error)
        else:
            model_admin.message_user(
                request,
                format_html(
                    _(
                        "The matcher is proposing responses to the needs of {cycle} in the background: "
                        '<a href="{run}">follow its run</a>, then review them in the '
                        '<a href="{url}">proposed responses</a> when it is done.'
                    ),
                    cycle=cycle,
                    run=reverse("admin:analysis_matcherrun_change", args=[run.pk]),
                    url=proposed_responses_url(cycle),
                ),
                messages.SUCCESS,
            )


def proposed_responses_url(cycle):
    query = urlencode({"status__exact": ResponseStatus.PROPOSED, "need__cycle__id__exact": cycle.pk})
    return f"{reverse('admin:actions_response_changelist')}?{query}"


def has_match_permission(model_admin, request):
    return can(request.user, Verb.REVIEW, Response)


# The cycles' admin belongs to the needs app, which knows nothing of the analysis: the step is added
# to it from here.
CycleAdmin.actions = [*CycleAdmin.actions, propose_responses_selected]
CycleAdmin.has_match_permission = has_match_permission


@admin.register(MatcherRun)
class MatcherRunAdmin(ShownNotWritten, JobAdminMixin, RuleAdmin):
    """The runs of the matcher: who started it on which cycle, how far it got and what it proposed.
    A run is started from the cycles' list and is the record of what the matcher did: read, never
    edited or deleted."""

    list_display = ["cycle", "created_by", "created_at", "status", "counts"]
    list_filter = ["status"]
    list_select_related = ["cycle", "created_by"]
    date_hierarchy = "created_at"
    fields = ["cycle", "status", "error", "created_by", "created_at", "started_at", "finished_at", "worker"]
    readonly_fields = fields
    change_form_template = "admin/analysis/matcherrun/change_form.html"
    job_prefix = "matcher"
    job_heading = _("Matcher")
    job_progress_label = _("Progress of the matcher")
    job_waiting_text = _("Waiting for the worker to start the matcher.")
    job_refresh_help = _("The page refreshes by itself while the matcher runs.")

    @admin.display(description=_("counts"))
    def counts(self, run):
        if not run.summary:
            return "—"
        return _("%(proposed)s proposed for %(needs)s needs") % run.summary

    def job_context(self, request, run):
        return {
            **super().job_context(request, run),
            "counts": [(COUNT_LABELS.get(name, name), value) for name, value in (run.summary or {}).items()],
            "responses_url": proposed_responses_url(run.cycle) if run.status == MatcherRun.Status.DONE else "",
        }
