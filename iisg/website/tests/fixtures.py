"""Fixtures of the website's view tests: the demo, put back once per module, and its readers."""

import pytest
from django.contrib.auth.models import User

from iisg.core.tests.snapshots import demo_for_module


@pytest.fixture(scope="module")
def demo_site(demo_database, django_db_blocker):
    """The demo (content, logins, mapping) shared by the tests of a module, taken away after it;
    each test runs in a savepoint of its own."""
    with django_db_blocker.unblock(), demo_for_module(demo_database) as summary:
        yield summary


@pytest.fixture
def member_client(client, demo_site):
    """A client signed in as the demo's Support Group member."""
    client.force_login(User.objects.get(username="member"))
    return client
