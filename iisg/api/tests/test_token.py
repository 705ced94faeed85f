import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from iisg.core.choices import Role
from iisg.core.tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_a_user_gets_the_same_token_for_their_password(db):
    user = f.UserFactory(roles=[Role.DONOR])
    client = APIClient()
    first = client.post("/api/token/", {"username": user.username, "password": PASSWORD})
    assert first.status_code == 200
    assert first.json()["token"] == Token.objects.get(user=user).key
    assert client.post("/api/token/", {"username": user.username, "password": PASSWORD}).json() == first.json()


def test_a_wrong_password_gets_no_token(db):
    user = f.UserFactory()
    response = APIClient().post("/api/token/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Unknown username or wrong password."}
    assert not Token.objects.exists()


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
    assert not Token.objects.exists()


def test_an_account_with_two_factor_needs_its_code(db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = f.UserFactory()
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    response = APIClient().post("/api/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "otp_token" in response.json()
    assert not Token.objects.exists()


def test_secretariat_manages_tokens_in_the_back_office_others_see_their_own(db, client):
    from rest_framework.authtoken.models import TokenProxy

    from iisg.core.permissions import visible

    secretariat, donor, other = (
        f.UserFactory(roles=[Role.SECRETARIAT]),
        f.UserFactory(roles=[Role.DONOR]),
        f.UserFactory(),
    )
    for user in (secretariat, donor, other):
        Token.objects.create(user=user)
    assert visible(secretariat, TokenProxy.objects.all()).count() == 3
    assert list(visible(donor, TokenProxy.objects.all()).values_list("user", flat=True)) == [donor.pk]
    client.force_login(secretariat)
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 200
