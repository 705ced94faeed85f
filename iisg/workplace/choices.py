from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    """How a user wants to hear of one kind of notification, besides the bell."""

    AT_ONCE = "at_once", _("E-mail at once")
    DIGEST = "digest", _("Daily digest")
    OFF = "off", _("No e-mail")


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
