"""Back office of the directory: partners, pillars, organisations with their memberships, people."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from iisg.core.admin import RuleAdmin, RuleTabularInline

from .models import Membership, Organisation, Partner, Person, Pillar


@admin.register(Partner)
class PartnerAdmin(RuleAdmin):
    list_display = ["__str__", "code", "has_designation_footnote", "order"]
    search_fields = ["name", "code"]
    fields = ["code", "name", "has_designation_footnote", "order"]


@admin.register(Pillar)
class PillarAdmin(RuleAdmin):
    list_display = ["acronym", "name", "code", "order"]
    search_fields = ["acronym", "code", "name"]
    fieldsets = [
        (None, {"fields": ["acronym", "code", "name", "colour", "order"]}),
        (_("Mandate"), {"fields": ["objective", "tasks", "decision_making"]}),
    ]


class MembershipInline(RuleTabularInline):
    model = Membership
    fields = ["body", "pillar", "role", "since", "until", "admitted_by", "note", "order"]
    autocomplete_fields = ["admitted_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pillar", "admitted_by__meeting__event")


@admin.register(Organisation)
class OrganisationAdmin(RuleAdmin):
    list_display = ["name", "acronym", "kind", "partner", "country", "iati_identifier"]
    list_filter = ["kind", "partner"]
    search_fields = ["name", "acronym", "iati_identifier"]
    list_select_related = ["partner"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "acronym", "kind"]}),
        (_("Where"), {"fields": ["partner", "country"]}),
        (_("Identifiers"), {"fields": ["iati_identifier", "website"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(RuleAdmin):
    list_display = ["organisation", "body", "pillar", "role", "since", "until", "admitted_by"]
    list_filter = ["body", "pillar"]
    search_fields = ["organisation__name", "organisation__acronym", "role", "note"]
    list_select_related = ["organisation", "pillar", "admitted_by__meeting__event"]
    autocomplete_fields = ["organisation", "admitted_by"]
    fieldsets = [
        (None, {"fields": ["organisation", "body", "pillar", "role", "note", "order"]}),
        (_("Term"), {"fields": [("since", "until"), "admitted_by"]}),
    ]


@admin.register(Person)
class PersonAdmin(RuleAdmin):
    list_display = ["name", "organisation", "partner", "position", "email", "user"]
    list_filter = ["partner", "organisation__kind"]
    search_fields = ["name", "email", "organisation__name", "organisation__acronym"]
    list_select_related = ["organisation", "partner", "user"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "position", "email", "phone"]}),
        (_("Scope of the login"), {"fields": ["user", "organisation", "partner"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
