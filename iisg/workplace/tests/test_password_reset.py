"""Password reset by e-mail: Django's views under their standard names at /account/, the mail
queued (never sent inside the request), the same answer whether or not an address has a login, the
password rules kept, a one-time link, and a lock-out lifted by the new password."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail as outbox
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.workplace.choices import MailStatus
from iisg.workplace.models import Mail

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "Plum-Orchard-Lantern-42"
RESET = reverse("password_reset")
LOGIN = reverse("admin:login")


@pytest.fixture
def ana(settings):
    settings.SITE_URL = "https://iisg.example.org"
    return f.user_with(Role.FOCAL_POINT, partner=f.PartnerFactory(code="AL"))


def ask_for_reset(client, address, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(RESET, {"email": address})


def link_in(mail):
    [link] = re.findall(r"https://iisg\.example\.org(/account/password-reset/[^/\s]+/[^/\s]+/)", mail.text)
    return link


def log_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def set_password(client, link, password, confirmation=None):
    """Open the link of the mail, as its reader does, and choose `password`."""
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert form.context["validlink"], "the link opens the form"
    return client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": confirmation or password}
    )


# Asking for a link


def test_the_sign_in_page_offers_a_password_reset(client):
    page = client.get(LOGIN)

    assert 'href="/account/password-reset/"' in page.text
    assert "Forgotten your password?" in page.text


def test_the_reset_page_asks_for_the_address_in_the_back_offices_look(client):
    page = client.get(RESET)

    assert page.status_code == 200
    assert "Forgotten your password?" in page.text
    assert 'name="email"' in page.text
    assert 'id="designation-footnote"' in page.text, "the back office's own page"
    assert "<script>" not in page.text


def test_a_reset_queues_a_mail_with_a_one_time_link_and_sends_nothing_in_the_request(
    client, ana, django_capture_on_commit_callbacks
):
    response = ask_for_reset(client, ana.email, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert outbox.outbox == [], "the worker sends it, not the request"
    mail = Mail.objects.get()
    assert (mail.to, mail.recipient, mail.status) == (ana.email, ana, MailStatus.QUEUED)
    assert mail.subject == "Choose a new password for the IISG Platform"
    assert ana.username in mail.text
    assert "3 days" in mail.text
    assert f'href="https://iisg.example.org{link_in(mail)}"' in mail.html


def test_the_address_is_matched_whatever_its_case(client, ana, django_capture_on_commit_callbacks):
    ask_for_reset(client, ana.email.upper(), django_capture_on_commit_callbacks)

    assert Mail.objects.get().to == ana.email


def test_the_answer_is_the_same_whether_or_not_the_address_has_a_login(client, ana, django_capture_on_commit_callbacks):
    known = ask_for_reset(client, ana.email, django_capture_on_commit_callbacks)
    unknown = ask_for_reset(client, "nobody@example.org", django_capture_on_commit_callbacks)

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert Mail.objects.filter(to="nobody@example.org").count() == 0
    page = client.get(known.url)
    assert "If the address you entered belongs to a login" in page.text


def test_an_inactive_login_is_sent_nothing(client, ana, django_capture_on_commit_callbacks):
    User.objects.filter(pk=ana.pk).update(is_active=False)

    assert ask_for_reset(client, ana.email, django_capture_on_commit_callbacks).status_code == 302

    assert not Mail.objects.exists()


def test_a_login_without_a_password_yet_is_sent_a_link_too(client, ana, django_capture_on_commit_callbacks):
    ana.set_unusable_password()
    ana.save()

    ask_for_reset(client, ana.email, django_capture_on_commit_callbacks)

    assert Mail.objects.get().to == ana.email


# Following the link


def test_the_link_sets_a_new_password_once_and_the_old_one_stops_working(
    client, ana, django_capture_on_commit_callbacks
):
    ask_for_reset(client, ana.email, django_capture_on_commit_callbacks)
    link = link_in(Mail.objects.get())

    done = set_password(client, link, NEW_PASSWORD)

    assert done.status_code == 302
    assert done.url == reverse("password_reset_complete")
    assert "Your password is set." in client.get(done.url).text
    assert log_in(client, ana.username, OLD_PASSWORD).status_code == 200, "the old password is refused"
    assert log_in(client, ana.username, NEW_PASSWORD).status_code == 302
    client.logout()
    again = client.get(link, follow=True)
    assert not again.context["validlink"]
    assert "This link does not work any more" in again.text


def test_the_new_password_must_pass_the_password_rules(client, ana, django_capture_on_commit_callbacks):
    ask_for_reset(client, ana.email, django_capture_on_commit_callbacks)
    link = link_in(Mail.objects.get())

    short = set_password(client, link, "plum42")
    with_username = set_password(client, link, f"{ana.username}-Orchard-Lantern")
    mismatch = set_password(client, link, NEW_PASSWORD, "Plum-Orchard-Lantern-43")

    assert short.status_code == with_username.status_code == mismatch.status_code == 200
    assert "This password is too short" in short.text
    assert "The password contains the username" in with_username.text
    assert "The two password fields didn’t match." in mismatch.text
    assert "Your password must contain at least" in short.text, "the rules are shown with the field"
    ana.refresh_from_db()
    assert ana.check_password(OLD_PASSWORD)


def test_a_tampered_link_opens_nothing(client, ana):
    page = client.get(reverse("password_reset_confirm", args=["MQ", "not-a-token"]), follow=True)

    assert page.status_code == 200
    assert not page.context["validlink"]
    assert "Ask for a new link" in page.text


def test_setting_a_password_by_the_link_lifts_the_lock_out(client, ana, django_capture_on_commit_callbacks):
    for _attempt in range(5):
        log_in(client, ana.username, "wrong-password")
    assert log_in(client, ana.username, OLD_PASSWORD).status_code == 429, "locked out, even with the right one"

    ask_for_reset(client, ana.email, django_capture_on_commit_callbacks)
    set_password(client, link_in(Mail.objects.get()), NEW_PASSWORD)

    assert log_in(client, ana.username, NEW_PASSWORD).status_code == 302


def test_a_lock_out_stays_for_whoever_only_asks_for_a_link(client, ana, django_capture_on_commit_callbacks):
    for _attempt in range(5):
        log_in(client, ana.username, "wrong-password")

    ask_for_reset(client, ana.email, django_capture_on_commit_callbacks)

    assert log_in(client, ana.username, OLD_PASSWORD).status_code == 429


# Changing one's password


def test_changing_the_password_asks_to_sign_in_first(client):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")


def test_a_signed_in_login_changes_its_password_with_the_old_one(client, ana):
    client.force_login(ana)

    refused = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    changed = client.post(
        reverse("password_change"),
        {"old_password": OLD_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert refused.status_code == 200
    assert "Your old password was entered incorrectly" in refused.text
    assert changed.status_code == 302
    assert changed.url == reverse("password_change_done")
    assert "Your password is changed." in client.get(changed.url).text, "still signed in"
    ana.refresh_from_db()
    assert ana.check_password(NEW_PASSWORD)
