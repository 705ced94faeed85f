"""Back office of the events: meetings, workshops and conferences of the IISG and its members.

The Secretariat publishes an event here from start to end: every public field, the text as rich
text (sanitised on saving), an image with its description, and a link to the public page.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from iisg.core.admin import RuleAdmin, apply_to_each, refused_as_forbidden
from iisg.core.choices import Verb
from iisg.core.errors import WorkflowError
from iisg.core.permissions import can
from iisg.core.uploads import IMAGE_ACCEPT

from .choices import EventStatus
from .models import Event
from .services import save_event, set_event_status


@admin.register(Event)
class EventAdmin(RuleAdmin):
    list_display = ["title", "start_date", "end_date", "kind", "mode", "status", "place", "pillar_list", "is_published"]
    list_filter = ["kind", "status", "mode", "is_published", "pillars", "partners"]
    search_fields = ["title", "summary", "city", "country"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["partners", "pillars", "organisers", "participants"]
    # The status moves by the list's actions (set_event_status), which calendar clients then see.
    readonly_fields = ["status", "public_page", "uid", "sequence", "created_at", "updated_at"]
    actions = ["mark_scheduled", "mark_postponed", "mark_cancelled", "mark_moved_online"]
    # The image is checked by the model's validator, which names the file and what it is; the form's
    # own image field would stop a non-image earlier with a vaguer message.
    formfield_overrides = {
        models.ImageField: {"form_class": forms.FileField, "widget": AdminFileWidget(attrs={"accept": IMAGE_ACCEPT})},
    }
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "is_published", "public_page"]}),
        (_("When and where"), {"fields": [("start_date", "end_date"), "mode", ("city", "country")]}),
        (_("Who"), {"fields": ["pillars", "partners", "organisers", "participants"]}),
        (_("Text"), {"fields": ["summary", "body"]}),
        (_("Image"), {"fields": ["image", "image_alt"]}),
        (_("Calendar"), {"fields": ["uid", "sequence", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pillars")

    def save_model(self, request, obj, form, change):
        refused_as_forbidden(lambda: save_event(user=request.user, event=obj))

    def has_status_permission(self, request):
        return can(request.user, Verb.CHANGE, Event)

    def _set_status(self, request, queryset, status, done):
        apply_to_each(
            self,
            request,
            queryset,
            lambda event: set_event_status(user=request.user, event=event, status=status),
            name=str,
            done=lambda event: done % {"event": event},
            refused=WorkflowError,
        )

    @admin.action(description=_("Mark selected events as scheduled"), permissions=["status"])
    def mark_scheduled(self, request, queryset):
        self._set_status(request, queryset, EventStatus.SCHEDULED, _("“%(event)s” is scheduled."))

    @admin.action(description=_("Mark selected events as postponed"), permissions=["status"])
    def mark_postponed(self, request, queryset):
        self._set_status(request, queryset, EventStatus.POSTPONED, _("“%(event)s” is postponed."))

    @admin.action(description=_("Mark selected events as cancelled"), permissions=["status"])
    def mark_cancelled(self, request, queryset):
        self._set_status(request, queryset, EventStatus.CANCELLED, _("“%(event)s” is cancelled."))

    @admin.action(description=_("Mark selected events as moved online"), permissions=["status"])
    def mark_moved_online(self, request, queryset):
        self._set_status(request, queryset, EventStatus.MOVED_ONLINE, _("“%(event)s” is moved online."))

    @admin.display(description=_("public page"))
    def public_page(self, obj):
        if obj.pk is None:
            return _("Shown once the event is saved.")
        note = "" if obj.is_published else _("Not published: only the Secretariat sees it.")
        return format_html('<a href="/events/{}/">/events/{}/</a> {}', obj.slug, obj.slug, note)

    @admin.display(description=_("place"), ordering="city")
    def place(self, obj):
        return ", ".join(part for part in [obj.city, obj.country] if part)

    @admin.display(description=_("pillars"))
    def pillar_list(self, obj):
        return ", ".join(str(pillar) for pillar in obj.pillars.all())
