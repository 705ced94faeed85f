"""/account/tokens/: each signed-in user issues, lists and revokes their own API tokens."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from iisg.api.choices import Revocation
from iisg.api.models import ApiToken, digest_of
from iisg.core.choices import Role
from iisg.core.tests import factories as f

from .factories import token_key

pytestmark = pytest.mark.django_db

PAGE = reverse("api-tokens")


@pytest.fixture
def donor(client):
    user = f.UserFactory(roles=[Role.DONOR])
    client.force_login(user)
    return user


def in_a_week():
    return (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


def test_a_person_issues_a_token_and_sees_its_key_on_that_answer_only(client, donor):
    response = client.post(PAGE, {"name": "Reporting script", "expires": in_a_week()})
    assert response.status_code == 200
    key = response.context["issued"].key
    assert key in response.text
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=donor)
    assert (token.name, token.digest, token.expires.isoformat()) == ("Reporting script", digest_of(key), in_a_week())

    again = client.get(PAGE)
    assert key not in again.text
    assert "Reporting script" in again.text
    assert token.prefix in again.text


def test_the_page_refuses_an_expiry_past_the_longest_lifetime(client, donor, settings):
    settings.API_TOKEN_MAX_DAYS = 5
    response = client.post(PAGE, {"name": "Reporting script", "expires": in_a_week()})
    assert "5 days at most" in response.text
    assert not ApiToken.objects.exists()


def test_a_person_revokes_their_own_token_and_no_one_elses(client, donor):
    token_key(donor, name="Old laptop")
    token_key(f.UserFactory(), name="Someone else's")
    own, other = ApiToken.objects.get(user=donor), ApiToken.objects.exclude(user=donor).get()
    assert "Someone else's" not in client.get(PAGE).text

    assert client.post(reverse("api-token-revoke", args=[other.pk])).status_code == 404
    response = client.post(reverse("api-token-revoke", args=[own.pk]), follow=True)
    assert "The token Old laptop no longer works." in response.text
    own.refresh_from_db(), other.refresh_from_db()
    assert (own.revoked_because, other.revoked) == (Revocation.OWNER, None)


def test_the_page_refuses_a_token_to_a_session_opened_without_its_second_factor(client, donor):
    TOTPDevice.objects.create(user=donor, name="Authenticator app", confirmed=True)
    response = client.post(PAGE, {"name": "Reporting script", "expires": in_a_week()}, follow=True)
    assert "Sign in again with your two-factor code" in response.text
    assert not ApiToken.objects.exists()


def test_a_session_verified_with_its_second_factor_issues_a_token(client, donor):
    device = TOTPDevice.objects.create(user=donor, name="Authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.post(PAGE, {"name": "Reporting script", "expires": in_a_week()})
    assert response.context["issued"].token.user == donor


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.post(PAGE, {"name": "x", "expires": in_a_week()}).status_code == 302
    assert not ApiToken.objects.exists()
