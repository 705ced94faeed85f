"""Who may see and manage API tokens (iisg.core.permissions machinery)."""

from iisg.core.permissions import SecretariatOnly


class TokenRule(SecretariatOnly):
    """API tokens: the Secretariat manages them; a user reads their own (and gets it from the API)."""


RULES = {
    "authtoken.token": TokenRule(),
    "authtoken.tokenproxy": TokenRule(),
}
