"""Back office of the response mapping: actions, who takes part, their sectors and money, responses.

Every write goes through iisg.actions.services: the change form of an action (with its rows) by
create_action and update_action, in one call and one new version; a row on its own page by
save_row and delete_row; responses by propose_response, change_response and withdraw_response, and
their status only by confirm_response and reject_response (the actions of the responses list). The
annual response-mapping round has its pages on the actions list (iisg.actions.round_admin). The
Secretariat merges an entered action into the imported one it turns out to be on its own page
(ActionAdmin.merge_view, services.merge_actions), the "Fix it" of the data-quality alert.
The forms gather the values; the services check, convert money to EUR and record the history.
"""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Prefetch, Q, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from iisg.core.admin import (
    DeletedThroughService,
    HistoryRuleAdmin,
    RuleTabularInline,
    VersionedAdminMixin,
    WrittenWithRelated,
    apply_to_each,
    ask_for_comment,
    refused_as_forbidden,
)
from iisg.core.choices import Verb
from iisg.core.concurrency import EditConflict
from iisg.core.errors import WorkflowError
from iisg.core.permissions import can, permitted

from . import services
from .choices import OrganisationRole, TransactionType
from .models import Action, ActionOrganisation, ActionSector, Budget, Response, Transaction
from .queries import END, START
from .round_admin import RoundAdminMixin
from .workbook_admin import ActionWorkbookAdmin


class ActionChoices:
    """Rows hang on an action the user may change: a donor offers only its own actions."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "action" and "queryset" not in kwargs:
            kwargs["queryset"] = permitted(request.user, Verb.CHANGE, Action.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ResponseRows:
    """Responses are proposed, changed and withdrawn through the services, and their status moves
    only by confirm_response and reject_response: the status and what the platform records (who
    proposed, the matcher's score, who confirmed and when) are shown, never typed in."""

    recorded_fields = ["status", "proposed_by", "matcher_score", "confirmed_by", "confirmed_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.recorded_fields]

    def save_response(self, request, response):
        if response.pk is not None:
            refused_as_forbidden(
                lambda: services.change_response(
                    user=request.user, response=response, coverage=response.coverage, comment=response.comment
                )
            )
            return
        saved = refused_as_forbidden(
            lambda: services.propose_response(
                user=request.user,
                action=response.action,
                need=response.need,
                coverage=response.coverage,
                comment=response.comment,
            )
        )
        response.pk, response.status, response.proposed_by = saved.pk, saved.status, saved.proposed_by
        response._state.adding = False

    def withdraw_response(self, request, response):
        refused_as_forbidden(lambda: services.withdraw_response(user=request.user, response=response))


class FunderChecked:
    """A participation formset that names, on its row, a funder the user may not name (see
    services.refuse_funder), instead of refusing the whole form once it is saved."""

    user = None

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form) or form.errors:
                continue
            try:
                services.refuse_funder(user=self.user, row=form.instance)
            except WorkflowError as refusal:
                form.add_error("organisation", str(refusal))


class ParticipationInline(RuleTabularInline):
    model = ActionOrganisation
    fields = ["organisation", "role"]
    autocomplete_fields = ["organisation"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (FunderChecked, formset), {"user": request.user})


class SectorInline(RuleTabularInline):
    model = ActionSector
    fields = ["vocabulary", "code", "percentage"]


# The EUR figure the services work out, shown beside the money typed in.
EUR_FIGURE = ["value_eur", "eur_rate", "rate_month"]


class BudgetInline(RuleTabularInline):
    model = Budget
    fields = ["budget_type", "status", "period_start", "period_end", "value", "currency", "value_date", *EUR_FIGURE]
    readonly_fields = EUR_FIGURE


class TransactionInline(RuleTabularInline):
    model = Transaction
    fields = [
        "transaction_type", "date", "value", "currency", "value_date", "provider", "receiver", "description",
        *EUR_FIGURE,
    ]  # fmt: skip
    readonly_fields = EUR_FIGURE
    autocomplete_fields = ["provider", "receiver"]


# The inlines whose rows are part of the action, and the name services.update_action gives each list.
ROW_INLINES = {
    ParticipationInline: "participations",
    SectorInline: "sectors",
    BudgetInline: "budgets",
    TransactionInline: "transactions",
}


class ResponseInline(ResponseRows, ActionChoices, RuleTabularInline):
    model = Response
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("action", "need", "need__partner", "proposed_by", "confirmed_by")
        )

    def save_row(self, request, obj):
        self.save_response(request, obj)

    def delete_row(self, request, obj):
        self.withdraw_response(request, obj)


