"""API tokens in the back office: listed without keys, revoked by who manages logins, never added
or changed there, not even by the Secretariat."""

import pytest
from django.urls import reverse

from iisg.api.choices import Revocation
from iisg.api.models import ApiToken
from iisg.core.choices import Role, Verb
from iisg.core.permissions import can, visible
from iisg.core.tests import factories as f

from .factories import token_key

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:api_apitoken_changelist")
ADD = reverse("admin:api_apitoken_add")


@pytest.fixture
def people():
    return {
        "secretariat": f.UserFactory(roles=[Role.SECRETARIAT]),
        "donor": f.UserFactory(roles=[Role.DONOR]),
        "superuser": f.UserFactory(is_superuser=True),
    }


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_secretariat_cannot_add_a_token_for_anyone(client, people):
    signed_in(client, people["secretariat"])
    assert client.get(ADD).status_code == 403
    response = client.post(ADD, {"user": people["superuser"].pk, "name": "Mine now", "expires": "2099-01-01"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
    assert not can(people["secretariat"], Verb.ADD, ApiToken(user=people["superuser"]))


def test_the_token_list_shows_who_and_when_but_no_key(client, people):
    key = token_key(people["donor"], name="Nightly sync")
    token = ApiToken.objects.get()
    response = signed_in(client, people["secretariat"]).get(CHANGELIST)
    assert response.status_code == 200
    assert "Nightly sync" in response.text
    assert token.prefix in response.text
    assert key not in response.text
    assert token.digest not in response.text
    columns = response.context["cl"].list_display
    assert "digest" not in columns
    assert {"user", "prefix", "expires", "last_used", "revoked"} <= set(columns)
    detail = client.get(reverse("admin:api_apitoken_change", args=[token.pk]))
    assert detail.status_code == 200
    assert token.digest not in detail.text


def test_a_token_is_not_changed_in_the_back_office(client, people):
    token_key(people["donor"])
    token = ApiToken.objects.get()
    response = signed_in(client, people["secretariat"]).post(
        reverse("admin:api_apitoken_change", args=[token.pk]), {"name": "Renamed", "expires": "2099-01-01"}
    )
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.name == "Test script"


def test_the_secretariat_revokes_a_token_from_the_list(client, people):
    token_key(people["donor"])
    token = ApiToken.objects.get()
    response = signed_in(client, people["secretariat"]).post(
        CHANGELIST, {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert "is revoked" in response.text
    token.refresh_from_db()
    assert token.revoked is not None
    assert token.revoked_because == Revocation.MANAGER


def test_only_a_superuser_revokes_a_superusers_token(client, people):
    token_key(people["superuser"])
    token = ApiToken.objects.get()
    response = signed_in(client, people["secretariat"]).post(
        CHANGELIST, {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert "Only its owner or who manages the login" in response.text
    token.refresh_from_db()
    assert token.revoked is None


def test_others_see_and_revoke_only_their_own_tokens(client, people):
    for user in people.values():
        token_key(user)
    donor = people["donor"]
    assert visible(people["secretariat"], ApiToken.objects.all()).count() == 3
    assert list(visible(donor, ApiToken.objects.values_list("user", flat=True))) == [donor.pk]
    others = ApiToken.objects.exclude(user=donor).values_list("pk", flat=True)
    signed_in(client, donor).post(CHANGELIST, {"action": "revoke", "_selected_action": list(others)})
    assert ApiToken.objects.filter(revoked__isnull=False).count() == 0
