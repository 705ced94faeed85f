"""A new login created by the Secretariat is mailed a one-time link to set its own password."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.errors import NotAllowed
from iisg.core.tests import factories as f
from iisg.workplace.accounts import invite
from iisg.workplace.choices import MailStatus
from iisg.workplace.errors import CannotInvite
from iisg.workplace.models import Mail

pytestmark = pytest.mark.django_db

PASSWORD = "Plum-Orchard-Lantern-42"
ADD_LOGIN = reverse("admin:auth_user_add")


@pytest.fixture
def secretariat(settings):
    settings.SITE_URL = "https://iisg.example.org"
    return f.UserFactory(username="sofia", first_name="Sofia", last_name="Marin", roles=[Role.SECRETARIAT])


@pytest.fixture
def newcomer():
    user = User.objects.create_user("boris", email="boris@example.org", first_name="Boris")
    user.set_unusable_password()
    user.save()
    return user


def link_in(mail):
    [link] = re.findall(r"https://iisg\.example\.org(/account/set-password/[^/\s]+/[^/\s]+/)", mail.text)
    return link


def add_login(client, **fields):
    data = {"username": "boris", "usable_password": "false", "password1": "", "password2": "", **fields}
    return client.post(ADD_LOGIN, data, follow=True)


# The invitation


def test_an_invitation_mails_the_new_login_a_link_to_set_its_password(secretariat, newcomer):
    mail = invite(user=newcomer, by=secretariat)

    assert (mail.to, mail.recipient, mail.status) == ("boris@example.org", newcomer, MailStatus.QUEUED)
    assert mail.subject == "Your login to the IISG Platform: set your password"
    assert "Dear Boris," in mail.text
    assert "Sofia Marin created a login for you" in mail.text
    assert "Your username is boris." in mail.text
    assert "within 3 days" in mail.text
    assert "https://iisg.example.org/admin/login/" in mail.text
    assert f'href="https://iisg.example.org{link_in(mail)}"' in mail.html


def test_the_link_sets_the_password_once(client, secretariat, newcomer):
    link = link_in(invite(user=newcomer, by=secretariat))

    form = client.get(link, follow=True)
    assert form.context["validlink"]
    assert "Set your password" in form.text
    done = client.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})

    assert done.url == reverse("password_reset_complete")
    newcomer.refresh_from_db()
    assert newcomer.check_password(PASSWORD)
    assert not client.get(link, follow=True).context["validlink"], "used once"


def test_the_link_stops_working_after_the_reset_timeout(client, settings, secretariat, newcomer, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 2 * 24 * 3600
    mail = invite(user=newcomer, by=secretariat)
    assert "within 2 days" in mail.text
    later = datetime.now() + timedelta(days=2, minutes=1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    page = client.get(link_in(mail), follow=True)

    assert not page.context["validlink"]
    assert "This link does not work any more" in page.text


def test_a_login_without_an_address_or_inactive_cannot_be_invited(secretariat, newcomer):
    newcomer.email = ""
    with pytest.raises(CannotInvite, match="has no e-mail address"):
        invite(user=newcomer, by=secretariat)

    newcomer.email, newcomer.is_active = "boris@example.org", False
    with pytest.raises(CannotInvite, match="is inactive"):
        invite(user=newcomer, by=secretariat)
    assert not Mail.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_only_who_manages_logins_invites(role, newcomer):
    with pytest.raises(NotAllowed):
        invite(user=newcomer, by=f.UserFactory(roles=[role]))

    assert not Mail.objects.exists()


def test_a_superuser_is_invited_only_by_a_superuser(secretariat):
    root = User.objects.create_superuser("root", email="root@example.org")

    with pytest.raises(NotAllowed):
        invite(user=root, by=secretariat)


# The back office's "Add login"


def test_adding_a_login_with_an_address_mails_it_the_link(
    client, secretariat, smtp_server, deliver_queued_mail, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)

    with django_capture_on_commit_callbacks(execute=True):
        page = add_login(client, email="boris@example.org", first_name="Boris", last_name="Petrov")

    assert page.status_code == 200
    assert "A link to set the password is on its way to boris@example.org." in page.text
    boris = User.objects.get(username="boris")
    assert not boris.has_usable_password()
    assert deliver_queued_mail() == 1
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ("boris@example.org",)
    assert received.subject == "Your login to the IISG Platform: set your password"
    assert "Dear Boris Petrov," in received.text
    assert "/account/set-password/" in received.html


def test_adding_a_login_without_an_address_says_no_link_was_sent(client, secretariat):
    client.force_login(secretariat)

    page = add_login(client)

    assert User.objects.filter(username="boris").exists()
    assert "No link to set a password was sent: boris has no e-mail address" in page.text
    assert not Mail.objects.exists()


def test_the_add_login_page_asks_for_the_address_and_says_why(client, secretariat):
    client.force_login(secretariat)

    page = client.get(ADD_LOGIN)

    assert 'name="email"' in page.text
    assert "is mailed a link to set its own password" in page.text


def test_changing_a_login_sends_no_invitation(client, secretariat, newcomer):
    client.force_login(secretariat)

    saved = client.post(
        reverse("admin:auth_user_change", args=[newcomer.pk]),
        {"username": "boris", "email": "boris@example.org", "first_name": "Boris B.", "is_active": "on",
         "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00"},
    )  # fmt: skip

    assert saved.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.first_name == "Boris B."
    assert not Mail.objects.exists()
