"""Logins: lock-out after repeated failures (django-axes), strong passwords, the optional TOTP second
factor (django-otp), and the security headers every response carries."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from iisg.core import accounts
from iisg.core.choices import Role

from . import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
LOGIN = reverse("admin:login")


@pytest.fixture
def staff():
    user = f.UserFactory(username="anna", roles=[Role.SECRETARIAT])
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, username, password, *, meta=None, **extra):
    """Post the login form (`extra` are more fields); `meta` is what the server sees of the connection."""
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/", **extra}, **(meta or {}))


def through(forwarded, remote="10.0.0.2"):
    return {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}


def logged_in(client):
    return "_auth_user_id" in client.session


# Lock-out after repeated failures


def test_five_wrong_passwords_lock_the_account_out_even_with_the_right_one(client, staff):
    for _attempt in range(4):
        assert log_in(client, "anna", "wrong-password").status_code == 200
    locked = log_in(client, "anna", "wrong-password")
    assert locked.status_code == 429
    assert "This account is locked after 5 failed login attempts" in locked.text
    assert "Try again in 0:15:00" in locked.text

    refused = log_in(client, "anna", PASSWORD)
    assert refused.status_code == 429
    assert not logged_in(client)


def test_a_locked_out_login_logs_in_again_once_the_attempts_are_reset(client, staff):
    for _attempt in range(5):
        log_in(client, "anna", "wrong-password")
    AccessAttempt.objects.all().delete()  # what `manage.py axes_reset` and the cool-off do

    assert log_in(client, "anna", PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_lock_out_is_per_username_so_others_still_log_in(client, staff):
    other = f.UserFactory(username="boris", roles=[Role.MEMBER])
    other.set_password(PASSWORD)
    other.save()
    for _attempt in range(5):
        log_in(client, "anna", "wrong-password")

    assert log_in(client, "boris", PASSWORD).status_code == 302
    assert logged_in(client)


def test_without_a_trusted_proxy_a_forged_forwarded_address_does_not_escape_the_lock_out(client, staff):
    for attempt in range(5):
        log_in(client, "anna", "wrong-password", meta=through(f"10.0.0.{attempt}", remote="198.51.100.7"))

    assert log_in(client, "anna", PASSWORD, meta=through("10.0.1.1", remote="198.51.100.7")).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_behind_a_proxy_the_lock_out_is_per_client_and_the_client_cannot_choose_its_address(client, staff, settings):
    settings.TRUSTED_PROXIES = 1
    # The client forges an entry; the proxy (10.0.0.2) appends the address it really came from.
    for attempt in range(5):
        log_in(client, "anna", "wrong-password", meta=through(f"203.0.113.{attempt}, 198.51.100.7"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    assert log_in(client, "anna", PASSWORD, meta=through("198.51.100.7")).status_code == 429

    # Anna from another address, behind the same proxy, is not locked out by the attacker.
    assert log_in(client, "anna", PASSWORD, meta=through("192.0.2.44")).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # no proxy trusted: the header is the client's own words
        (1, "", "10.0.0.2"),  # the request did not come through the proxy
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "203.0.113.9, 192.0.2.1", "192.0.2.1"),
        (2, "203.0.113.9, 192.0.2.1, 10.0.0.1", "192.0.2.1"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_through_the_trusted_proxies_only(rf, settings, proxies, forwarded, expected):
    from iisg.core.clients import client_address

    settings.TRUSTED_PROXIES = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.2", **headers)) == expected


def test_a_success_clears_the_failures(client, staff):
    for _attempt in range(4):
        log_in(client, "anna", "wrong-password")
    assert log_in(client, "anna", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        assert log_in(client, "anna", "wrong-password").status_code == 200


def test_a_username_is_locked_out_from_every_address_after_20_failures_from_many(client, staff):
    for attempt in range(19):
        assert log_in(client, "anna", "wrong-password", meta={"REMOTE_ADDR": f"203.0.113.{attempt}"}).status_code == 200
    assert log_in(client, "anna", "wrong-password", meta={"REMOTE_ADDR": "203.0.113.19"}).status_code == 429

    locked = log_in(client, "anna", PASSWORD, meta={"REMOTE_ADDR": "192.0.2.44"})

    assert locked.status_code == 429
    assert "This account is locked after 20 failed login attempts from several addresses" in locked.text
    assert not logged_in(client)


def test_failures_from_many_addresses_below_the_username_limit_do_not_lock_the_username(client, staff):
    for attempt in range(19):
        log_in(client, "anna", "wrong-password", meta={"REMOTE_ADDR": f"203.0.113.{attempt}"})
    assert log_in(client, "anna", PASSWORD, meta={"REMOTE_ADDR": "192.0.2.44"}).status_code == 302


def test_the_username_limit_is_read_from_the_settings(client, staff, settings):
    settings.AXES_USERNAME_FAILURE_LIMIT = 3
    for attempt in range(3):
        log_in(client, "anna", "wrong-password", meta={"REMOTE_ADDR": f"203.0.113.{attempt}"})
    assert log_in(client, "anna", PASSWORD, meta={"REMOTE_ADDR": "192.0.2.44"}).status_code == 429


def test_the_api_answers_a_lock_out_in_json_with_retry_after(staff):
    from rest_framework.test import APIClient

    api = APIClient()
    for _attempt in range(5):
        api.post(reverse("api:token"), {"username": "anna", "password": "wrong-password"})

    locked = api.post(reverse("api:token"), {"username": "anna", "password": PASSWORD})

    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert locked.json() == {"detail": "Too many wrong passwords for this account: try again in 15 minutes."}
    assert locked["Retry-After"] == "900"


# Lifting a lock-out


ACCOUNTS = reverse("admin:auth_user_changelist")


def lock_out(client, username):
    for _attempt in range(5):
        log_in(client, username, "wrong-password")


def test_the_secretariat_sees_who_is_locked_out_and_lifts_it(client, staff):
    lock_out(client, "anna")
    manager = Client()
    manager.force_login(f.user_with(Role.SECRETARIAT))

    listed = manager.get(ACCOUNTS).context["cl"].result_list
    assert {account.username: account.locked_out for account in listed}["anna"] is True
    assert [account.username for account in listed if account.locked_out] == ["anna"]

    done = manager.post(ACCOUNTS, {"action": "lift_lock_out", "_selected_action": [staff.pk]}, follow=True)
    assert "Lock-out lifted: anna. They may log in again." in done.text
    assert not AccessAttempt.objects.filter(username="anna").exists()
    assert log_in(client, "anna", PASSWORD).status_code == 302


def test_the_secretariat_sees_a_username_locked_out_from_every_address(client, staff, settings):
    settings.AXES_USERNAME_FAILURE_LIMIT = 3
    for attempt in range(3):
        log_in(client, "anna", "wrong-password", meta={"REMOTE_ADDR": f"203.0.113.{attempt}"})
    manager = Client()
    manager.force_login(f.user_with(Role.SECRETARIAT))
    listed = manager.get(ACCOUNTS).context["cl"].result_list
    assert [account.username for account in listed if account.locked_out] == ["anna"]

    manager.post(ACCOUNTS, {"action": "lift_lock_out", "_selected_action": [staff.pk]})
    assert log_in(client, "anna", PASSWORD).status_code == 302


def test_a_lock_out_whose_cool_off_is_over_is_not_shown(client, staff, settings):
    lock_out(client, "anna")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    manager = Client()
    manager.force_login(f.user_with(Role.SECRETARIAT))
    assert not any(account.locked_out for account in manager.get(ACCOUNTS).context["cl"].result_list)


def test_only_who_manages_logins_lifts_a_lock_out(client, staff):
    lock_out(client, "anna")
    member = Client()
    member.force_login(f.user_with(Role.MEMBER))

    assert member.get(ACCOUNTS).context["action_form"] is None  # no action on logins is offered
    refused = member.post(ACCOUNTS, {"action": "lift_lock_out", "_selected_action": [staff.pk]}, follow=True)
    assert "Lock-out lifted" not in refused.text
    assert AccessAttempt.objects.filter(username="anna").exists()
    with pytest.raises(PermissionDenied):
        accounts.lift_lock_out(user=f.user_with(Role.MEMBER), account=staff)


def test_only_a_superuser_lifts_a_superusers_lock_out(client, staff):
    root = f.UserFactory(username="root", is_superuser=True)
    AccessAttempt.objects.create(username="root", ip_address="127.0.0.1", failures_since_start=5, get_data="",
                                 post_data="", http_accept="", path_info="/admin/login/", user_agent="")  # fmt: skip
    with pytest.raises(PermissionDenied):
        accounts.lift_lock_out(user=f.user_with(Role.SECRETARIAT), account=root)
    assert accounts.lift_lock_out(user=f.UserFactory(is_superuser=True), account=root) == 1


# Strong passwords


@pytest.mark.parametrize(
    "password",
    ["Sh0rt-pass!", "password1234", "12345678901234", "anna-berger-2026"],
    ids=["shorter-than-12", "common", "numeric", "like-the-username"],
)
def test_weak_passwords_are_refused(password):
    user = f.UserFactory.build(username="anna-berger", first_name="Anna", last_name="Berger")
    with pytest.raises(ValidationError):
        validate_password(password, user)


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("focal", "focalfocal2026"),
        ("focal", "Lacof-harbour-2026"),
        ("focal_point", "FocalPoint-harbour"),
        ("Anna", "my name is ANNA, 2026"),
    ],
    ids=["doubled", "reversed", "without-the-underscore", "other-case"],
)
def test_a_password_containing_the_username_is_refused(username, password):
    with pytest.raises(ValidationError, match="The password contains the username"):
        validate_password(password, f.UserFactory.build(username=username))


def test_a_very_short_username_inside_an_ordinary_word_is_no_reason_to_refuse():
    validate_password("Ohrid lake at dawn, 7 boats", f.UserFactory.build(username="at"))


def test_the_secretariat_cannot_give_a_login_its_username_doubled_as_password(client):
    client.force_login(f.UserFactory(roles=[Role.SECRETARIAT]))
    user = f.UserFactory(username="focal")
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(url, {"password1": "focalfocal2026", "password2": "focalfocal2026"})
    assert response.status_code == 200
    assert "The password contains the username" in response.text


def test_a_long_uncommon_password_passes():
    validate_password("Ohrid lake at dawn, 7 boats", f.UserFactory.build(username="anna"))


def test_the_secretariat_cannot_give_a_login_a_short_password(client):
    client.force_login(f.UserFactory(roles=[Role.SECRETARIAT]))
    user = f.UserFactory(username="focal")
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(url, {"password1": "Tirana-2026", "password2": "Tirana-2026"})
    assert response.status_code == 200
    assert "at least 12 characters" in response.text


def test_the_demo_password_passes_the_validators_for_every_demo_login():
    from django.contrib.auth.models import User

    from iisg.demo.logins import DEMO_PASSWORD, LOGINS

    for login in LOGINS:
        validate_password(DEMO_PASSWORD, User(username=login.username, email=f"{login.username}@demo.iisg.invalid"))


# Two-factor authentication


def current_code(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += offset * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def device(staff):
    return TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)


def test_a_refused_next_after_signing_in_goes_to_the_back_office(client, staff):
    url = f"{LOGIN}?next=https://evil.example/"
    response = client.post(url, {"username": "anna", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_staff_without_a_device_log_in_with_the_password_alone(client, staff):
    assert log_in(client, "anna", PASSWORD).status_code == 302
    assert logged_in(client)


def test_staff_with_a_device_must_give_its_code(client, device):
    response = log_in(client, "anna", PASSWORD)
    assert response.status_code == 200
    assert "This account uses two-factor authentication" in response.text
    assert not logged_in(client)


def test_the_right_code_logs_in_and_verifies_the_session(client, device):
    response = log_in(client, "anna", PASSWORD, otp_token=current_code(device))
    assert response.status_code == 302
    assert logged_in(client)
    assert client.get(reverse("admin:index")).wsgi_request.user.is_verified()


def test_a_wrong_code_is_refused(client, device):
    response = log_in(client, "anna", PASSWORD, otp_token=current_code(device, offset=10))
    assert response.status_code == 200
    assert "This code is not right" in response.text
    assert not logged_in(client)


def test_the_secretariat_turns_off_the_second_factor_of_someone_who_lost_the_phone(client, staff, device):
    manager = Client()
    manager.force_login(f.user_with(Role.SECRETARIAT))
    listed = manager.get(ACCOUNTS).context["cl"].result_list
    assert [account.username for account in listed if account.has_two_factor] == ["anna"]

    done = manager.post(ACCOUNTS, {"action": "turn_off_two_factor", "_selected_action": [staff.pk]}, follow=True)

    assert "Two-factor login turned off: anna." in done.text
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert log_in(client, "anna", PASSWORD).status_code == 302


def test_only_who_manages_logins_turns_off_a_second_factor(staff, device):
    with pytest.raises(PermissionDenied):
        accounts.turn_off_two_factor(user=f.user_with(Role.MEMBER), account=staff)
    root = f.UserFactory(is_superuser=True)
    TOTPDevice.objects.create(user=root, name="Authenticator app", confirmed=True)
    with pytest.raises(PermissionDenied):
        accounts.turn_off_two_factor(user=f.user_with(Role.SECRETARIAT), account=root)
    assert TOTPDevice.objects.count() == 2


def test_another_users_device_does_not_open_the_account(client, staff, device):
    other = f.UserFactory(username="boris", roles=[Role.SECRETARIAT])
    other.set_password(PASSWORD)
    other.save()
    other_device = TOTPDevice.objects.create(user=other, name="Authenticator app", confirmed=True)
    device.delete()
    TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)

    response = log_in(client, "anna", PASSWORD, otp_token=current_code(other_device))
    assert not logged_in(client)
    assert response.status_code == 200


def test_the_login_page_offers_the_code_field(client):
    response = client.get(LOGIN)
    assert 'name="otp_token"' in response.text
    assert 'autocomplete="one-time-code"' in response.text


def test_a_staff_user_enrols_a_device_with_a_first_code_then_needs_it_to_log_in(client, staff):
    client.force_login(staff)
    page = client.get(reverse("two-factor"))
    assert page.status_code == 200
    qr_code = re.search(r'<div class="two-factor-qr">(.*?)</div>', page.text, re.S)[1]
    assert qr_code.strip().startswith("<svg")
    assert "<script" not in qr_code
    assert "href" not in qr_code
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "an inline script"
    secret = re.search(r'<code id="two-factor-secret">([A-Z2-7 ]+)</code>', page.text)[1]
    pending = TOTPDevice.objects.get(user=staff)
    assert not pending.confirmed
    assert secret.replace(" ", "") in pending.config_url

    refused = client.post(reverse("two-factor"), {"code": current_code(pending, offset=10)})
    assert "This code is not right" in refused.text
    pending.refresh_from_db()
    assert not pending.confirmed

    pending.throttle_reset()
    confirmed = client.post(reverse("two-factor"), {"code": current_code(pending)})
    assert confirmed.status_code == 200
    assert "Your recovery codes" in confirmed.text
    pending.refresh_from_db()
    assert pending.confirmed

    client.logout()
    assert log_in(client, "anna", PASSWORD).status_code == 200
    assert not logged_in(client)


def test_a_staff_user_removes_their_device_with_a_current_code(client, device):
    client.force_login(device.user)
    page = client.get(reverse("two-factor"))
    assert "Two-factor authentication is on" in page.text

    refused = client.post(reverse("two-factor"), {"action": "remove", "remove-code": current_code(device, offset=10)})
    assert "This code is not right" in refused.text
    assert TOTPDevice.objects.filter(user=device.user).exists()
    device.refresh_from_db()
    device.throttle_reset()

    removed = client.post(reverse("two-factor"), {"action": "remove", "remove-code": current_code(device)})
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=device.user).exists()


def test_the_two_factor_page_is_for_signed_in_staff_only(client):
    response = client.get(reverse("two-factor"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_back_office_links_to_the_two_factor_page(client, staff):
    client.force_login(staff)
    assert f'href="{reverse("two-factor")}"' in client.get(reverse("admin:index")).text


# Headers


def test_every_page_carries_the_content_security_policy_and_the_other_headers(client):
    response = client.get("/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["img-src"] == "'self' data:"
    assert policy["base-uri"] == policy["form-action"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/api/", "/no-such-page/"])
def test_every_response_turns_off_the_browser_features_no_page_uses(client, path):
    policy = client.get(path)["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
