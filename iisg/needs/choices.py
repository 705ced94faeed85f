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


# The groups of need statuses the rules speak of, each defined once and imported everywhere.
# With their partner: only the partner's focal point and the Secretariat see them, and only the
# focal point changes them.
PRIVATE_STATUSES = (NeedStatus.DRAFT, NeedStatus.RETURNED)
# Still under way: the Board cannot adopt a cycle while one of its needs is in one of these.
UNFINISHED_STATUSES = (NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.RETURNED, NeedStatus.VALIDATED)
# The Secretariat may reject a need at any point before the adoption.
REJECTABLE_STATUSES = (*UNFINISHED_STATUSES, NeedStatus.PROPOSED)
# Accepted into the mapping by the Secretariat: the analysis (for members) and the matcher count them.
ANALYSED_STATUSES = (NeedStatus.VALIDATED, NeedStatus.PROPOSED, NeedStatus.ADOPTED)
# What the public sees, and only as figures: the needs the Board adopted.
PUBLIC_STATUSES = (NeedStatus.ADOPTED,)
# Nobody proposes a response to these: still with their partner, or rejected.
CLOSED_TO_RESPONSES = (NeedStatus.DRAFT, NeedStatus.RETURNED, NeedStatus.REJECTED)
