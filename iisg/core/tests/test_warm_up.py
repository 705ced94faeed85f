"""iisg.wsgi.warm_up(): what gunicorn's master serves itself before it opens the port
(gunicorn.conf.py), so that the first visitor of a fresh server waits for nothing a process does once."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections

from iisg.wsgi import WARM_UP_PATHS, warm_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(monkeypatch):
    """The calls of connections.close_all(), recorded instead of made: a test's database connection
    holds its transaction (and, on SQLite, its in-memory database). For the same reason the request
    signals do not close it, as in Django's own test client."""
    calls = []
    monkeypatch.setattr(connections, "close_all", lambda: calls.append("close_all"))
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield calls
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_warm_up_serves_the_health_check_home_and_dashboard_when_the_site_is_new(closed):
    answers = warm_up()

    assert list(answers) == list(WARM_UP_PATHS) == ["/healthz", "/", "/database/"]
    assert {path: status for path, (status, _ms) in answers.items()} == dict.fromkeys(WARM_UP_PATHS, 200)


def test_warm_up_asks_as_the_first_allowed_host_when_production_names_its_hosts(closed, settings):
    settings.ALLOWED_HOSTS = [".iisg.example.org", "www.iisg.example.org"]

    answers = warm_up()

    assert all(status == 200 for status, _ms in answers.values())


def test_warm_up_gets_the_pages_not_the_redirect_when_production_redirects_to_https(closed, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

    answers = warm_up()

    assert all(status == 200 for status, _ms in answers.values())


def test_warm_up_closes_the_database_connections_when_done_so_forked_workers_open_their_own(closed):
    warm_up()

    assert closed == ["close_all"]
