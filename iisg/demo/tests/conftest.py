"""The demo, put back once per test module from the session's copy and taken away after it."""

import pytest

from iisg.core.tests.snapshots import demo_for_module

# Demo logins hash their password; the fast hasher keeps loading the demo quick in tests.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(demo_database, django_db_blocker):
    """The summary of a demo load shared by the tests of a module (each test runs in a savepoint)."""
    with django_db_blocker.unblock(), demo_for_module(demo_database) as summary:
        yield summary


@pytest.fixture
def fast_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
