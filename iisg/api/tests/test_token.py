"""POST /api/token/: a new named, expiring token for a username and password (and code)."""

import datetime
import hashlib

import pytest
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from iisg.api.models import ApiToken
from iisg.core.choices import Role
from iisg.core.tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def current_code(device):
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_each_call_issues_a_new_named_token_and_shows_its_key_once(db):
    user = f.UserFactory(roles=[Role.DONOR])
    client = APIClient()
    credentials = {"username": user.username, "password": PASSWORD}
    first = client.post("/api/token/", {**credentials, "name": "Nightly IATI sync"})
    second = client.post("/api/token/", credentials)

    assert first.status_code == second.status_code == 201
    assert first.json()["name"] == "Nightly IATI sync"
    assert first.json()["token"] != second.json()["token"]
    assert [token.name for token in ApiToken.objects.filter(user=user).order_by("created")] == [
        "Nightly IATI sync",
        "Issued by /api/token/",
    ]
    written = APIClient()
    written.credentials(HTTP_AUTHORIZATION=f"Token {first.json()['token']}")
    assert written.get("/api/actions/").status_code == 200


def test_a_token_expires_by_default_after_the_longest_lifetime(db, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    user = f.UserFactory()
    response = APIClient().post("/api/token/", {"username": user.username, "password": PASSWORD})
    latest = timezone.localdate() + datetime.timedelta(days=30)
    assert response.json()["expires"] == latest.isoformat()
    assert ApiToken.objects.get(user=user).expires == latest


def test_a_token_may_not_outlive_the_longest_lifetime(db, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    user = f.UserFactory()
    too_late = timezone.localdate() + datetime.timedelta(days=31)
    response = APIClient().post(
        "/api/token/", {"username": user.username, "password": PASSWORD, "expires": too_late.isoformat()}
    )
    assert response.status_code == 400
    assert "30 days at most" in response.json()["expires"][0]
    assert not ApiToken.objects.exists()


def test_the_stored_token_holds_a_digest_of_the_key_not_the_key(db):
    user = f.UserFactory()
    key = APIClient().post("/api/token/", {"username": user.username, "password": PASSWORD}).json()["token"]
    stored = ApiToken.objects.values().get(user=user)
    assert stored["digest"] == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(stored["prefix"])
    assert len(stored["prefix"]) < len(key) // 3
    assert not any(key in str(value) for value in stored.values())
    for guess in (stored["digest"], stored["prefix"]):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {guess}")
        assert client.get("/api/partners/").status_code == 401


def test_a_wrong_password_gets_no_token(db):
    user = f.UserFactory()
    response = APIClient().post("/api/token/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Unknown username or wrong password."}
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(db):
    user = f.UserFactory(is_active=False)
    assert APIClient().post("/api/token/", {"username": user.username, "password": PASSWORD}).status_code == 400


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_passwords_lock_the_token_endpoint_like_the_login_form(db):
    user = f.UserFactory()
    client = APIClient()
    for _attempt in range(3):
        client.post("/api/token/", {"username": user.username, "password": "wrong"})
    response = client.post("/api/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code in {403, 429}
    assert not ApiToken.objects.exists()


def test_an_account_with_two_factor_needs_its_code(db):
    user = f.UserFactory()
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    response = APIClient().post("/api/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "otp_token" in response.json()
    assert not ApiToken.objects.exists()


def test_an_account_with_two_factor_gets_a_token_with_its_code(db):
    user = f.UserFactory()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    response = APIClient().post(
        "/api/token/", {"username": user.username, "password": PASSWORD, "otp_token": current_code(device)}
    )
    assert response.status_code == 201
    assert ApiToken.objects.live().filter(user=user).count() == 1


def test_a_login_that_must_use_two_factor_gets_no_token_before_enrolling(db, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    user = f.UserFactory(roles=[Role.SECRETARIAT])
    response = APIClient().post("/api/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "must use two-factor authentication" in response.json()["otp_token"][0]
    assert not ApiToken.objects.exists()


def test_drf_plaintext_tokens_are_gone(db, client):
    from django.apps import apps

    assert not apps.is_installed("rest_framework.authtoken")
    client.force_login(f.UserFactory(roles=[Role.SECRETARIAT]))
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_migrating_drops_the_table_that_held_drf_keys_in_clear(db):
    from importlib import import_module

    from django.db import connection

    drop = import_module("iisg.api.migrations.0002_drop_plaintext_tokens")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123456789abcdef0123456789abcdef01234567', 1)")
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', '0001_initial', %s)",
            ["2024-01-01"],
        )
        assert "authtoken_token" in connection.introspection.table_names(cursor)
        for statement in drop.DROP:
            cursor.execute(statement)
        assert "authtoken_token" not in connection.introspection.table_names(cursor)
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone()[0] == 0
