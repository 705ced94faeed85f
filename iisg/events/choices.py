from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    BOARD_MEETING = "board_meeting", _("Board meeting")
    SUPPORT_GROUP_MEETING = "support_group_meeting", _("Support Group meeting")
    NATIONAL_THEMATIC_MEETING = "national_thematic_meeting", _("National thematic meeting")
    NETWORK_MEETING = "network_meeting", _("Network meeting")
    COORDINATION_MEETING = "coordination_meeting", _("Coordination meeting")
    BILATERAL_MEETING = "bilateral_meeting", _("Bilateral meeting")
    WORKSHOP = "workshop", _("Workshop")
    CONFERENCE = "conference", _("Conference")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class EventMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")


class EventStatus(models.TextChoices):
    """One status drives the label, schema.org eventStatus and iCalendar STATUS."""

    SCHEDULED = "scheduled", _("Scheduled")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")
    MOVED_ONLINE = "moved_online", _("Moved online")
