"""`Authorization: Token <key>`: the API's way in for scripts (iisg.api.models.ApiToken)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken, digest_of
from .services import note_use


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's header parsing and 401 answer (`WWW-Authenticate: Token`), with our tokens: found by
    the digest of the key, refused once revoked or expired, or when their user is inactive."""

    def authenticate_credentials(self, key):
        # Looked up by the key's SHA-256, never by the key: how long the index comparison takes
        # tells at most how much of a digest matched, and a matching digest prefix says nothing
        # about the key that would produce it, so the lookup leaks nothing a timing attack can use.
        token = ApiToken.objects.select_related("user").filter(digest=digest_of(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                _("This token expired after %(date)s.") % {"date": token.expires.isoformat()}
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        note_use(token=token)
        return token.user, token
