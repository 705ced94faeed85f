"""Demo logins: one user per role, each with the contact person that gives the role its scope.

For the embedded mode only; the demo password is public by design.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from iisg.core.choices import Role
from iisg.directory.models import Person

from .upsert import set_related, upsert

DEMO_PASSWORD = "iisg-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    person: str
    organisation: str  # key of data/organisations.toml
    partner: str | None = None  # the partner a focal point speaks for


LOGINS = (
    DemoLogin("secretariat", Role.SECRETARIAT, "Secretariat officer (demo)", "iisg-secretariat"),
    DemoLogin("member", Role.MEMBER, "Support Group member (demo)", "moi-si"),
    DemoLogin("focal_point", Role.FOCAL_POINT, "Focal point for Albania (demo)", "moi-al", partner="AL"),
    DemoLogin("donor", Role.DONOR, "Donor officer, Austria (demo)", "moi-at"),
    DemoLogin("implementer", Role.IMPLEMENTER, "Implementer officer, GIZ (demo)", "giz"),
)
LOGINS_BY_ROLE = {login.role: login for login in LOGINS}


def load_logins(*, organisations, partners):
    """Create or restore the demo users, their role groups and people; return (login, user) pairs.

    A user whose password was changed gets the demo password back; one that still has it is not
    touched, so a second call changes nothing.
    """
    loaded = []
    usernames = [login.username for login in LOGINS]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    for login in LOGINS:
        user = upsert(
            User,
            key={"username": login.username},
            values={
                "email": f"{login.username}@demo.iisg.invalid",
                "is_staff": True,
                "is_superuser": False,
                "is_active": True,
            },
            # Hashing takes a while: the password is hashed for a user being created, and checked
            # for one that was there.
            create_only=lambda: {"password": make_password(DEMO_PASSWORD)},
        )
        if login.username in existing and not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        set_related(user, "groups", [Group.objects.get(name=login.role)])
        upsert(
            Person,
            key={"user": user},
            values={
                "name": login.person,
                "organisation": organisations[login.organisation],
                "partner": partners[login.partner] if login.partner else None,
                "position": "Demo login",
                "email": user.email,
            },
        )
        loaded.append((login, user))
    return loaded


def demo_users():
    """The demo users that exist, by role (none when the demo was loaded without logins)."""
    users = User.objects.filter(username__in=[login.username for login in LOGINS])
    by_username = {user.username: user for user in users}
    return {login.role: by_username.get(login.username) for login in LOGINS}
