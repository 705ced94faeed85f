from django.db import models
from django.utils.translation import gettext_lazy as _


class Revocation(models.TextChoices):
    """Why a token stopped working before its expiry."""

    OWNER = "owner", _("revoked by its owner")
    MANAGER = "manager", _("revoked by who manages the login")
    PASSWORD = "password", _("the password changed")
    TWO_FACTOR = "two_factor", _("the second factor changed")
    DEACTIVATED = "deactivated", _("the account was deactivated")
