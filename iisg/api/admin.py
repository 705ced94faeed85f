"""API tokens in the back office: a list without keys (none is stored), where each may be revoked.

Nobody adds or changes a token here: each user issues their own at /account/tokens/ (or POST
/api/token/), so that no one, not even the Secretariat, holds a key that acts as someone else."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from iisg.core.admin import RuleAdminMixin, ShownNotWritten, apply_to_each
from iisg.core.errors import NotAllowed

from . import services
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(ShownNotWritten, RuleAdminMixin, admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created", "expires", "last_used", "revoked", "revoked_because"]
    list_select_related = ["user"]
    list_filter = ["expires", "revoked", "revoked_because"]
    search_fields = ["user__username", "name", "prefix"]
    fields = ["user", "name", "prefix", "created", "expires", "last_used", "revoked", "revoked_because"]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset,
            lambda token: services.revoke_token(user=request.user, token=token),
            name=str,
            done=lambda token: _("%(token)s is revoked.") % {"token": token},
            refused=NotAllowed,
        )