class ResponsesOfActionInline(ResponseInline):
    fields = ["need", "coverage", "comment", *ResponseRows.recorded_fields]
    autocomplete_fields = ["need"]


class ResponsesOfNeedInline(ResponseInline):
    fields = ["action", "coverage", "comment", *ResponseRows.recorded_fields]
    autocomplete_fields = ["action"]


class ActiveInYearFilter(admin.SimpleListFilter):
    """Actions active in a year, by the one rule of ActionQuerySet.active_in."""

    title = _("active in year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        span = Action.objects.aggregate(first=Min(START), last=Max(END))
        if span["first"] is None:
            return []
        last = max((span["last"] or span["first"]).year, span["first"].year)
        return [(str(year), str(year)) for year in range(last, span["first"].year - 1, -1)]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        return queryset.active_in(int(self.value()))


@admin.register(Action)
class ActionAdmin(
    WrittenWithRelated,
    DeletedThroughService,
    VersionedAdminMixin,
    RoundAdminMixin,
    ActionWorkbookAdmin,
    HistoryRuleAdmin,
):
    list_display = [
        "title",
        "status",
        "funders",
        "implementers",
        "beneficiaries",
        "start",
        "end",
        "source",
        "response_count",
    ]
    list_filter = ["status", ActiveInYearFilter, "pillars", "partners", "source"]
    search_fields = ["title", "iati_identifier", "organisations__name", "organisations__acronym"]
    ordering = Action._meta.ordering  # explicit: the counted rows are grouped, which drops Meta.ordering
    autocomplete_fields = ["partners", "pillars"]
    readonly_fields = ["source", "last_imported_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "description", "status"]}),
        (_("Where and what"), {"fields": ["partners", "pillars"]}),
        (_("Dates"), {"fields": [("planned_start", "planned_end"), ("actual_start", "actual_end")]}),
        (_("Money"), {"fields": ["default_currency"]}),
        (_("Source"), {"fields": ["iati_identifier", "source", "last_imported_at", "created_at", "updated_at"]}),
    ]
    inlines = [ParticipationInline, SectorInline, BudgetInline, TransactionInline, ResponsesOfActionInline]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:absorb_id>/merge-into/<int:keep_id>/", view(self.merge_view), name="actions_action_merge"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "merged_into"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.merged_into_id is None:
            return fieldsets
        # A merged action says where it lives on, above everything else.
        return [(_("Merged"), {"fields": ["merged_into"]}), *fieldsets]

    def get_queryset(self, request):
        participations = ActionOrganisation.objects.select_related("organisation")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("participations", queryset=participations), "partners")
            .annotate(response_count=Count("responses", distinct=True))
        )

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("app_label") == "actions" and request.GET.get("field_name") == "action":
            # Autocomplete for a row that hangs on an action: offer those the user may change.
            queryset = permitted(request.user, Verb.CHANGE, queryset)
        return queryset, may_have_duplicates

    def _organisations(self, action, role):
        return ", ".join(p.organisation.short_name for p in action.participations.all() if p.role == role)

    @admin.display(description=_("donors"))
    def funders(self, obj):
        return self._organisations(obj, OrganisationRole.FUNDING)

    @admin.display(description=_("implementers"))
    def implementers(self, obj):
        return self._organisations(obj, OrganisationRole.IMPLEMENTING)

    @admin.display(description=_("beneficiary partners"))
    def beneficiaries(self, obj):
        return ", ".join(str(partner) for partner in obj.partners.all())

    @admin.display(description=_("start"), ordering=START)
    def start(self, obj):
        return obj.start

    @admin.display(description=_("end"), ordering=END)
    def end(self, obj):
        return obj.end

    @admin.display(description=_("responses"), ordering="response_count")
    def response_count(self, obj):
        return obj.response_count

    # Writes: the action and its rows in one service call, once every form of the page is valid.

    def write(self, request, form, formsets, change):
        values = {name: form.cleaned_data[name] for name in services.ACTION_FIELDS if name in form.cleaned_data}
        rows = {
            ROW_INLINES[type(formset.inline_admin)]: self.rows_of(formset)
            for formset in formsets
            if type(formset.inline_admin) in ROW_INLINES
        }
        relations = {name: form.cleaned_data[name] for name in ("partners", "pillars") if name in form.cleaned_data}
        if change:
            saved = refused_as_forbidden(
                lambda: services.update_action(
                    user=request.user,
                    action=form.instance,
                    version=form.cleaned_data["version"],
                    changes=values,
                    **relations,
                    **rows,
                )
            )
        else:
            saved = refused_as_forbidden(
                lambda: services.create_action(user=request.user, **values, **relations, **rows)
            )
        # The admin goes on with the object it holds (the message, the history log, the redirect).
        form.instance.pk, form.instance.version = saved.pk, saved.version
        form.instance._state.adding = False
        for formset in formsets:
            if type(formset.inline_admin) not in ROW_INLINES:
                formset.instance = form.instance
                self.save_formset(request, form, formset, change=change)

    def rows_of(self, formset):
        """The rows an inline formset holds once saved, as the services take them: each kept row's
        values (with its id when it exists), the deleted and the blank extra ones left out."""
        fields = services.CHILD_FIELDS[formset.model]
        rows = []
        # What formset.save() would have noted, for the change message of the history log.
        formset.new_objects, formset.changed_objects = [], []
        formset.deleted_objects = [form.instance for form in formset.deleted_forms if form.instance.pk is not None]
        for row_form in formset.forms:
            if row_form in formset.deleted_forms or (row_form.instance.pk is None and not row_form.has_changed()):
                continue
            values = {name: row_form.cleaned_data.get(name) for name in fields if name in row_form.fields}
            if row_form.instance.pk is not None:
                values["id"] = row_form.instance.pk
                if row_form.has_changed():
                    formset.changed_objects.append((row_form.instance, row_form.changed_data))
            else:
                formset.new_objects.append(row_form.instance)
            rows.append(values)
        return rows

    def delete_through_service(self, request, obj):
        services.delete_action(user=request.user, action=obj)

    # Merging an entered action into an imported one

    def merge_view(self, request, absorb_id, keep_id):
        """The Secretariat's decision on the merge a data-quality alert proposes: the entered action
        and the imported one side by side, merged with a reason (services.merge_actions); the alert
        of a pair that is not one project is silenced on the data-quality page."""
        if not can(request.user, Verb.REVIEW, Action):
            raise PermissionDenied
        actions = self.get_queryset(request)
        absorb, keep = get_object_or_404(actions, pk=absorb_id), get_object_or_404(actions, pk=keep_id)
        if absorb.merged_into_id == keep.pk:
            self.message_user(request, _("“%(absorb)s” is already merged into this action.") % {"absorb": absorb})
            return HttpResponseRedirect(reverse("admin:actions_action_change", args=[keep.pk]))
        form = MergeForm(request.POST or None, initial={"keep_version": keep.version, "absorb_version": absorb.version})
        if request.method == "POST" and form.is_valid():
            try:
                services.merge_actions(user=request.user, keep=keep, absorb=absorb, **form.cleaned_data)
            except (WorkflowError, EditConflict) as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request,
                    _("“%(absorb)s” is merged into this action: its responses and mapping answers are here now.")
                    % {"absorb": absorb},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:actions_action_change", args=[keep.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Merge an entered action into the imported one"),
            "absorb": absorb,
            "keep": keep,
            "rows": compared(absorb, keep),
            "form": form,
        }
        return TemplateResponse(request, "admin/actions/action/merge.html", context)


