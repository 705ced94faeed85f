from functools import cached_property

from .notify import unread_count


class Bell:
    """The bell of the back office's header: how many notifications the user has not read,
    counted (one query) the first time a page asks, never if it does not."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def unread(self):
        return unread_count(self.user)


def notifications(request):
    """The bell, for a signed-in staff user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    return {"notification_bell": Bell(user)}
