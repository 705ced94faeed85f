"""The analysis in the back office: the matcher's step on the needs cycles, and its runs; the DAC
sectors suggested on a need's page; the data-quality alerts and their silences, read here and
decided on the "Data quality" page."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Response
from iisg.core.admin import HistoryRuleAdmin, RuleAdmin, ShownNotWritten, ask_for_input, report
from iisg.core.choices import Verb
from iisg.core.jobs.admin import JobAdminMixin
from iisg.core.permissions import can
from iisg.needs.admin import CycleAdmin, NeedAdmin
from iisg.needs.errors import WorkflowError

from .forms import RejectBelowForm, ReviewProposalsForm, StartMatcherForm
from .models import Alert, MatcherRun, SilencedAlert
from .sectors import suggestions_for_need
from .selectors.runs import proposal_counts, undecided_proposals
from .services import (
    confirm_proposals,
    refuse_matching,
    reject_proposals,
    reject_proposals_below,
    start_matching,
)

# Proposals per page of a run's review list: a fixed number of queries however many.
REVIEW_PAGE_SIZE = 100

# What each count of a run's summary (services.Proposals) means, in the order shown.
COUNT_LABELS = {
    "needs": _("Needs considered"),
    "proposed": _("Responses proposed"),
    "existing": _("Pairs skipped: already a response (proposed, confirmed or rejected)"),
    "below_threshold": _("Pairs skipped: score below the threshold"),
}


@admin.action(description=_("Propose responses with the matcher"), permissions=["match"])
def propose_responses_selected(model_admin, request, queryset):
    """Ask for the score floor, then start the matcher on each selected cycle (a background job);
    with one cycle, land on its run's page, which follows the run and then leads to its proposals.
    A cycle the matcher cannot take is refused before anything is asked."""
    cycles = []
    for cycle in queryset:
        try:
            refuse_matching(cycle=cycle, user=request.user)
        except WorkflowError as error:
            report(model_admin, request, str(cycle), error)
        else:
            cycles.append(cycle)
    if not cycles:
        return None
    data, page = ask_for_input(
        model_admin,
        request,
        cycles,
        form_class=StartMatcherForm,
        title=_("Propose responses with the matcher"),
        intro=_(
            "The matcher ranks the actions for each validated, proposed or adopted need of these cycles in "
            "the background and proposes the best as responses, for you to confirm or reject."
        ),
        submit_label=_("Start the matcher"),
    )
    if page is not None:
        return page
    runs = []
    for cycle in cycles:
        try:
            run = start_matching(cycle=cycle, user=request.user, min_score=data["min_score"])
        except WorkflowError as error:
            report(model_admin, request, str(cycle), error)
        else:
            runs.append(run)
            model_admin.message_user(
                request,
                format_html(
                    _(
                        "The matcher has started on {cycle} in the background: "
                        '<a href="{run}">its run</a> shows how far it got, then the proposals to review.'
                    ),
                    cycle=cycle,
                    run=run_url(run),
                ),
                messages.SUCCESS,
            )
    if len(runs) == 1:
        return HttpResponseRedirect(run_url(runs[0]))
    return None


def run_url(run):
    return reverse("admin:analysis_matcherrun_change", args=[run.pk])


def proposed_responses_url(cycle):
    query = urlencode({"status__exact": ResponseStatus.PROPOSED, "need__cycle__id__exact": cycle.pk})
    return f"{reverse('admin:actions_response_changelist')}?{query}"


def has_match_permission(model_admin, request):
    return can(request.user, Verb.REVIEW, Response)


# The cycles' admin belongs to the needs app, which knows nothing of the analysis: the step is added
# to it from here.
CycleAdmin.actions = [*CycleAdmin.actions, propose_responses_selected]
CycleAdmin.has_match_permission = has_match_permission
# Likewise the DAC sectors suggested on a need's page.
NeedAdmin.suggested_sectors = staticmethod(suggestions_for_need)


@admin.register(MatcherRun)
class MatcherRunAdmin(ShownNotWritten, JobAdminMixin, RuleAdmin):
    """The runs of the matcher: who started it on which cycle, how far it got and what it proposed.
    A run is started from the cycles' list and is the record of what the matcher did: read, never
    edited or deleted."""

    list_display = ["cycle", "created_by", "created_at", "status", "counts"]
    list_filter = ["status"]
    list_select_related = ["cycle", "created_by"]
    date_hierarchy = "created_at"
    fields = [
        "cycle",
        "status",
        "error",
        "min_score",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "worker",
    ]
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
        done = run.status == MatcherRun.Status.DONE
        return {
            **super().job_context(request, run),
            "counts": [(COUNT_LABELS.get(name, name), value) for name, value in (run.summary or {}).items()],
            "responses_url": proposed_responses_url(run.cycle) if done else "",
            "proposal_counts": proposal_counts(run) if done else None,
            "review_url": review_url(run) if done and self.has_review_permission(request) else "",
        }

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name=f"{opts.app_label}_{opts.model_name}_review",
            ),
            *super().get_urls(),
        ]

    def has_review_permission(self, request):
        return can(request.user, Verb.REVIEW, Response)

    def review_view(self, request, object_id):
        """The proposals of a run still undecided, highest score first, a page at a time: the
        Secretariat confirms or rejects the selected ones, or rejects all below a score, each batch
        all or nothing (services.confirm_proposals, reject_proposals, reject_proposals_below)."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        run = self.get_object(request, unquote(object_id))
        if run is None:
            raise Http404
        proposals = undecided_proposals(run)
        posted = request.POST if request.method == "POST" else None
        below = posted is not None and posted.get("decision") == "reject_below"
        review_form = ReviewProposalsForm(None if below else posted, proposals=proposals)
        below_form = RejectBelowForm(posted if below else None, prefix="below")
        form = below_form if below else review_form
        if form.is_bound and form.is_valid():
            try:
                count, message = self.decide(request, run, form)
            except WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, message, messages.SUCCESS if count else messages.WARNING)
                return HttpResponseRedirect(request.get_full_path())
        page = Paginator(proposals, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Review the proposals of %(run)s") % {"run": run},
            "run": run,
            "run_url": run_url(run),
            "page": page,
            "review_form": review_form,
            "below_form": below_form,
            "selected": {str(pk) for pk in review_form["responses"].value() or []},
        }
        return TemplateResponse(request, "admin/analysis/matcherrun/review.html", context)

    def decide(self, request, run, form):
        """Take the decision of the valid `form` through the services; answers how many proposals it
        decided, and the message saying so."""
        data, user = form.cleaned_data, request.user
        if isinstance(form, RejectBelowForm):
            count = reject_proposals_below(user=user, run=run, score=data["score"], comment=data["comment"])
            if not count:
                return 0, _("No undecided proposal scores below %(score)s.") % {"score": data["score"]}
            text = ngettext(
                "%(count)s proposal scoring below %(score)s rejected.",
                "%(count)s proposals scoring below %(score)s rejected.",
                count,
            )
            return count, text % {"count": count, "score": data["score"]}
        if data["decision"] == ReviewProposalsForm.CONFIRM:
            count = confirm_proposals(user=user, run=run, responses=data["responses"], comment=data["comment"])
            text = ngettext("%(count)s proposal confirmed.", "%(count)s proposals confirmed.", count)
        else:
            count = reject_proposals(user=user, run=run, responses=data["responses"], comment=data["comment"])
            text = ngettext("%(count)s proposal rejected.", "%(count)s proposals rejected.", count)
        return count, text % {"count": count}


def review_url(run):
    return reverse("admin:analysis_matcherrun_review", args=[run.pk])


@admin.register(Alert)
class AlertAdmin(ShownNotWritten, RuleAdmin):
    """What the last run of the data-quality rules found: written by the job worker only."""

    list_display = ["rule", "label", "reason", "found_at"]
    list_filter = ["rule"]
    search_fields = ["label", "reason"]
    fields = ["rule", "label", "reason", "fix_url", "found_at"]
    readonly_fields = fields


@admin.register(SilencedAlert)
class SilencedAlertAdmin(ShownNotWritten, HistoryRuleAdmin):
    """The alerts the Secretariat silenced, with why and its history: silenced and shown again on
    the "Data quality" page (alerts.silence_alert, unsilence_alert)."""

    list_display = ["rule", "content_type", "object_id", "reason", "silenced_by", "silenced_at"]
    list_filter = ["rule"]
    list_select_related = ["content_type", "silenced_by"]
    fields = ["rule", "content_type", "object_id", "reason", "silenced_by", "silenced_at"]
    readonly_fields = fields
