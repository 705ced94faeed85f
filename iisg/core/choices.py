from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles of DESIGN.md §3; each is a Django group of the same label."""

    SECRETARIAT = "Secretariat", _("Secretariat")
    MEMBER = "Member", _("Board or Support Group member")
    FOCAL_POINT = "Partner focal point", _("Partner focal point")
    DONOR = "Donor", _("Donor")
    IMPLEMENTER = "Implementer", _("Implementer")


class Verb(models.TextChoices):
    VIEW = "view", _("view")
    ADD = "add", _("add")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")
    # Decide on what someone proposed: validate or return a need, confirm or reject a response.
    REVIEW = "review", _("review")


class Step(models.TextChoices):
    """The workflow steps people are told about (iisg.core.events.announce); the workplace turns
    each into notifications for the people it concerns."""

    CYCLE_OPENED = "cycle_opened", _("Needs mapping opened")
    NEED_SUBMITTED = "need_submitted", _("Need submitted")
    NEED_RETURNED = "need_returned", _("Need returned")
    NEED_REJECTED = "need_rejected", _("Need rejected")
    NEED_VALIDATED = "need_validated", _("Need validated")
    NEEDS_PROPOSED = "needs_proposed", _("Needs proposed for adoption")
    CYCLE_ADOPTED = "cycle_adopted", _("Mapping adopted")
    DEADLINE_NEAR = "deadline_near", _("Deadline near")
    ROUND_OPENED = "round_opened", _("Response mapping opened")
    RESPONSE_PROPOSED = "response_proposed", _("Response proposed")
    RESPONSE_CONFIRMED = "response_confirmed", _("Response confirmed")
    RESPONSE_REJECTED = "response_rejected", _("Response rejected")
    COMMENTED = "commented", _("New comment")
    RUN_FINISHED = "run_finished", _("Run finished")
