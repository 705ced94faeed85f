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
