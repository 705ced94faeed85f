"""The demo, loaded once per test module and rolled back after it."""

import pytest
from django.db import transaction
from django.test import override_settings

from iisg.demo.services import load_demo

# Demo logins hash their password; the fast hasher keeps loading the demo quick in tests.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The summary of a demo load shared by the tests of a module (each test runs in a savepoint)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        summary = load_demo()
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def fast_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
