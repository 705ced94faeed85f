"""Back office of the events: meetings, workshops and conferences of the IISG and its members."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from iisg.core.admin import RuleAdmin

from .models import Event


@admin.register(Event)
class EventAdmin(RuleAdmin):
    list_display = ["title", "start_date", "end_date", "kind", "mode", "status", "place", "pillar_list", "is_published"]
    list_filter = ["kind", "status", "mode", "is_published", "pillars", "partners"]
    search_fields = ["title", "summary", "city", "country"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["partners", "pillars", "organisers", "participants"]
    readonly_fields = ["uid", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "is_published"]}),
        (_("When and where"), {"fields": [("start_date", "end_date"), "mode", ("city", "country")]}),
        (_("Who"), {"fields": ["pillars", "partners", "organisers", "participants"]}),
        (_("Text"), {"fields": ["summary", "body"]}),
        (_("Calendar"), {"fields": ["uid", "sequence", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pillars")

    @admin.display(description=_("place"), ordering="city")
    def place(self, obj):
        return ", ".join(part for part in [obj.city, obj.country] if part)

    @admin.display(description=_("pillars"))
    def pillar_list(self, obj):
        return ", ".join(str(pillar) for pillar in obj.pillars.all())
