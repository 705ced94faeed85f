"""Who does the demo's work: the demo writes its records through the services, and a service asks
who acts (can()) and names them in the history.

The Secretariat's steps (opening and adopting the needs cycle, adding needs and reviewing them,
adding actions, confirming and rejecting responses, products and events) are done by the demo's
Secretariat login when the demo has logins: whoever signs in as it finds its own work in the
history. A demo loaded without logins (the production mode) has no person to act for it, so the
steps are done by the demo loader: an account of the Secretariat that cannot sign in (no usable
password, no access to the back office), made only when a step is to be done. The donor and
implementer logins propose the responses to their own organisations' actions; without logins,
the Secretariat proposes them.
"""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from iisg.core.choices import Role

from .logins import demo_users
from .upsert import set_related, upsert

LOADER_USERNAME = "demo-loader"


class Actors:
    """The users the demo acts as, read once per load."""

    def __init__(self):
        self._logins = demo_users()
        self._loader = None

    @property
    def secretariat(self):
        """The demo's Secretariat login, else the demo loader."""
        return self._logins.get(Role.SECRETARIAT) or self.loader()

    def proposer(self, role):
        """Who proposes a response the plan gives to `role` (a demo login's role, or None for the
        Secretariat): that login when the demo has it, else the Secretariat."""
        return (self._logins.get(role) if role else None) or self.secretariat

    def loader(self):
        """The demo loader's account, made (or brought back to what it must be) when first asked."""
        if self._loader is None:
            self._loader = load_loader()
        return self._loader


def load_loader():
    """The account that acts for a demo without logins: in the Secretariat group, active (the
    rules give no rights to an inactive account) and unable to sign in: no usable password, not
    staff. A second call changes nothing."""
    user = upsert(
        User,
        key={"username": LOADER_USERNAME},
        values={
            "first_name": "Demo",
            "last_name": "loader",
            "email": "",
            "is_staff": False,
            "is_superuser": False,
            "is_active": True,
        },
        create_only={"password": make_password(None)},
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    set_related(user, "groups", [Group.objects.get(name=Role.SECRETARIAT)])
    return user
