"""API tokens, kept as a digest: the key itself is shown once, when it is issued, and stored nowhere.

A key is `iisg_` and 43 characters of a random 256-bit secret. The database holds its SHA-256 (to
find the token when a key comes in) and its first characters (to recognise it in a list): a
backup, or someone reading the table, learns no key that works. A plain hash, not a slow password
hash, is enough because the secret is random and long: there is nothing to guess.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Revocation

KEY_PREFIX = "iisg_"
# The visible part: "iisg_" and 7 characters of the secret (42 of its 256 bits), enough to tell
# a user's tokens apart, far too few to help guess the rest.
SHOWN_LENGTH = len(KEY_PREFIX) + 7


def new_key():
    # The prefix lets secret scanners (and people) recognise a key pasted where it should not be.
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest_of(key):
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        """The tokens that still work: not revoked and not past their last day."""
        return self.filter(revoked__isnull=True, expires__gte=timezone.localdate())


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for: the script or machine."))
    prefix = models.CharField(
        _("prefix"), max_length=SHOWN_LENGTH, editable=False, help_text=_("The start of the key, to recognise it.")
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires = models.DateField(_("expires"), help_text=_("The last day the token works."))
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_because = models.CharField(
        _("revoked because"), max_length=20, choices=Revocation, blank=True, editable=False
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self):
        return _("%(name)s (%(prefix)s…) of %(user)s") % {"name": self.name, "prefix": self.prefix, "user": self.user}

    @property
    def is_expired(self):
        return self.expires < timezone.localdate()
