"""Back office of the governance: meetings with their decisions, products with their versions."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models
from django.db.models import Count
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from iisg.core.admin import HistoryRuleAdmin, RuleAdmin, RuleTabularInline
from iisg.core.uploads import DOCUMENT_ACCEPT

from .choices import ProductStatus
from .models import Decision, Meeting, Product, ProductVersion

SHORT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}
# The browser's file picker offers the accepted documents first; the model's validator decides.
DOCUMENT_INPUT = {models.FileField: {"widget": AdminFileWidget(attrs={"accept": DOCUMENT_ACCEPT})}}


class DecisionInline(RuleTabularInline):
    model = Decision
    fields = ["number", "kind", "text", "pillars"]
    autocomplete_fields = ["pillars"]
    formfield_overrides = SHORT_TEXT
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(RuleAdmin):
    list_display = ["__str__", "date", "body", "pillar", "number", "chair", "decision_count"]
    list_filter = ["body", "pillar"]
    search_fields = ["event__title", "event__city"]
    ordering = Meeting._meta.ordering  # explicit: the counted rows are grouped, which drops Meta.ordering
    list_select_related = ["event", "pillar", "chair"]
    autocomplete_fields = ["event", "chair"]
    date_hierarchy = "event__start_date"
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["event", "body", "pillar", "number", "chair"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [DecisionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(decision_count=Count("decisions", distinct=True))

    @admin.display(description=_("date"), ordering="event__start_date")
    def date(self, obj):
        return obj.event.start_date

    @admin.display(description=_("decisions"), ordering="decision_count")
    def decision_count(self, obj):
        return obj.decision_count


@admin.register(Decision)
class DecisionAdmin(HistoryRuleAdmin):
    list_display = ["meeting", "number", "kind", "summary", "pillar_list"]
    list_filter = ["kind", "meeting__body", "pillars"]
    search_fields = ["text", "meeting__event__title"]
    list_select_related = ["meeting__event"]
    autocomplete_fields = ["meeting", "pillars"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["meeting", "number", "kind", "text", "pillars"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pillars")

    @admin.display(description=_("text"))
    def summary(self, obj):
        return Truncator(obj.text).chars(100)

    @admin.display(description=_("pillars"))
    def pillar_list(self, obj):
        return ", ".join(str(pillar) for pillar in obj.pillars.all())


class ProductVersionInline(RuleTabularInline):
    model = ProductVersion
    fields = ["version", "file", "published_on", "notes"]
    formfield_overrides = SHORT_TEXT | DOCUMENT_INPUT
    show_change_link = True


@admin.register(Product)
class ProductAdmin(HistoryRuleAdmin):
    list_display = ["title", "kind", "status", "pillar_list", "adopted_by", "version_count"]
    list_filter = ["kind", "status", "pillars"]
    search_fields = ["title", "description"]
    ordering = Product._meta.ordering  # explicit: the counted rows are grouped, which drops Meta.ordering
    list_select_related = ["adopted_by__meeting__event"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["pillars", "adopted_by"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "pillars", "description"]}),
        (_("Adoption"), {"fields": ["status", "adopted_by"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [ProductVersionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("pillars")
            .annotate(version_count=Count("versions", distinct=True))
        )

    def get_view_on_site_url(self, obj=None):
        # Only adopted products have a public page.
        if obj is None or obj.status != ProductStatus.ADOPTED:
            return None
        return super().get_view_on_site_url(obj)

    @admin.display(description=_("pillars"))
    def pillar_list(self, obj):
        return ", ".join(str(pillar) for pillar in obj.pillars.all())

    @admin.display(description=_("versions"), ordering="version_count")
    def version_count(self, obj):
        return obj.version_count


@admin.register(ProductVersion)
class ProductVersionAdmin(HistoryRuleAdmin):
    list_display = ["product", "version", "published_on", "file"]
    list_filter = ["product__kind", "product__status"]
    search_fields = ["product__title", "version", "notes"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]
    date_hierarchy = "published_on"
    formfield_overrides = DOCUMENT_INPUT
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["product", "version", "file", "published_on", "notes"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
