"""Issuing, using and revoking API tokens (iisg.api.models.ApiToken)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iisg.core.accounts import manages
from iisg.core.choices import Verb
from iisg.core.errors import NotAllowed
from iisg.core.permissions import can
from iisg.core.text import UnsafeText, clean_text

from .choices import Revocation
from .models import ApiToken, digest_of, new_key

# How stale `last_used` may get: writing it on every request would make each API call a write.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def latest_expiry():
    """The last day a token issued today may work (API_TOKEN_MAX_DAYS from today)."""
    return timezone.localdate() + datetime.timedelta(days=settings.API_TOKEN_MAX_DAYS)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # the secret: given to the user once, stored nowhere


@transaction.atomic
def issue_token(*, user, name, expires=None):
    """A new token of `user`, asked for by the user themselves, working until `expires` (a date,
    today at the earliest, API_TOKEN_MAX_DAYS from today at the latest; that latest day when None).

    Returns an IssuedToken: the key is in it and nowhere else. Raises NotAllowed,
    ValidationError (an empty or unstorable name, an expiry out of range)."""
    token = ApiToken(user=user, expires=expires or latest_expiry())
    if not can(user, Verb.ADD, token):
        raise NotAllowed(_("A token is issued only to its own user, signed in."))
    try:
        token.name = clean_text(name or "")
    except UnsafeText as error:
        raise ValidationError({"name": _("The name %(reason)s.") % {"reason": error}}) from None
    if not token.name:
        raise ValidationError({"name": _("Give the token a name: what it is for.")})
    if token.expires < timezone.localdate():
        raise ValidationError({"expires": _("A token cannot expire in the past.")})
    if token.expires > latest_expiry():
        raise ValidationError(
            {
                "expires": _("A token works %(days)d days at most: choose %(latest)s or earlier.")
                % {"days": settings.API_TOKEN_MAX_DAYS, "latest": latest_expiry().isoformat()}
            }
        )
    key = new_key()
    token.prefix = key[: ApiToken._meta.get_field("prefix").max_length]
    token.digest = digest_of(key)
    token.full_clean()
    token.save()
    return IssuedToken(token=token, key=key)


def note_use(*, token):
    """Record that `token` was just used, at most once a minute (one UPDATE, none in between)."""
    now = timezone.now()
    if token.last_used is not None and now - token.last_used < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    token.last_used = now


@transaction.atomic
def revoke_token(*, user, token):
    """Stop `token` working now: its owner does it, or who manages its user's login (only a
    superuser for a superuser's). Revoking a revoked token changes nothing. Raises NotAllowed."""
    own = token.user_id == user.pk
    if not can(user, Verb.CHANGE, token) or not (own or manages(user, token.user)):
        raise NotAllowed(
            _("Only its owner or who manages the login %(username)s may revoke this token.") % {"username": token.user}
        )
    reason = Revocation.OWNER if own else Revocation.MANAGER
    ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now(), revoked_because=reason)
    token.refresh_from_db(fields=["revoked", "revoked_because"])
    return token


def revoke_all_tokens(*, account, reason):
    """Revoke every token of `account` (a login or its id) still unrevoked, because of `reason` (a
    Revocation): what vouched for them (the password, the second factor, the account) changed.
    Returns how many."""
    return ApiToken.objects.filter(user=account, revoked__isnull=True).update(
        revoked=timezone.now(), revoked_because=reason
    )
