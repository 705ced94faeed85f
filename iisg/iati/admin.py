"""Back office of IATI: the imports (upload a file, follow its progress, read what it did, roll it
back), and the codelists and exchange rates the import reads, shown as they were loaded."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iisg.actions.models import ExchangeRate
from iisg.core.admin import RuleAdmin, ShownNotWritten
from iisg.core.choices import Verb
from iisg.core.jobs.admin import JobAdminMixin
from iisg.core.permissions import can
from iisg.directory.models import Partner

from . import services
from .errors import RollbackRefused
from .forms import ImportForm
from .models import CodelistEntry, ImportRun
from .selectors import import_label, rollback_plan

PROBLEMS_PER_PAGE = 100
CONFLICTS_SHOWN = 100
# What each count of an import's summary (iisg.iati.importer.COUNTS) means, in the order shown.
COUNT_LABELS = {
    "read": gettext_lazy("Activities read"),
    "imported": gettext_lazy("Imported as new actions"),
    "updated": gettext_lazy("Updated"),
    "unchanged": gettext_lazy("Unchanged since the last import"),
    "older": gettext_lazy("Older than the version already imported"),
    "filtered": gettext_lazy("Left out by the country and sector choices"),
    "rejected": gettext_lazy("Rejected"),
    "withdrawn": gettext_lazy("Withdrawn: no longer in the file"),
    "conflicts": gettext_lazy("Identifier conflicts"),
}
# The counts the list of imports shows, when not zero.
SHORT_COUNTS = {
    "imported": gettext_lazy("%(count)s new"),
    "updated": gettext_lazy("%(count)s updated"),
    "unchanged": gettext_lazy("%(count)s unchanged"),
    "rejected": gettext_lazy("%(count)s rejected"),
    "withdrawn": gettext_lazy("%(count)s withdrawn"),
}


class ReadOnlyAdmin(ShownNotWritten, RuleAdmin):
    """Rows that a command loads from the shared data: read here, never typed in."""


@admin.register(CodelistEntry)
class CodelistEntryAdmin(ReadOnlyAdmin):
    list_display = ["codelist", "code", "name", "category", "withdrawn"]
    list_filter = ["codelist", "withdrawn"]
    search_fields = ["code", "name", "codelist"]
    list_per_page = 100


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ["currency", "month", "value"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    date_hierarchy = "month"
    list_per_page = 100


@admin.register(ImportRun)
class ImportRunAdmin(JobAdminMixin, RuleAdmin):
    list_display = ["source_name", "created_by", "created_at", "status", "counts"]
    list_filter = ["status"]
    search_fields = ["source_name", "sha256"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["source_name", "file_size", "sha256", "status", "error"]}),
        (gettext_lazy("What was asked"), {"fields": ["country_names", "sector_prefix_list"]}),
        (gettext_lazy("Record"), {"fields": ["created_by", "created_at", "started_at", "finished_at"]}),
    ]
    rollback_fieldset = (gettext_lazy("Rollback"), {"fields": ["rolled_back_by", "rolled_back_at"]})
    readonly_fields = [
        "source_name",
        "file_size",
        "sha256",
        "status",
        "error",
        "country_names",
        "sector_prefix_list",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "rolled_back_by",
        "rolled_back_at",
    ]
    change_list_template = "admin/iati/importrun/change_list.html"
    change_form_template = "admin/iati/importrun/change_form.html"
    job_prefix = "import"
    job_heading = gettext_lazy("Import")
    job_progress_label = gettext_lazy("Progress of the import")
    job_waiting_text = gettext_lazy("Waiting for the worker to start the import.")
    job_refresh_help = gettext_lazy("The page refreshes by itself while the import runs.")

    # An import is the record of what changed the response mapping: it is read, never edited or
    # deleted. A new one is an upload (add_view).
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.status == ImportRun.Status.ROLLED_BACK:
            return [*fieldsets, self.rollback_fieldset]
        return fieldsets

    @admin.display(description=gettext_lazy("counts"))
    def counts(self, run):
        counts = (run.summary or {}).get("counts")
        if not counts:
            return "—"
        shown = [label % {"count": counts[name]} for name, label in SHORT_COUNTS.items() if counts.get(name)]
        return ", ".join(shown) or _("%(read)s read, nothing imported") % {"read": counts.get("read", 0)}

    @admin.display(description=gettext_lazy("size"))
    def file_size(self, run):
        return filesizeformat(run.size)

    @admin.display(description=gettext_lazy("recipient countries"))
    def country_names(self, run):
        if not run.countries:
            return _("Every country")
        names = {partner.code: partner.display_name for partner in Partner.objects.filter(code__in=run.countries)}
        return ", ".join(names.get(code, code) for code in run.countries)

    @admin.display(description=gettext_lazy("sector codes"))
    def sector_prefix_list(self, run):
        return ", ".join(run.sector_prefixes) if run.sector_prefixes else _("Every sector")

    # Pages

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/rollback/",
                self.admin_site.admin_view(self.rollback_view),
                name=f"{opts.app_label}_{opts.model_name}_rollback",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """The upload page: a checked file becomes a queued import, and the user follows it there."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
        if form.is_bound and form.is_valid():
            run = services.start_import(
                form.cleaned_data["file"],
                countries=form.cleaned_data["countries"],
                sector_prefixes=form.cleaned_data["sector_prefixes"],
                user=request.user,
            )
            self.log_addition(request, run, [{"added": {}}])
            messages.success(request, _("“%(name)s” was uploaded; the import follows.") % {"name": run.source_name})
            return redirect(reverse(f"{self.admin_site.name}:iati_importrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "opts": self.model._meta,
            "title": _("Upload IATI file"),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/iati/importrun/upload.html", context)

    def settled_progress(self, run):
        return {"done": run.size if run.status == ImportRun.Status.DONE else 0, "total": run.size}

    def progress_text(self, state):
        if state["percent"] is None:
            return super().progress_text(state)
        return _("%(phase)s: %(percent)s%% (%(done)s of %(total)s)") % {
            "phase": state["phase_label"],
            "percent": state["percent"],
            "done": filesizeformat(state["done"]),
            "total": filesizeformat(state["total"]),
        }

    def job_context(self, request, run):
        summary = run.summary or {}
        counts = summary.get("counts") or {}
        conflicts = summary.get("conflicts") or []
        return {
            **super().job_context(request, run),
            "refusal": summary.get("refused"),
            "counts": [(COUNT_LABELS.get(name, name), value) for name, value in counts.items()],
            "problems": Paginator(summary.get("problems") or [], PROBLEMS_PER_PAGE).get_page(request.GET.get("page")),
            "conflicts": conflicts[:CONFLICTS_SHOWN],
            "conflicts_count": len(conflicts),
            **self.rollback_context(request, run),
        }

    def rollback_context(self, request, run):
        """The button to roll the run back, only when it may be; else why not, for a done run."""
        if run.status != ImportRun.Status.DONE or not can(request.user, Verb.CHANGE, run):
            return {}
        plan = rollback_plan(run)
        if not plan.allowed:
            return {"rollback_refusals": plan.refusals}
        return {"rollback_url": reverse(f"{self.admin_site.name}:iati_importrun_rollback", args=[run.pk])}

    def rollback_view(self, request, object_id):
        """The confirmation page of a rollback, saying what it will do (or why it may not); posted,
        the rollback itself, and back to the run's page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = self.get_object(request, unquote(object_id))
        if run is None:
            raise Http404
        if not can(request.user, Verb.CHANGE, run):
            raise PermissionDenied
        if request.method == "POST":
            try:
                plan = services.rollback_import(user=request.user, run=run)
            except RollbackRefused as refusal:
                return self.rollback_page(request, run, plan=None, refusals=refusal.reasons)
            self.log_change(request, run, [{"changed": {"fields": ["status"]}}])
            messages.success(
                request,
                _(
                    "The import %(import)s was rolled back: %(created)s actions deleted, %(updated)s put back as "
                    "they were, %(withdrawn)s counted again."
                )
                % {
                    "import": import_label(run),
                    "created": plan.created,
                    "updated": plan.updated,
                    "withdrawn": plan.withdrawn,
                },
            )
            return redirect(reverse(f"{self.admin_site.name}:iati_importrun_change", args=[run.pk]))
        plan = rollback_plan(run)
        return self.rollback_page(request, run, plan=plan, refusals=plan.refusals)

    def rollback_page(self, request, run, *, plan, refusals):
        """The confirmation page: what the rollback does (`plan`), or the `refusals` instead."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": run,
            "title": _("Roll back the import %(import)s") % {"import": import_label(run)},
            "plan": plan,
            "refusals": refusals,
            "change_url": reverse(f"{self.admin_site.name}:iati_importrun_change", args=[run.pk]),
        }
        return TemplateResponse(request, "admin/iati/importrun/rollback.html", context)
