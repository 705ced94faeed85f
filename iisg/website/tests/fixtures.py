"""Fixtures of the website's view tests: the demo, loaded once per module, and its readers."""

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import override_settings

from iisg.demo.services import load_demo

# Demo logins hash their password; the fast hasher keeps loading the demo quick.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The demo (content, logins, mapping) shared by the tests of a module, rolled back after it;
    each test runs in a savepoint of its own."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


@pytest.fixture
def member_client(client, demo_site):
    """A client signed in as the demo's Support Group member."""
    client.force_login(User.objects.get(username="member"))
    return client
