"""Who may see and manage logins and roles (django.contrib.auth), which core/accounts.py manages."""

from .permissions import AccountRule, RolesRule

RULES = {
    "auth.user": AccountRule(),
    "auth.group": RolesRule(),
}
