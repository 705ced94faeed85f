"""Which tokens open the API: live ones of active users; expired and revoked ones answer 401."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from iisg.api import services
from iisg.api.models import ApiToken
from iisg.core.choices import Role
from iisg.core.tests import factories as f

from .factories import token_key

pytestmark = pytest.mark.django_db


def sending(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_live_token_opens_the_api_as_its_user(db):
    user = f.UserFactory(roles=[Role.DONOR])
    response = sending(token_key(user)).get("/api/actions/")
    assert response.status_code == 200
    assert response.wsgi_request.user == user


def test_an_expired_token_is_refused_with_401(db):
    key = token_key(f.UserFactory())
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ApiToken.objects.update(expires=yesterday)
    response = sending(key).get("/api/partners/")
    assert response.status_code == 401
    assert response.json()["detail"] == f"This token expired after {yesterday.isoformat()}."


def test_a_token_works_through_its_last_day(db):
    key = token_key(f.UserFactory(), expires=timezone.localdate())
    assert sending(key).get("/api/partners/").status_code == 200


def test_a_revoked_token_is_refused_with_401(db):
    user = f.UserFactory()
    key = token_key(user)
    services.revoke_token(user=user, token=ApiToken.objects.get())
    response = sending(key).get("/api/partners/")
    assert response.status_code == 401
    assert response.json()["detail"] == "This token was revoked."


def test_last_use_is_written_at_most_once_a_minute(db):
    key = token_key(f.UserFactory())
    client = sending(key)
    client.get("/api/pillars/")
    first_use = ApiToken.objects.get().last_used
    assert first_use is not None

    client.get("/api/pillars/")
    assert ApiToken.objects.get().last_used == first_use

    ApiToken.objects.update(last_used=first_use - datetime.timedelta(minutes=2))
    client.get("/api/pillars/")
    assert ApiToken.objects.get().last_used > first_use
