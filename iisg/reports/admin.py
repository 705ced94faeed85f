"""Back office of the reports for the Board: generate one (it is made in the background), follow it,
download it, and publish it on the materials page once the Board adopted it."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iisg.core.admin import HistoryRuleAdmin
from iisg.core.choices import Verb
from iisg.core.jobs.admin import JobAdminMixin
from iisg.core.permissions import can
from iisg.needs.errors import WorkflowError

from . import services
from .forms import PublishForm, ReportForm
from .models import BoardPack, Report


@admin.register(Report)
class ReportAdmin(JobAdminMixin, HistoryRuleAdmin):
    list_display = [
        "kind",
        "scope",
        "format",
        "status",
        "requested_by",
        "created_at",
        "finished_at",
        "file_size",
        "link",
    ]
    list_filter = ["kind", "format", "status"]
    list_select_related = ["cycle", "pillar", "requested_by", "product_version__product"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["kind", "scope", "format", "status", "error", "link", "file_size", "sha256"]}),
        (
            gettext_lazy("Record"),
            {"fields": ["requested_by", "created_at", "started_at", "finished_at", "published", "board_pack"]},
        ),
    ]
    readonly_fields = [
        "kind",
        "scope",
        "format",
        "status",
        "error",
        "link",
        "file_size",
        "sha256",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "published",
        "board_pack",
    ]
    change_list_template = "admin/reports/report/change_list.html"
    change_form_template = "admin/reports/report/change_form.html"
    job_prefix = "report"
    job_heading = gettext_lazy("Report")
    job_progress_label = gettext_lazy("Progress of the report")
    job_waiting_text = gettext_lazy("Waiting for the worker to start the report.")
    job_refresh_help = gettext_lazy("The page refreshes by itself while the report is generated.")

    @admin.display(description=gettext_lazy("covers"))
    def scope(self, report):
        return report.scope or "—"

    @admin.display(description=gettext_lazy("size"))
    def file_size(self, report):
        return filesizeformat(report.size) if report.size else "—"

    @admin.display(description=gettext_lazy("download"))
    def link(self, report):
        if report.status != Report.Status.DONE or not report.file:
            return "—"
        return format_html('<a href="{}" download>{}</a>', report.get_download_url(), report.filename)

    @admin.display(description=gettext_lazy("published as"))
    def published(self, report):
        version = report.product_version
        if version is None:
            return "—"
        return format_html('<a href="{}">{}</a>', version.product.get_absolute_url(), version)

    @admin.display(description=gettext_lazy("Board pack"))
    def board_pack(self, report):
        pack = getattr(report, "pack", None)
        if pack is None:
            return "—"
        return format_html(
            '<a href="{}" id="report-pack">{}</a> ({})',
            pack.get_absolute_url(),
            _("What changed since the Board adopted it"),
            filesizeformat(pack.size),
        )

    # Pages

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name=f"{opts.app_label}_{opts.model_name}_publish",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """The "Generate a report" page: a valid request becomes a queued report, followed on its page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ReportForm(request.POST) if request.method == "POST" else ReportForm()
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            report = services.request_report(
                user=request.user,
                kind=data["kind"],
                fmt=data["format"],
                cycle=data["cycle"],
                year=data["year"],
                pillar=data["pillar"],
            )
            self.log_addition(request, report, [{"added": {}}])
            messages.success(request, _("“%(report)s” is being generated.") % {"report": report})
            return redirect(reverse(f"{self.admin_site.name}:reports_report_change", args=[report.pk]))
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "opts": self.model._meta,
            "title": _("Generate a report"),
            "form": form,
            "submit_label": _("Generate"),
            "intro": _(
                "The report is computed and written in the background, with your rights: the next page "
                "shows how far it has got and, once it is done, its download."
            ),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/reports/report/form.html", context)

    def job_context(self, request, report):
        return {
            **super().job_context(request, report),
            "publish_url": (
                reverse(f"{self.admin_site.name}:reports_report_publish", args=[report.pk])
                if self.may_publish(request, report)
                else ""
            ),
        }

    def may_publish(self, request, report):
        return (
            can(request.user, Verb.ADD, Report)
            and report.status == Report.Status.DONE
            and report.product_version_id is None
        )

    def publish_view(self, request, object_id):
        """Ask for the Board's decision, then publish the report as an adopted product."""
        if not can(request.user, Verb.ADD, Report):
            raise PermissionDenied
        report = self.get_object(request, unquote(object_id))
        if report is None:
            raise Http404
        form = PublishForm(request.POST) if request.method == "POST" else PublishForm()
        if form.is_bound and form.is_valid():
            try:
                product = services.publish_report(
                    user=request.user,
                    report=report,
                    decision=form.cleaned_data["decision"],
                    title=form.cleaned_data["title"] or None,
                )
            except WorkflowError as refusal:
                form.add_error(getattr(refusal, "field", None), str(refusal))
            else:
                messages.success(
                    request,
                    _("“%(product)s” is published as adopted on the materials page.") % {"product": product},
                )
                return redirect(reverse(f"{self.admin_site.name}:reports_report_change", args=[report.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": report,
            "title": _("Publish “%(report)s” as adopted on the materials page") % {"report": report},
            "form": form,
            "submit_label": _("Publish"),
            "intro": _(
                "A copy of the report's file becomes a new version of an adopted report on the materials "
                "page, where everyone can download it. The copy stays as the Board adopted it, whatever "
                "changes in the data afterwards; the data it was built from is frozen with it as its Board "
                "pack, from which the report can be made again and compared with later data."
            ),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/reports/report/form.html", context)


@admin.register(BoardPack)
class BoardPackAdmin(HistoryRuleAdmin):
    """Board packs, to read: publishing a report makes one (services.publish_report); nobody changes
    or deletes one (rules.BoardPackRule)."""

    list_display = ["report", "created_at", "pack_size", "rows", "changes"]
    list_select_related = ["report__cycle", "report__pillar"]
    date_hierarchy = "created_at"
    fields = ["report", "created_at", "pack_size", "sha256", "format_version", "rows", "tables", "changes"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("size"))
    def pack_size(self, pack):
        return filesizeformat(pack.size)

    @admin.display(description=gettext_lazy("rows"))
    def rows(self, pack):
        return pack.rows

    @admin.display(description=gettext_lazy("what changed since"))
    def changes(self, pack):
        return format_html('<a href="{}">{}</a>', pack.get_absolute_url(), _("What changed since the Board adopted it"))
