"""Demo logins: one per role, with the scope of its role, and the command that lists them."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from iisg.core.choices import Role
from iisg.core.permissions import viewer_of
from iisg.demo.logins import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_there_is_one_staff_login_per_role_with_the_demo_password(demo):
    for role in Role.values:
        (user,) = User.objects.filter(groups__name=role)
        assert user.is_staff
        assert not user.is_superuser
        assert user.check_password(DEMO_PASSWORD)
        assert user.person.organisation is not None
    assert [user.username for _, user in demo.logins] == [
        "secretariat",
        "member",
        "focal_point",
        "donor",
        "implementer",
    ]


def test_the_logins_carry_the_scope_of_their_role(demo):
    focal_point = User.objects.get(username="focal_point")
    assert viewer_of(focal_point).is_focal_point
    assert focal_point.person.partner.code == focal_point.person.organisation.partner.code == "AL"
    assert User.objects.get(username="donor").person.organisation.name == "Ministry of Interior of Austria"
    assert User.objects.get(username="implementer").person.organisation.acronym == "GIZ"
    assert viewer_of(User.objects.get(username="donor")).writes_actions
    assert viewer_of(User.objects.get(username="secretariat")).is_secretariat


def test_the_donor_and_implementer_logins_proposed_responses_to_their_own_actions(demo):
    for username in ("donor", "implementer"):
        user = User.objects.get(username=username)
        proposed = user.proposed_responses.all()
        assert proposed.exists()
        assert all(
            response.action.participations.filter(organisation=user.person.organisation).exists()
            for response in proposed
        )


def test_the_command_prints_the_logins_with_their_password(demo, fast_hashers):
    output = StringIO()
    call_command("load_demo", stdout=output)
    printed = output.getvalue()
    assert DEMO_PASSWORD in printed
    for username in ("secretariat", "member", "focal_point", "donor", "implementer"):
        assert f"  {username} " in printed
    assert "37 events" in printed