class MergeForm(forms.Form):
    comment = forms.CharField(
        label=_("Why they are one project"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the history of both actions."),
    )
    keep_version = forms.IntegerField(widget=forms.HiddenInput)
    absorb_version = forms.IntegerField(widget=forms.HiddenInput)


# The money the merge page compares, in EUR: a label, the rows and which of them.
SPENT = (TransactionType.DISBURSEMENT, TransactionType.EXPENDITURE)
COMPARED_MONEY = [
    (_("budgets (EUR)"), "budgets", Q()),
    (_("commitments (EUR)"), "transactions", Q(transaction_type=TransactionType.OUTGOING_COMMITMENT)),
    (_("disbursements and expenditure (EUR)"), "transactions", Q(transaction_type__in=SPENT)),
]


def compared(*actions):
    """What the merge page shows of each action (from ActionAdmin.get_queryset, with its
    participations, partners and responses counted), row by row, as text: [(label, [value of each])]."""

    def each(read):
        return [read(action) for action in actions]

    def organisations(role):
        return lambda action: ", ".join(
            p.organisation.short_name for p in action.participations.all() if p.role == role
        )

    def money(rows, which):
        def total(action):
            value = getattr(action, rows).filter(which).aggregate(total=Sum("value_eur"))["total"]
            return "—" if value is None else formats.number_format(value, 2, force_grouping=True)

        return total

    def span(start, end):
        def dates(action):
            days = getattr(action, start), getattr(action, end)
            if days == (None, None):
                return ""
            return " – ".join(formats.date_format(day, "j F Y") if day else "…" for day in days)

        return dates

    return [
        (_("title"), each(lambda action: action.title)),
        (_("IATI identifier"), each(lambda action: action.iati_identifier or "")),
        (_("number in the platform"), each(lambda action: str(action.pk))),
        (_("source"), each(lambda action: action.get_source_display())),
        (_("donors"), each(organisations(OrganisationRole.FUNDING))),
        (_("implementers"), each(organisations(OrganisationRole.IMPLEMENTING))),
        (_("beneficiary partners"), each(lambda action: ", ".join(str(p) for p in action.partners.all()))),
        (_("pillars"), each(lambda action: ", ".join(str(p) for p in action.pillars.all()))),
        (_("planned dates"), each(span("planned_start", "planned_end"))),
        (_("actual dates"), each(span("actual_start", "actual_end"))),
        (_("status"), each(lambda action: action.get_status_display())),
        *((label, each(money(rows, which))) for label, rows, which in COMPARED_MONEY),
        (_("responses"), each(lambda action: str(action.response_count))),
    ]


@admin.register(Response)
class ResponseAdmin(ResponseRows, DeletedThroughService, ActionChoices, HistoryRuleAdmin):
    list_display = [
        "need",
        "partner",
        "action",
        "coverage",
        "status",
        "proposed_by",
        "matcher_score",
        "matched_words",
        "confirmed_by",
        "confirmed_at",
    ]
    list_filter = ["status", "coverage", "need__cycle", "need__partner", "need__pillar", "need__priority"]
    search_fields = ["need__reference", "need__title", "action__title", "action__iati_identifier"]
    list_select_related = ["action", "need", "need__partner", "proposed_by", "confirmed_by"]
    autocomplete_fields = ["action", "need"]
    readonly_fields = ["matched_words", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["action", "need", "coverage", "comment"]}),
        (
            _("Review"),
            {"fields": ["status", "proposed_by", "matcher_score", "matched_words", "confirmed_by", "confirmed_at"]},
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    actions = ["confirm_selected", "reject_selected"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # The action and the need name the response; linking another pair is another response.
        return [*fields, "action", "need"] if obj is not None else fields

    @admin.display(description=_("partner"), ordering="need__partner")
    def partner(self, obj):
        return obj.need.partner

    @admin.display(description=_("matched words"))
    def matched_words(self, obj):
        return ", ".join(obj.matched_terms) or None

    def save_model(self, request, obj, form, change):
        self.save_response(request, obj)

    def delete_through_service(self, request, obj):
        services.withdraw_response(user=request.user, response=obj)

    def has_confirm_permission(self, request):
        return can(request.user, Verb.REVIEW, Response)

    def _review_each(self, request, queryset, step, done):
        apply_to_each(
            self,
            request,
            queryset,
            lambda response: step(user=request.user, response=response),
            name=lambda response: response.need.reference,
            done=lambda response: done % {"reference": response.need.reference, "action": response.action},
            refused=WorkflowError,
        )

    @admin.action(description=_("Confirm selected responses"), permissions=["confirm"])
    def confirm_selected(self, request, queryset):
        queryset = queryset.select_related("action", "need")
        self._review_each(
            request, queryset, services.confirm_response, _("%(reference)s: the response of “%(action)s” is confirmed.")
        )

    @admin.action(description=_("Reject selected responses with a comment"), permissions=["confirm"])
    def reject_selected(self, request, queryset):
        queryset = queryset.select_related("action", "need")
        comment, page = ask_for_comment(
            self,
            request,
            queryset,
            title=_("Reject responses"),
            intro=_("Say why these responses are rejected; the comment is kept in each response's history."),
            submit_label=_("Reject"),
        )
        if page is not None:
            return page
        self._review_each(
            request,
            queryset,
            partial(services.reject_response, comment=comment),
            _("%(reference)s: the response of “%(action)s” is rejected."),
        )
        return None


class ActionRowAdmin(DeletedThroughService, ActionChoices, HistoryRuleAdmin):
    """A row of an action (participation, sector, budget, transaction) on its own page, written
    through services.save_row and services.delete_row, which give the action a new version."""

    def save_model(self, request, obj, form, change):
        refused_as_forbidden(lambda: services.save_row(user=request.user, row=obj))

    def delete_through_service(self, request, obj):
        services.delete_row(user=request.user, row=obj)


@admin.register(ActionOrganisation)
class ActionOrganisationAdmin(ActionRowAdmin):
    list_display = ["action", "organisation", "role"]
    list_filter = ["role"]
    search_fields = ["action__title", "organisation__name", "organisation__acronym"]
    list_select_related = ["action", "organisation"]
    autocomplete_fields = ["action", "organisation"]


@admin.register(ActionSector)
class ActionSectorAdmin(ActionRowAdmin):
    list_display = ["action", "vocabulary", "code", "percentage"]
    list_filter = ["vocabulary"]
    search_fields = ["code", "action__title"]
    list_select_related = ["action"]
    autocomplete_fields = ["action"]


@admin.register(Budget)
class BudgetAdmin(ActionRowAdmin):
    list_display = [
        "action", "budget_type", "status", "period_start", "period_end", "value", "currency", "value_date",
        "value_eur",
    ]  # fmt: skip
    list_filter = ["budget_type", "status", "currency"]
    search_fields = ["action__title", "action__iati_identifier"]
    list_select_related = ["action"]
    autocomplete_fields = ["action"]
    readonly_fields = EUR_FIGURE
    date_hierarchy = "period_start"


@admin.register(Transaction)
class TransactionAdmin(ActionRowAdmin):
    list_display = ["action", "transaction_type", "date", "value", "currency", "value_eur", "provider", "receiver"]
    list_filter = ["transaction_type", "currency"]
    search_fields = ["action__title", "action__iati_identifier", "description"]
    list_select_related = ["action", "provider", "receiver"]
    autocomplete_fields = ["action", "provider", "receiver"]
    readonly_fields = EUR_FIGURE
    date_hierarchy = "date"
