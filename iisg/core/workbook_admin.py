"""The Excel workbook pages of the back office: download, upload with its report, annotated copy.

A model admin gets them by taking a subclass of `WorkbookAdminMixin` among its bases; the subclass
(in the app's `workbook_admin.py`) says which form chooses the cycle and which functions build and
read the workbook. Who may use the pages is `may_upload` (workbook/jobs.py): those who may add the
rows the workbook writes.

The annotated copy of a refused upload is kept as a private document (DocumentStorage, outside the
media) under a random name, for REPORT_LIFETIME, and handed out only to the session that uploaded
it: a file, not the session, because it can weigh megabytes; storage shared by the web workers,
not the memory of one, so any worker can serve the link.

A workbook with more than WORKBOOK_BACKGROUND_ROWS data rows is not checked in the request: it is
queued as a WorkbookRun (iisg.core.workbook.jobs) and the upload leads to the run's page, where a
progress bar follows the job and then shows what the upload page would have shown. A run is seen by
who uploaded it and by the Secretariat; its annotated copy is handed to its uploader only.
"""

import os
import secrets
import time

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .admin import RuleAdmin, ShownNotWritten
from .jobs.admin import JobAdminMixin
from .models import WorkbookRun
from .storage import document_storage
from .workbook import XLSX_CONTENT_TYPE, Outcome, WorkbookRejected, annotate, check_size
from .workbook.jobs import UPLOADS, count_rows, goes_to_background, may_upload, start_run

REPORT_FOLDER = "workbook-reports"
REPORT_LIFETIME = 60 * 60  # seconds
SESSION_KEY = "iisg_workbook_reports"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text=gettext_lazy("The .xlsx workbook downloaded here, filled in."),
    )


def store_report(request, data):
    """Keep an annotated workbook for this session; answer its token."""
    storage = document_storage()
    _sweep(storage)
    token = secrets.token_urlsafe(16)
    storage.save(f"{REPORT_FOLDER}/{token}.xlsx", ContentFile(data))
    reports = request.session.get(SESSION_KEY, {})
    now = time.time()
    reports = {key: stamp for key, stamp in reports.items() if now - stamp < REPORT_LIFETIME}
    reports[token] = now
    request.session[SESSION_KEY] = reports
    return token


def _sweep(storage):
    """Delete the annotated workbooks older than REPORT_LIFETIME."""
    try:
        _folders, files = storage.listdir(REPORT_FOLDER)
    except FileNotFoundError:
        return
    limit = time.time() - REPORT_LIFETIME
    for name in files:
        full = f"{REPORT_FOLDER}/{name}"
        try:
            if os.path.getmtime(storage.path(full)) < limit:
                storage.delete(full)
        except FileNotFoundError:
            continue  # another worker swept it


