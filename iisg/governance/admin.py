"""Back office of the governance: meetings with their decisions, products with their versions."""

from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models
from django.db.models import Count
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from iisg.core.admin import (
    CommentForm,
    DeletedThroughService,
    HistoryRuleAdmin,
    RuleAdmin,
    RuleTabularInline,
    WrittenWithRelated,
    apply_to_each,
    ask_for_comment,
    ask_for_input,
    refused_as_forbidden,
)
from iisg.core.choices import Verb
from iisg.core.errors import WorkflowError
from iisg.core.permissions import can
from iisg.core.uploads import DOCUMENT_ACCEPT

from . import services
from .choices import DecisionKind, ProductStatus
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


class AdoptProductForm(CommentForm):
    decision = forms.ModelChoiceField(
        label=_("Board decision"),
        queryset=Decision.objects.filter(
            kind__in=[DecisionKind.ADOPT_PRODUCT, DecisionKind.APPROVE_WORK_PLAN]
        ).select_related("meeting__event"),
        required=False,
        help_text=_(
            "The decision that adopted the products (a work plan: the one that approved it). Leave it empty only "
            "for an adoption whose decision is not on record, and say so in the comment."
        ),
    )
    field_order = ["decision", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = False


@admin.register(Product)
class ProductAdmin(WrittenWithRelated, DeletedThroughService, HistoryRuleAdmin):
    """Products, written through iisg.governance.services; the status and the adopting decision
    move by the steps (propose, record the adoption, take back in process), not by the form."""

    list_display = ["title", "kind", "status", "pillar_list", "adopted_by", "version_count"]
    list_filter = ["kind", "status", "pillars"]
    search_fields = ["title", "description"]
    ordering = Product._meta.ordering  # explicit: the counted rows are grouped, which drops Meta.ordering
    list_select_related = ["adopted_by__meeting__event"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["pillars"]
    readonly_fields = ["status", "adopted_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "pillars", "description"]}),
        (_("Adoption"), {"fields": ["status", "adopted_by"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [ProductVersionInline]
    actions = ["propose_selected", "adopt_selected", "reopen_selected"]

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

    # Writes

    def write(self, request, form, formsets, change):
        pillars = form.cleaned_data.get("pillars", ())
        editable = [name for name in services.EDITABLE_FIELDS if name in form.cleaned_data]
        if change:
            changes = {name: form.cleaned_data[name] for name in editable}
            refused_as_forbidden(
                lambda: services.update_product(
                    user=request.user, product=form.instance, changes=changes, pillars=pillars
                )
            )
        else:
            refused_as_forbidden(
                lambda: services.create_product(user=request.user, product=form.instance, pillars=pillars)
            )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_through_service(self, request, obj):
        services.delete_product(user=request.user, product=obj)

    # The steps

    def has_step_permission(self, request):
        return can(request.user, Verb.CHANGE, Product)

    def _each(self, request, queryset, step, done):
        apply_to_each(
            self,
            request,
            queryset,
            lambda product: step(user=request.user, product=product),
            name=str,
            done=lambda product: done % {"product": product},
            refused=WorkflowError,
        )

    @admin.action(description=_("Propose selected products to the Board"), permissions=["step"])
    def propose_selected(self, request, queryset):
        self._each(request, queryset, services.propose_product, _("“%(product)s” is proposed to the Board."))

    @admin.action(description=_("Record the Board's adoption of selected products"), permissions=["step"])
    def adopt_selected(self, request, queryset):
        data, page = ask_for_input(
            self,
            request,
            queryset,
            form_class=AdoptProductForm,
            title=_("Record the Board's adoption"),
            intro=_("Choose the Board decision that adopted these products; they then appear on the public pages."),
            submit_label=_("Record the adoption"),
        )
        if page is not None:
            return page
        step = partial(services.adopt_product, decision=data["decision"], comment=data["comment"])
        self._each(request, queryset, step, _("“%(product)s” is adopted."))
        return None

    @admin.action(description=_("Take selected products back in process, with a comment"), permissions=["step"])
    def reopen_selected(self, request, queryset):
        comment, page = ask_for_comment(
            self,
            request,
            queryset,
            title=_("Take products back in process"),
            intro=_("Say why; a product taken back in process leaves the public pages until it is adopted again."),
            submit_label=_("Take back in process"),
        )
        if page is not None:
            return page
        reopen = partial(services.reopen_product, comment=comment)
        self._each(request, queryset, reopen, _("“%(product)s” is in process."))
        return None


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
