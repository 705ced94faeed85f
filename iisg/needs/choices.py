from django.db import models
from django.utils.translation import gettext_lazy as _


class CycleKind(models.TextChoices):
    NEEDS = "needs", _("Needs mapping")
    RESPONSE = "response", _("Response mapping")


class CycleStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_REVIEW = "in_review", _("In review")
    ADOPTED = "adopted", _("Adopted")
    ARCHIVED = "archived", _("Archived")


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class NeedType(models.TextChoices):
    LEGISLATIVE = "legislative", _("Legislative")
    INSTITUTIONAL = "institutional", _("Institutional")
    OPERATIONAL = "operational", _("Operational")


class Perspective(models.TextChoices):
    PREVENTION = "prevention", _("Prevention")
    RESPONSE = "response", _("Response")


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    VALIDATED = "validated", _("Validated")
    PROPOSED = "proposed", _("Proposed by the Support Group")
    ADOPTED = "adopted", _("Adopted")
    REJECTED = "rejected", _("Rejected")
