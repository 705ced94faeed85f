"""Back office of the needs mapping: cycles with their thematic areas, and the needs of the partners."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from iisg.actions.admin import ResponsesOfNeedInline
from iisg.core.admin import HistoryRuleAdmin, RuleAdmin, RuleTabularInline
from iisg.core.choices import Verb
from iisg.core.permissions import can
from iisg.directory.models import Partner

from .choices import CycleKind, NeedStatus
from .models import Area, Cycle, Need


class AreaInline(RuleTabularInline):
    model = Area
    fields = ["pillar", "code", "name", "parent"]
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pillar")


@admin.register(Cycle)
class CycleAdmin(HistoryRuleAdmin):
    list_display = ["__str__", "status", "opens_on", "closes_on", "adopted_by", "need_count"]
    list_filter = ["kind", "status"]
    search_fields = ["first_year", "last_year"]
    ordering = Cycle._meta.ordering  # explicit: the counted rows are grouped, which drops Meta.ordering
    list_select_related = ["adopted_by__meeting__event"]
    autocomplete_fields = ["adopted_by"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["kind", ("first_year", "last_year"), "status"]}),
        (_("Calendar"), {"fields": [("opens_on", "closes_on")]}),
        (_("Adoption"), {"fields": ["adopted_by"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [AreaInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(need_count=Count("needs", distinct=True))

    @admin.display(description=_("needs"), ordering="need_count")
    def need_count(self, obj):
        return obj.need_count


@admin.register(Area)
class AreaAdmin(RuleAdmin):
    list_display = ["code", "name", "pillar", "cycle", "parent"]
    list_filter = ["cycle", "pillar"]
    search_fields = ["code", "name", "description"]
    list_select_related = ["cycle", "pillar", "parent__pillar"]
    autocomplete_fields = ["parent"]
    fieldsets = [(None, {"fields": ["cycle", "pillar", "parent", "code", "name", "description"]})]


@admin.register(Need)
class NeedAdmin(HistoryRuleAdmin):
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
    autocomplete_fields = ["area", "responsible_institution", "carried_over_from"]
    readonly_fields = ["created_at", "updated_at"]
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

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(response_count=Count("responses", distinct=True))

    @admin.display(description=_("responses"), ordering="response_count")
    def response_count(self, obj):
        return obj.response_count

    def scopes(self, request):
        """The (partner, cycle) pairs the user may add needs for, as the rules answer (once a request)."""
        if not hasattr(request, "_iisg_need_scopes"):
            partners = list(Partner.objects.all())
            cycles = list(Cycle.objects.filter(kind=CycleKind.NEEDS))
            request._iisg_need_scopes = [
                (partner, cycle)
                for partner in partners
                for cycle in cycles
                if can(request.user, Verb.ADD, Need(partner=partner, cycle=cycle, status=NeedStatus.DRAFT))
            ]
        return request._iisg_need_scopes

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partner":
            kwargs["queryset"] = Partner.objects.filter(pk__in={partner.pk for partner, cycle in self.scopes(request)})
        elif db_field.name == "cycle":
            kwargs["queryset"] = Cycle.objects.filter(pk__in={cycle.pk for partner, cycle in self.scopes(request)})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "status" in form.base_fields:
            form.base_fields["status"].choices = self.status_choices(request, obj)
        return form

    def status_choices(self, request, obj):
        """Reviewers set any status; a focal point keeps its need a draft or submits it."""
        if can(request.user, Verb.REVIEW, Need):
            return NeedStatus.choices
        allowed = {obj.status} if obj else set()
        for status in NeedStatus.values:
            probes = (Need(partner=partner, cycle=cycle, status=status) for partner, cycle in self.scopes(request))
            if any(can(request.user, Verb.ADD, probe) for probe in probes):
                allowed.add(status)
        return [(value, label) for value, label in NeedStatus.choices if value in allowed]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can(request.user, Verb.REVIEW, Need):
            fields.append("review_comment")
        return fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        partners = {partner.pk for partner, cycle in self.scopes(request)}
        cycles = {cycle.pk for partner, cycle in self.scopes(request)}
        if len(partners) == 1:
            initial.setdefault("partner", partners.pop())
        if len(cycles) == 1:
            initial.setdefault("cycle", cycles.pop())
        return initial

    def may_become(self, request, obj, original):
        # The Secretariat reviews: it validates, returns, rejects and records the adoption.
        return super().may_become(request, obj, original) or can(request.user, Verb.REVIEW, original)
