"""Password rules of our own, beside Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A name this short occurs inside ordinary words ("ana" in "banana"): refusing those says nothing.
SHORTEST_NAME = 3


def folded(text):
    """`text` compared as a person would read it: case and punctuation aside ("Focal_Point" is "focalpoint")."""
    return "".join(character for character in text.casefold() if character.isalnum())


class UsernameInPasswordValidator:
    """Refuse a password that contains the username, forwards or backwards, in any case ("focalfocal",
    "Lacof2026!"): Django's similarity validator compares the whole password with the username, and
    a username doubled is not similar enough for it."""

    def validate(self, password, user=None):
        username = folded(user.get_username()) if user is not None else ""
        if len(username) < SHORTEST_NAME:
            return
        text = folded(password)
        if username in text or username[::-1] in text:
            raise ValidationError(
                _("The password contains the username. Choose one that does not."), code="password_contains_username"
            )

    def get_help_text(self):
        return _("Your password cannot contain your username, forwards or backwards.")