class WorkbookAdminMixin:
    """Download and upload pages for a model admin's workbook, linked from its change list."""

    change_list_template = "admin/workbook/change_list.html"
    workbook_title = ""
    workbook_name = ""  # the name its upload function is registered under (iisg.core.workbook.jobs)
    choice_form = None  # a form whose cleaned data are the keyword arguments of build/upload

    def build_workbook(self, request, **choices):
        raise NotImplementedError

    def workbook_filename(self, **choices):
        raise NotImplementedError

    # URLs and links

    def _workbook_url_name(self, view):
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_workbook_{view}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("workbook/download/", wrap(self.workbook_download_view), name=self._workbook_url_name("download")),
            path("workbook/upload/", wrap(self.workbook_upload_view), name=self._workbook_url_name("upload")),
            path(
                "workbook/annotated/<str:token>/",
                wrap(self.workbook_annotated_view),
                name=self._workbook_url_name("annotated"),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        opts = self.model._meta
        # The links go into whichever change list the admin would have used (the app may have its own).
        base = select_template(
            [
                f"admin/{opts.app_label}/{opts.model_name}/change_list.html",
                f"admin/{opts.app_label}/change_list.html",
                "admin/change_list.html",
            ]
        )
        extra_context = {**(extra_context or {}), "workbook_base_template": base.template}
        if self.may_use_workbook(request):
            extra_context["workbook_urls"] = {
                view: reverse(f"{self.admin_site.name}:{self._workbook_url_name(view)}")
                for view in ("download", "upload")
            }
        return super().changelist_view(request, extra_context)

    def may_use_workbook(self, request):
        return may_upload(request.user, self.workbook_name)

    def _check(self, request):
        if not self.may_use_workbook(request):
            raise PermissionDenied(_("You are not allowed to do this."))

    # Views

    def _render(self, request, title, context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "workbook_title": self.workbook_title,
            "back_url": reverse(
                f"{self.admin_site.name}:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist"
            ),
            "back_name": self.model._meta.verbose_name_plural,
            **context,
        }
        return TemplateResponse(request, "admin/workbook/page.html", context)

    def workbook_download_view(self, request):
        self._check(request)
        form = self.choice_form(request.GET if "cycle" in request.GET else None, user=request.user)
        if form.is_bound and form.is_valid():
            data = self.build_workbook(request, **form.cleaned_data)
            response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
            filename = self.workbook_filename(**form.cleaned_data)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return self._render(
            request, _("Download workbook"), {"form": form, "method": "get", "submit": _("Download workbook")}
        )

    def workbook_upload_view(self, request):
        self._check(request)
        upload_form_class = type("WorkbookUploadForm", (self.choice_form, UploadForm), {})
        if request.method != "POST":
            form = upload_form_class(user=request.user)
            return self._render(request, _("Upload workbook"), {"form": form, "method": "post", "upload": True})
        form = upload_form_class(request.POST, request.FILES, user=request.user)
        context = {"form": form, "method": "post", "upload": True}
        if not form.is_valid():
            return self._render(request, _("Upload workbook"), context)
        choices = {key: value for key, value in form.cleaned_data.items() if key != "file"}
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size)  # by the size alone, before anything reads the file
            data = upload.read()
            registered = UPLOADS[self.workbook_name]
            rows = count_rows(data, registered.sheets)
            if goes_to_background(rows):
                run = start_run(
                    user=request.user,
                    workbook=self.workbook_name,
                    choices=choices,
                    name=upload.name,
                    data=data,
                    rows=rows,
                )
                return HttpResponseRedirect(reverse(f"{self.admin_site.name}:core_workbookrun_change", args=[run.pk]))
            outcome = registered.function(user=request.user, data=data, **choices)
        except WorkbookRejected as rejection:
            form.add_error("file", rejection.message)
            return self._render(request, _("Upload workbook"), context)
        context["outcome"] = outcome
        if outcome.ok:
            messages.success(
                request,
                _("The workbook was applied: %(added)s added, %(changed)s changed, %(unchanged)s unchanged.")
                % {"added": outcome.added, "changed": outcome.changed, "unchanged": outcome.unchanged},
            )
        else:
            annotated = annotate(data, outcome.problems)
            if annotated is not None:
                token = store_report(request, annotated)
                context["annotated_url"] = reverse(
                    f"{self.admin_site.name}:{self._workbook_url_name('annotated')}", args=[token]
                )
        return self._render(request, _("Upload workbook"), context)

    def workbook_annotated_view(self, request, token):
        self._check(request)
        if token not in request.session.get(SESSION_KEY, {}):
            raise Http404
        storage = document_storage()
        name = f"{REPORT_FOLDER}/{token}.xlsx"
        if not storage.exists(name):
            raise Http404
        filename = f"{slugify(self.workbook_title) or 'workbook'}-errors.xlsx"
        return FileResponse(storage.open(name), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


@admin.register(WorkbookRun)
class WorkbookRunAdmin(ShownNotWritten, JobAdminMixin, RuleAdmin):
    """The workbooks checked in the background: who uploaded which, how far the check got and what
    came of it. A run is started by the upload page and is the record of what the upload did: read,
    never edited or deleted."""

    list_display = ["source_name", "workbook", "created_by", "created_at", "rows", "status"]
    list_filter = ["status", "workbook"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    fields = [
        "source_name",
        "workbook",
        "rows",
        "size",
        "status",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/workbook/run_change_form.html"
    job_prefix = "workbook"
    job_heading = gettext_lazy("Check of the workbook")
    job_progress_label = gettext_lazy("Progress of the check")
    job_waiting_text = gettext_lazy("Waiting for the worker to start checking the workbook.")
    job_refresh_help = gettext_lazy("The page refreshes by itself while the workbook is checked.")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/annotated/",
                self.admin_site.admin_view(self.annotated_view),
                name="core_workbookrun_annotated",
            ),
            *super().get_urls(),
        ]

    def progress_state(self, job):
        state = super().progress_state(job)
        if job.status == WorkbookRun.Status.RUNNING and state["phase_label"]:
            state["text"] = _("%(phase)s: %(rows)s rows") % {"phase": state["phase_label"], "rows": f"{job.rows:,}"}
        return state

    def job_context(self, request, run):
        context = super().job_context(request, run)
        if run.status == WorkbookRun.Status.DONE:
            context["outcome"] = Outcome(added=run.added, changed=run.changed, unchanged=run.unchanged)
        elif run.problems:
            context["outcome"] = Outcome(problems=run.problems)
            if run.annotated_name and run.created_by_id == request.user.pk:
                context["annotated_url"] = reverse(f"{self.admin_site.name}:core_workbookrun_annotated", args=[run.pk])
        return context

    def annotated_view(self, request, object_id):
        """The workbook of a refused run with its errors marked, for who uploaded it only."""
        run = self.get_object(request, unquote(object_id))
        if run is None or run.created_by_id != request.user.pk or not run.annotated_name:
            raise Http404
        storage = document_storage()
        if not storage.exists(run.annotated_name):
            raise Http404
        stem = run.source_name.rsplit(".", 1)[0]
        return FileResponse(
            storage.open(run.annotated_name),
            as_attachment=True,
            filename=f"{slugify(stem) or 'workbook'}-errors.xlsx",
            content_type=XLSX_CONTENT_TYPE,
        )
