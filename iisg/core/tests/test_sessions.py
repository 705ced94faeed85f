"""A signed-in session ends 12 hours after its sign-in and after 30 minutes without a request
(ASVS 3.3), and the sign-in page says which limit ended it."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.middleware import LAST_SEEN, SIGNED_IN_AT

from . import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
BACK_OFFICE = reverse("admin:index")
LOGIN = reverse("admin:login")


@pytest.fixture
def signed_in(client):
    client.force_login(f.user_with(Role.SECRETARIAT))
    return client


def turn_back(client, *, since_sign_in=0, since_last_request=0):
    """Make the session's sign-in and last request that many seconds older."""
    session = client.session
    session[SIGNED_IN_AT] -= since_sign_in
    session[LAST_SEEN] -= since_last_request
    session.save()


def test_signing_in_starts_the_sessions_clocks(client):
    user = f.user_with(Role.MEMBER)
    before = int(time.time())
    client.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": BACK_OFFICE})
    assert before <= client.session[SIGNED_IN_AT] == client.session[LAST_SEEN] <= int(time.time())


def test_a_session_idle_for_30_minutes_is_signed_out_and_told_why(signed_in):
    turn_back(signed_in, since_sign_in=31 * 60, since_last_request=30 * 60)

    response = signed_in.get(BACK_OFFICE, follow=True)

    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "You were signed out after 30 minutes without activity. Sign in again." in response.text
    assert SESSION_KEY not in signed_in.session


def test_a_session_idle_for_29_minutes_goes_on(signed_in):
    turn_back(signed_in, since_sign_in=29 * 60, since_last_request=29 * 60)
    assert signed_in.get(BACK_OFFICE).status_code == 200
    assert SESSION_KEY in signed_in.session


def test_a_busy_session_ends_12_hours_after_signing_in(signed_in):
    turn_back(signed_in, since_sign_in=12 * 3600)

    response = signed_in.get(BACK_OFFICE, follow=True)

    assert "You were signed out 12 hours after signing in, the longest a session lasts." in response.text
    assert "without activity" not in response.text
    assert SESSION_KEY not in signed_in.session


def test_the_limits_are_read_from_the_settings(signed_in, settings):
    settings.SESSION_IDLE_MINUTES = 5
    turn_back(signed_in, since_sign_in=5 * 60, since_last_request=5 * 60)
    assert "after 5 minutes without activity" in signed_in.get(BACK_OFFICE, follow=True).text


def test_a_public_page_also_ends_an_idle_session_and_is_served_to_the_public(signed_in):
    turn_back(signed_in, since_sign_in=40 * 60, since_last_request=40 * 60)
    assert signed_in.get("/").status_code == 200
    assert SESSION_KEY not in signed_in.session


def test_the_last_request_is_written_to_the_session_at_most_once_a_minute(signed_in):
    turn_back(signed_in, since_last_request=30)
    noted = signed_in.session[LAST_SEEN]
    signed_in.get(BACK_OFFICE)
    assert signed_in.session[LAST_SEEN] == noted

    turn_back(signed_in, since_last_request=60)
    signed_in.get(BACK_OFFICE)
    assert signed_in.session[LAST_SEEN] >= int(time.time()) - 1


def test_a_request_within_the_minute_does_not_save_the_session(signed_in):
    signed_in.get(BACK_OFFICE)
    with CaptureQueriesContext(connection) as queries:
        signed_in.get(BACK_OFFICE)
    sessions_written = [
        q["sql"] for q in queries.captured_queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]
    ]
    assert sessions_written == []


def test_a_session_from_before_the_limits_starts_its_clocks_at_its_next_request(signed_in):
    session = signed_in.session
    del session[SIGNED_IN_AT], session[LAST_SEEN]
    session.save()

    assert signed_in.get(BACK_OFFICE).status_code == 200
    assert signed_in.session[SIGNED_IN_AT] >= int(time.time()) - 1


def test_a_request_without_a_session_gets_no_session(client):
    response = client.get("/")
    assert "sessionid" not in response.cookies
