"""Back office of the needs mapping: cycles with their thematic areas, and the needs of the partners."""

import io

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.styles import Font

from iisg.actions.admin import ResponsesOfNeedInline
from iisg.core.admin import (
    DeletedThroughService,
    HistoryRuleAdmin,
    RuleAdmin,
    RuleTabularInline,
    VersionedAdminMixin,
    apply_to_each,
    ask_for_comment,
    refused_as_forbidden,
    report,
)
from iisg.core.choices import Verb
from iisg.core.permissions import can
from iisg.core.spreadsheet import write_cell
from iisg.core.workbook import XLSX_CONTENT_TYPE
from iisg.directory.models import KOSOVO_FOOTNOTE, Partner
from iisg.iati import codelists

from . import selectors, services
from .choices import CycleKind, CycleStatus
from .errors import NotAllowed, WorkflowError
from .forms import AdoptCycleForm, OpenCycleForm
from .models import Area, Cycle, Need, NeedSector
from .workbook_admin import NeedWorkbookAdmin


class AreaInline(RuleTabularInline):
    model = Area
    fields = ["pillar", "code", "name", "parent"]
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pillar")


@admin.register(Cycle)
class CycleAdmin(HistoryRuleAdmin):
    list_display = [
        "__str__",
        "status",
        "opens_on",
        "closes_on",
        "review_closes_on",
        "adopted_by",
        "need_count",
        "progress_link",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["first_year", "last_year"]
    ordering = Cycle._meta.ordering  # explicit: the counted rows are grouped, which drops Meta.ordering
    list_select_related = ["adopted_by__meeting__event"]
    # The status and the adoption move by the workflow steps (open, close for review, adopt), never
    # by editing the form.
    readonly_fields = ["status", "adopted_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["kind", ("first_year", "last_year"), "status"]}),
        (_("Calendar"), {"fields": [("opens_on", "closes_on", "review_closes_on")]}),
        (_("Adoption"), {"fields": ["adopted_by"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [AreaInline]
    # Other apps add their steps on cycles here (iisg.analysis.admin: the matcher).
    actions = ["close_for_review_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(need_count=Count("needs", distinct=True))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # The kind and the period name a cycle: another period is another cycle.
        return [*fields, "kind", "first_year", "last_year"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        refused_as_forbidden(lambda: self.write(request, obj, form, change))

    def write(self, request, obj, form, change):
        """A new cycle is opened by its step (a needs mapping with the areas of the last one); a
        change changes its calendar."""
        dates = {name: form.cleaned_data.get(name) for name in services.CYCLE_EDITABLE_FIELDS}
        if change:
            services.update_cycle(user=request.user, cycle=obj, changes=dates)
            return
        if obj.kind == CycleKind.NEEDS:
            opened = services.open_cycle(user=request.user, first_year=obj.first_year, last_year=obj.last_year, **dates)
        else:
            opened = services.open_response_cycle(user=request.user, year=obj.first_year, **dates)
        obj.pk, obj.status = opened.pk, opened.status
        obj._state.adding = False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("open/", view(self.open_view), name="needs_cycle_open"),
            path("<path:object_id>/adopt/", view(self.adopt_view), name="needs_cycle_adopt"),
            path("<path:object_id>/progress/", view(self.progress_view), name="needs_cycle_progress"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_open_cycle": can(request.user, Verb.ADD, Cycle)}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        cycle = self.get_object(request, unquote(object_id))
        may_adopt = (
            cycle is not None
            and cycle.kind == CycleKind.NEEDS
            and cycle.status in (CycleStatus.OPEN, CycleStatus.IN_REVIEW)
            and can(request.user, Verb.CHANGE, cycle)
        )
        extra_context = {
            **(extra_context or {}),
            "may_adopt": may_adopt,
            "shows_progress": cycle is not None and cycle.kind == CycleKind.NEEDS,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def open_view(self, request):
        """Open the next needs cycle, with the areas of an earlier one (services.open_cycle)."""
        if not can(request.user, Verb.ADD, Cycle):
            raise PermissionDenied
        latest = Cycle.objects.needs_mapping().latest_first().first()
        initial = {}
        if latest is not None:
            span = latest.last_year - latest.first_year
            initial = {"first_year": latest.last_year + 1, "last_year": latest.last_year + 1 + span}
        form = OpenCycleForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                cycle = services.open_cycle(user=request.user, **form.cleaned_data)
            except (WorkflowError, ValidationError) as error:
                form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
            else:
                self.message_user(
                    request,
                    _("%(cycle)s is open, with %(count)d areas copied.")
                    % {"cycle": cycle, "count": cycle.areas.count()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:needs_cycle_change", args=[cycle.pk]))
        return self.workflow_page(request, "admin/needs/cycle/open.html", _("Open the next needs cycle"), form=form)

    def adopt_view(self, request, object_id):
        """Record the Board's adoption of a needs cycle (services.adopt_cycle)."""
        cycle = self.get_object(request, unquote(object_id))
        if cycle is None:
            raise Http404
        if not can(request.user, Verb.CHANGE, cycle):
            raise PermissionDenied
        form = AdoptCycleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.adopt_cycle(user=request.user, cycle=cycle, **form.cleaned_data)
            except WorkflowError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request, _("%(cycle)s is adopted; its needs are frozen.") % {"cycle": cycle}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:needs_cycle_change", args=[cycle.pk]))
        statuses = selectors.status_counts(cycle)
        return self.workflow_page(
            request,
            "admin/needs/cycle/adopt.html",
            _("Record the Board adoption of %(cycle)s") % {"cycle": cycle},
            form=form,
            cycle=cycle,
            statuses=statuses,
        )

    def progress_view(self, request, object_id):
        """Where a needs cycle stands, partner × pillar (selectors.cycle_progress), as the viewer may
        see it; `?format=xlsx` downloads the same table."""
        cycle = self.get_object(request, unquote(object_id))
        if cycle is None or cycle.kind != CycleKind.NEEDS:
            raise Http404
        if not can(request.user, Verb.VIEW, cycle):
            raise PermissionDenied
        progress = selectors.cycle_progress(cycle, user=request.user)
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(progress_workbook(progress), content_type=XLSX_CONTENT_TYPE)
            filename = f"progress-{cycle.first_year}-{cycle.last_year}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return self.workflow_page(
            request,
            "admin/needs/cycle/progress.html",
            _("Progress of %(cycle)s") % {"cycle": cycle},
            cycle=cycle,
            progress=progress,
        )

    def workflow_page(self, request, template, title, **context):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **context}
        return TemplateResponse(request, template, context)

    def has_review_permission(self, request):
        return can(request.user, Verb.CHANGE, Cycle)

    @admin.action(description=_("Close selected cycles for review"), permissions=["review"])
    def close_for_review_selected(self, request, queryset):
        for cycle in queryset:
            try:
                services.close_cycle_for_review(user=request.user, cycle=cycle)
            except WorkflowError as error:
                report(self, request, str(cycle), error)
            else:
                self.message_user(request, _("%(cycle)s is closed for review.") % {"cycle": cycle}, messages.SUCCESS)

    @admin.display(description=_("needs"), ordering="need_count")
    def need_count(self, obj):
        return obj.need_count

    @admin.display(description=_("progress"))
    def progress_link(self, obj):
        if obj.kind != CycleKind.NEEDS:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("admin:needs_cycle_progress", args=[obj.pk]), _("Progress"))


def progress_workbook(progress):
    """The progress table of a cycle as an XLSX workbook: a row per partner and pillar with the
    needs counted by status, the totals, and a Notes sheet with the deadlines and the footnote.
    Every cell goes through iisg.core.spreadsheet.write_cell: text is text, never a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Progress"))[:31]
    header = [_("Partner"), _("Pillar"), *(label for value, label in progress.statuses), _("Total"), _("Not started")]
    for column, label in enumerate(header, start=1):
        write_cell(sheet, 1, column, str(label)).font = Font(bold=True)
    lines = [
        [row.partner.display_name, row.pillar.acronym, *row.in_order(), row.total, _("yes") if row.not_started else ""]
        for row in progress.rows
    ]
    lines.append([_("Total"), "", *progress.totals, progress.total, len(progress.not_started)])
    for number, line in enumerate(lines, start=2):
        for column, value in enumerate(line, start=1):
            write_cell(sheet, number, column, value if isinstance(value, int) else str(value))
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 26
    notes = workbook.create_sheet(str(_("Notes")))
    notes.column_dimensions["A"].width = 120
    cycle = progress.cycle
    note_lines = [
        _("Progress of %(cycle)s") % {"cycle": cycle},
        _("Submission deadline: %(date)s") % {"date": cycle.closes_on or _("none")},
        _("Review deadline: %(date)s") % {"date": cycle.review_closes_on or _("none")},
        _("Counted on %(date)s from the needs you may see.") % {"date": progress.today},
    ]
    if any(row.partner.has_designation_footnote for row in progress.rows):
        note_lines.append(KOSOVO_FOOTNOTE)
    for number, line in enumerate(note_lines, start=1):
        write_cell(notes, number, 1, str(line))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@admin.register(Area)
class AreaAdmin(RuleAdmin):
    list_display = ["code", "name", "pillar", "cycle", "parent"]
    list_filter = ["cycle", "pillar"]
    search_fields = ["code", "name", "description"]
    list_select_related = ["cycle", "pillar", "parent__pillar"]
    autocomplete_fields = ["parent"]
    fieldsets = [(None, {"fields": ["cycle", "pillar", "parent", "code", "name", "description"]})]


# The buttons of a need's page (selectors.need_steps): label, service and what is said once done.
NEED_STEPS = {
    selectors.SUBMIT: (_("Submit for review"), services.submit_need, _("%(reference)s is submitted.")),
    selectors.VALIDATE: (_("Validate"), services.validate_need, _("%(reference)s is validated.")),
    selectors.RETURN: (_("Return with the comment"), services.return_need, _("%(reference)s is returned.")),
    selectors.PROPOSE: (
        _("Record the Support Group's proposal"),
        services.propose_need,
        _("%(reference)s is proposed by the Support Group."),
    ),
    selectors.REJECT: (_("Reject with the comment"), services.reject_need, _("%(reference)s is rejected.")),
}


@admin.register(Need)
class NeedAdmin(DeletedThroughService, VersionedAdminMixin, NeedWorkbookAdmin, HistoryRuleAdmin):
    """Needs, written only through iisg.needs.services: the form's changes by update_need, a new need
    by create_need, a deletion by delete_need, and every move of the status by its workflow step
    (the actions of the list, the buttons of a need's page), never by editing the form."""

    list_display = ["reference", "title", "partner", "pillar", "priority", "status", "cycle", "response_count"]
    list_filter = [
        ("cycle", admin.RelatedOnlyFieldListFilter),
        "partner",
        "pillar",
        "priority",
        "status",
        "need_type",
        "perspective",
    ]
    search_fields = ["reference", "title", "description"]
    ordering = Need._meta.ordering  # explicit: the counted rows are grouped, which drops Meta.ordering
    list_select_related = ["cycle", "partner", "pillar"]
    autocomplete_fields = ["area", "responsible_institution"]
    readonly_fields = ["status", "review_comment", "carried_over_from", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["cycle", "partner", "pillar", "area", "reference", "title"]}),
        (
            _("The need"),
            {
                "fields": [
                    "description",
                    ("need_type", "perspective"),
                    "priority",
                    "justification",
                    "responsible_institution",
                ]
            },
        ),
        (_("Review"), {"fields": ["status", "review_comment", "carried_over_from"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [ResponsesOfNeedInline]
    # The DAC sectors suggested for a need on its page: need → [(Suggestion, name)], set by
    # iisg.analysis.admin (iisg.analysis.sectors), which knows the actions they are learnt from.
    suggested_sectors = None
    actions = ["submit_selected", "validate_selected", "return_selected", "reject_selected", "propose_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(response_count=Count("responses", distinct=True))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("carry-over/", view(self.carry_over_view), name="needs_need_carry_over"),
            path("<path:object_id>/step/", view(self.step_view), name="needs_need_step"),
            path("<path:object_id>/sectors/", view(self.sectors_view), name="needs_need_sectors"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        need = self.get_object(request, unquote(object_id))
        steps = selectors.need_steps(request.user, need) if need is not None else []
        extra_context = {
            **(extra_context or {}),
            "need_steps": [(step, NEED_STEPS[step][0]) for step in steps],
            **(self.sectors_context(request, need) if need is not None else {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def sectors_context(self, request, need):
        """The need's DAC sectors with their names and, for whoever may change them, the suggestions."""
        accepted = list(need.sectors.values_list("code", flat=True))
        names = codelists.names(codelists.SECTOR_CODELIST)
        may_change = can(request.user, Verb.ADD, NeedSector(need=need))
        suggested = self.suggested_sectors(need) if may_change and self.suggested_sectors else []
        return {
            "need_sectors": [(code, names.get(code, "")) for code in accepted],
            "may_change_sectors": may_change,
            "sector_suggestions": suggested,
        }

    def sectors_view(self, request, object_id):
        """Accept a suggested DAC sector for a need, or remove one, from the need's page: the service
        decides, and its refusal is shown as a message on the page."""
        need = self.get_object(request, unquote(object_id))
        if need is None:
            raise Http404
        change_url = reverse("admin:needs_need_change", args=[need.pk]) + "#need-sectors"
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        if "accept" in request.POST:
            service, code, done = services.accept_sector, request.POST["accept"], _("Sector %(code)s accepted.")
        elif "remove" in request.POST:
            service, code, done = services.remove_sector, request.POST["remove"], _("Sector %(code)s removed.")
        else:
            raise Http404
        try:
            service(user=request.user, need=need, code=code)
        except NotAllowed:
            raise
        except WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, done % {"code": code}, messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def step_view(self, request, object_id):
        """Take one review step on a need from the buttons of its page: the service of the step
        decides, and its refusal is shown as a message on the page."""
        need = self.get_object(request, unquote(object_id))
        if need is None:
            raise Http404
        change_url = reverse("admin:needs_need_change", args=[need.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        if request.POST.get("step") not in NEED_STEPS:
            raise Http404
        _label, service, done = NEED_STEPS[request.POST["step"]]
        try:
            service(user=request.user, need=need, comment=request.POST.get("comment", ""))
        except NotAllowed:
            # No button offered it: a forged post is answered 403 (NotAllowed is a PermissionDenied).
            raise
        except WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, done % {"reference": need.reference}, messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_carry_over": bool(self.open_scopes(request))}
        return super().changelist_view(request, extra_context)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            # A new need is a draft; its review starts when it is submitted.
            return [(name, options) for name, options in self.fieldsets if name not in (_("Review"), _("Record"))]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # The cycle and the reference name the need; moving it is a new need.
            fields += ["cycle", "reference"]
        return fields

    # Writes: the services decide and record; the form only gathers the values.

    def save_model(self, request, obj, form, change):
        refused_as_forbidden(lambda: self.write(request, obj, form, change))

    def write(self, request, obj, form, change):
        if change:
            # Every editable value of the form, not only those it thinks changed: reverting to an
            # old version on the history page starts the form from that version.
            editable = [name for name in services.EDITABLE_FIELDS if name in form.cleaned_data]
            changes = {name: form.cleaned_data[name] for name in editable}
            saved = services.update_need(
                user=request.user, need=obj, changes=changes, version=form.cleaned_data["version"]
            )
            obj.version = saved.version
        else:
            services.create_need(user=request.user, need=obj)

    def delete_through_service(self, request, obj):
        services.delete_need(user=request.user, need=obj)

    # The review, one need at a time: each need is reported, done or refused with the reason.

    def has_submit_permission(self, request):
        return can(request.user, Verb.CHANGE, Need)

    def has_review_permission(self, request):
        return can(request.user, Verb.REVIEW, Need)

    def _each(self, request, queryset, service, done, **kwargs):
        apply_to_each(
            self,
            request,
            queryset,
            lambda need: service(user=request.user, need=need, **kwargs),
            name=lambda need: need.reference,
            done=lambda need: done % {"reference": need.reference},
            refused=WorkflowError,
        )

    @admin.action(description=_("Submit selected needs"), permissions=["submit"])
    def submit_selected(self, request, queryset):
        self._each(request, queryset, services.submit_need, _("%(reference)s is submitted."))

    @admin.action(description=_("Validate selected needs"), permissions=["review"])
    def validate_selected(self, request, queryset):
        self._each(request, queryset, services.validate_need, _("%(reference)s is validated."))

    @admin.action(description=_("Return selected needs with a comment"), permissions=["review"])
    def return_selected(self, request, queryset):
        comment, page = ask_for_comment(
            self,
            request,
            queryset,
            title=_("Return needs for changes"),
            intro=_("Say what the partner should change; the focal point sees the comment on each need."),
            submit_label=_("Return"),
        )
        if page is not None:
            return page
        self._each(request, queryset, services.return_need, _("%(reference)s is returned."), comment=comment)
        return None

    @admin.action(description=_("Reject selected needs with a comment"), permissions=["review"])
    def reject_selected(self, request, queryset):
        comment, page = ask_for_comment(
            self,
            request,
            queryset,
            title=_("Reject needs"),
            intro=_("Say why these needs are rejected; the comment is kept on each need and in its history."),
            submit_label=_("Reject"),
        )
        if page is not None:
            return page
        self._each(request, queryset, services.reject_need, _("%(reference)s is rejected."), comment=comment)
        return None

    @admin.action(description=_("Record the Support Group's proposal of selected needs"), permissions=["review"])
    def propose_selected(self, request, queryset):
        done = _("%(reference)s is proposed by the Support Group.")
        # All at once, so the Support Group and the Board are told once of the whole proposal; when
        # one need is refused, nothing was proposed, and each need is tried alone to say which.
        try:
            proposed = services.propose_needs(user=request.user, needs=list(queryset))
        except WorkflowError:
            self._each(request, queryset, services.propose_need, done)
        else:
            for need in proposed:
                self.message_user(request, done % {"reference": need.reference}, messages.SUCCESS)

    # Carrying needs over from the last cycle

    def open_scopes(self, request):
        """The (partner, cycle) pairs of open needs cycles the user may add needs to."""
        return [(partner, cycle) for partner, cycle in self.scopes(request) if cycle.status == CycleStatus.OPEN]

    def carry_over_view(self, request):
        """Offer a partner's needs of the cycle before an open cycle, to carry over as drafts."""
        scopes = self.open_scopes(request)
        if not scopes:
            raise PermissionDenied
        cycles = sorted({cycle for partner, cycle in scopes}, key=lambda cycle: (-cycle.first_year, cycle.pk))
        cycle = next((c for c in cycles if str(c.pk) == request.GET.get("cycle", "")), cycles[0])
        partners = {partner.pk for partner, scope_cycle in scopes if scope_cycle == cycle}
        source, offered = selectors.carry_over_offer(request.user, cycle=cycle, partners=partners)
        if request.method == "POST":
            chosen = [need for need in offered.filter(pk__in=request.POST.getlist("need")) if not need.carried]
            try:
                result = services.carry_over_needs(user=request.user, cycle=cycle, needs=chosen)
            except WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.report_carry_over(request, cycle, result)
            query = urlencode({"cycle__id__exact": cycle.pk})
            return HttpResponseRedirect(f"{reverse('admin:needs_need_changelist')}?{query}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Carry over needs from the last cycle"),
            "cycle": cycle,
            "cycles": cycles,
            "source": source,
            "needs": offered,
        }
        return TemplateResponse(request, "admin/needs/need/carry_over.html", context)

    def report_carry_over(self, request, cycle, result):
        if result.carried:
            self.message_user(
                request,
                ngettext(
                    "%(count)d need carried over into %(cycle)s as a draft: %(references)s.",
                    "%(count)d needs carried over into %(cycle)s as drafts: %(references)s.",
                    len(result.carried),
                )
                % {
                    "count": len(result.carried),
                    "cycle": cycle,
                    "references": ", ".join(need.reference for need in result.carried),
                },
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("No need was carried over."), messages.WARNING)
        if result.skipped:
            self.message_user(
                request,
                _("Already carried over before: %(references)s.")
                % {"references": ", ".join(need.reference for need in result.skipped)},
                messages.INFO,
            )
        if result.left_out:
            self.message_user(
                request,
                _("Not carried over (closed): %(references)s.")
                % {"references": ", ".join(need.reference for need in result.left_out)},
                messages.INFO,
            )

    @admin.display(description=_("responses"), ordering="response_count")
    def response_count(self, obj):
        return obj.response_count

    def scopes(self, request):
        """The (partner, cycle) pairs the user may add needs for (selectors.need_scopes, once a request)."""
        if not hasattr(request, "_iisg_need_scopes"):
            request._iisg_need_scopes = selectors.need_scopes(request.user)
        return request._iisg_need_scopes

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partner":
            kwargs["queryset"] = Partner.objects.filter(pk__in={partner.pk for partner, cycle in self.scopes(request)})
        elif db_field.name == "cycle":
            kwargs["queryset"] = Cycle.objects.filter(pk__in={cycle.pk for partner, cycle in self.scopes(request)})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            reference = form.base_fields["reference"]
            reference.required = False
            reference.help_text = _("Leave it blank for the next number of the partner and pillar, e.g. AL-WBBSi-008.")
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        partners = {partner.pk for partner, cycle in self.scopes(request)}
        cycles = {cycle.pk for partner, cycle in self.scopes(request)}
        if len(partners) == 1:
            initial.setdefault("partner", partners.pop())
        if len(cycles) == 1:
            initial.setdefault("cycle", cycles.pop())
        return initial
