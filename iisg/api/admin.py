"""API tokens in the back office, under the same rule as everything else (TokenRule)."""

from django.contrib import admin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from iisg.core.admin import RuleAdminMixin


class RuleTokenAdmin(RuleAdminMixin, TokenAdmin):
    pass


if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
admin.site.register(TokenProxy, RuleTokenAdmin)
