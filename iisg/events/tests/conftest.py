"""Fixtures and helpers of the events tests."""

import datetime

import lxml.html
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.snapshots import demo_for_module


@pytest.fixture(scope="module")
def demo(demo_database, django_db_blocker):
    """The demo (37 real events), put back once for the tests of a module and taken away after it."""
    with django_db_blocker.unblock(), demo_for_module(demo_database) as summary:
        yield summary


@pytest.fixture
def today():
    """The day the views take as today (they ask timezone.localdate(); tests date events around it)."""
    return timezone.localdate()


@pytest.fixture
def secretariat(db):
    user = f.UserFactory()
    user.groups.add(Group.objects.get(name=Role.SECRETARIAT))
    return user


@pytest.fixture
def wbcti(db):
    return f.PillarFactory(code="wbcti")


@pytest.fixture
def wbbsi(db):
    return f.PillarFactory(code="wbbsi")


def days(n):
    return datetime.timedelta(days=n)


def page(response):
    """The parsed HTML of a response."""
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def text(element):
    return " ".join(element.text_content().split())


def listed_titles(doc):
    """The titles of the events a list page shows, in order."""
    return [text(link) for link in doc.xpath("//main//*[contains(@class, 'ev-item-title')]/a")]


def headings(doc, level):
    return [text(heading) for heading in doc.xpath(f"//main//h{level}")]


def robots(doc):
    return [meta.get("content") for meta in doc.xpath("//head/meta[@name='robots']")]
