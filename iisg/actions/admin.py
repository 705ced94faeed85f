"""Back office of the response mapping: actions, who takes part, their sectors and money, responses."""

import datetime
from functools import partial

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iisg.core.admin import HistoryRuleAdmin, RuleTabularInline, VersionedAdminMixin, apply_to_each, ask_for_comment
from iisg.core.choices import Verb
from iisg.core.permissions import can, permitted
from iisg.needs.errors import WorkflowError

from . import services
from .choices import OrganisationRole, ResponseStatus
from .models import Action, ActionOrganisation, ActionSector, Budget, Response, Transaction
from .workbook_admin import ActionWorkbookAdmin

START = Coalesce("actual_start", "planned_start")
END = Coalesce("actual_end", "planned_end")


class ActionChoices:
    """Rows hang on an action the user may change: a donor offers only its own actions."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "action" and "queryset" not in kwargs:
            kwargs["queryset"] = permitted(request.user, Verb.CHANGE, Action.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def record_decision(response, user, before):
    """Record who confirmed a response and when; a response that is no longer confirmed has neither."""
    if response.status != ResponseStatus.CONFIRMED:
        response.confirmed_by = None
        response.confirmed_at = None
    elif before != ResponseStatus.CONFIRMED:
        response.confirmed_by = user
        response.confirmed_at = timezone.now()


class ResponseRecording:
    """Only whoever may confirm (the Secretariat) sets a response's status; the back office records
    who proposed a response and who confirmed it, nobody types it in."""

    recorded_fields = ["proposed_by", "matcher_score", "confirmed_by", "confirmed_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *self.recorded_fields]
        if not can(request.user, Verb.REVIEW, Response):
            fields.append("status")
        return fields

    def check_save(self, request, obj, original):
        super().check_save(request, obj, original)
        before = original.status if original else ResponseStatus.PROPOSED
        if obj.status != before and not can(request.user, Verb.REVIEW, obj):
            raise PermissionDenied(_("Only the Secretariat confirms or rejects responses."))

    def prepare_save(self, request, obj, original):
        super().prepare_save(request, obj, original)
        if original is None and obj.proposed_by_id is None and obj.matcher_score is None:
            obj.proposed_by = request.user
        record_decision(obj, request.user, before=original.status if original else None)


class ParticipationInline(RuleTabularInline):
    model = ActionOrganisation
    fields = ["organisation", "role"]
    autocomplete_fields = ["organisation"]

    def save_row(self, request, obj):
        # The creator's organisation was already added when the action was created: no duplicate.
        duplicate = ActionOrganisation.objects.filter(
            action=obj.action, organisation=obj.organisation, role=obj.role
        ).exclude(pk=obj.pk)
        if not duplicate.exists():
            obj.save()


class SectorInline(RuleTabularInline):
    model = ActionSector
    fields = ["vocabulary", "code", "percentage"]


class BudgetInline(RuleTabularInline):
    model = Budget
    fields = ["budget_type", "status", "period_start", "period_end", "value", "currency", "value_date"]


class TransactionInline(RuleTabularInline):
    model = Transaction
    fields = ["transaction_type", "date", "value", "currency", "value_date", "provider", "receiver", "description"]
    autocomplete_fields = ["provider", "receiver"]


class ResponseInline(ResponseRecording, ActionChoices, RuleTabularInline):
    model = Response
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("action", "need", "need__partner", "proposed_by", "confirmed_by")
        )


class ResponsesOfActionInline(ResponseInline):
    fields = ["need", "coverage", "status", "comment", *ResponseRecording.recorded_fields]
    autocomplete_fields = ["need"]


class ResponsesOfNeedInline(ResponseInline):
    fields = ["action", "coverage", "status", "comment", *ResponseRecording.recorded_fields]
    autocomplete_fields = ["action"]


class ActiveInYearFilter(admin.SimpleListFilter):
    """Actions running at some time in a year (from their actual, else planned, dates)."""

    title = _("active in year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        span = Action.objects.aggregate(first=Min(START), last=Max(END))
        if span["first"] is None:
            return []
        last = (span["last"] or span["first"]).year
        return [(str(year), str(year)) for year in range(last, span["first"].year - 1, -1)]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        year = int(self.value())
        return queryset.alias(start_on=START, end_on=END).filter(
            Q(start_on__lte=datetime.date(year, 12, 31)),
            Q(end_on__isnull=True) | Q(end_on__gte=datetime.date(year, 1, 1)),
        )


@admin.register(Action)
class ActionAdmin(VersionedAdminMixin, ActionWorkbookAdmin, HistoryRuleAdmin):
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # A donor or implementer who creates an action takes part in it, so it can keep editing it.
            services.join_as_participant(user=request.user, action=obj)


@admin.register(Response)
class ResponseAdmin(ResponseRecording, ActionChoices, HistoryRuleAdmin):
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

    @admin.display(description=_("partner"), ordering="need__partner")
    def partner(self, obj):
        return obj.need.partner

    @admin.display(description=_("matched words"))
    def matched_words(self, obj):
        return ", ".join(obj.matched_terms) or None

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


@admin.register(ActionOrganisation)
class ActionOrganisationAdmin(ActionChoices, HistoryRuleAdmin):
    list_display = ["action", "organisation", "role"]
    list_filter = ["role"]
    search_fields = ["action__title", "organisation__name", "organisation__acronym"]
    list_select_related = ["action", "organisation"]
    autocomplete_fields = ["action", "organisation"]


@admin.register(ActionSector)
class ActionSectorAdmin(ActionChoices, HistoryRuleAdmin):
    list_display = ["action", "vocabulary", "code", "percentage"]
    list_filter = ["vocabulary"]
    search_fields = ["code", "action__title"]
    list_select_related = ["action"]
    autocomplete_fields = ["action"]


@admin.register(Budget)
class BudgetAdmin(ActionChoices, HistoryRuleAdmin):
    list_display = ["action", "budget_type", "status", "period_start", "period_end", "value", "currency", "value_date"]
    list_filter = ["budget_type", "status", "currency"]
    search_fields = ["action__title", "action__iati_identifier"]
    list_select_related = ["action"]
    autocomplete_fields = ["action"]
    date_hierarchy = "period_start"


@admin.register(Transaction)
class TransactionAdmin(ActionChoices, HistoryRuleAdmin):
    list_display = ["action", "transaction_type", "date", "value", "currency", "provider", "receiver"]
    list_filter = ["transaction_type", "currency"]
    search_fields = ["action__title", "action__iati_identifier", "description"]
    list_select_related = ["action", "provider", "receiver"]
    autocomplete_fields = ["action", "provider", "receiver"]
    date_hierarchy = "date"
