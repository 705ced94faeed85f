"""The API asks iisg.core.permissions, like every other way in.

Reads: the viewsets narrow their querysets with `visible()`, so what a user may not see answers
404, never 403. Writes: only with a token (a browser session, which a forged page could ride,
only reads), and only what `can()` allows.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from iisg.core.choices import Verb
from iisg.core.permissions import can

from .authentication import TokenAuthentication

VERB_OF_METHOD = {"POST": Verb.ADD, "PUT": Verb.CHANGE, "PATCH": Verb.CHANGE, "DELETE": Verb.DELETE}


def token_authenticated(request):
    return isinstance(request.successful_authenticator, TokenAuthentication)


class RulePermission(permissions.BasePermission):
    """Reads for whoever the queryset lets through; writes with a token, as `can()` decides.

    A view may name `write_verbs` for its actions (`{"submit": Verb.CHANGE}`) whose verb is not the
    HTTP method's."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not token_authenticated(request):
            raise exceptions.PermissionDenied(_("Changes through the API need a token (POST /api/token/)."))
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None or getattr(view, "action", None) not in {"create"}:
            return True
        if not can(request.user, Verb.ADD, model):
            raise exceptions.PermissionDenied(
                _("Your role does not allow adding %(things)s.") % {"things": model._meta.verbose_name_plural}
            )
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        verb = getattr(view, "write_verbs", {}).get(view.action) or VERB_OF_METHOD[request.method]
        return can(request.user, verb, obj)
