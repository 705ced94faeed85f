"""The event pages make as many queries with many events as with few."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iisg.core.tests import factories as f

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture
def grow():
    """Adds `n` published events, each with two pillars, partners and organisations, over two years."""
    pillars = [f.PillarFactory(code=code) for code in ("wbcti", "wbcsci", "wbbsi")]
    partners = [f.PartnerFactory(code=code) for code in ("AL", "XK")]
    added = []

    def add(n):
        for number in range(n):
            event = f.EventFactory(
                start_date=datetime.date(2022, 1, 1) + datetime.timedelta(days=29 * (len(added) % 25)),
            )
            event.pillars.add(pillars[number % 3], pillars[(number + 1) % 3])
            event.partners.add(*partners)
            event.organisers.add(f.OrganisationFactory())
            event.participants.add(f.OrganisationFactory(), f.OrganisationFactory())
            added.append(event)
        f.EventFactory(start_date=None)
        f.EventFactory(is_published=False)
        return added

    return add


@pytest.mark.parametrize("params", ["", "?pillar=wbcti", "?pillar=wbcti&year=2022&q=event", "?page=1"])
def test_the_list_makes_the_same_number_of_queries_whatever_the_number_of_events(client, grow, params):
    grow(6)
    few = _queries(client, reverse("events:list") + params)
    grow(12)
    assert _queries(client, reverse("events:list") + params) == few


def test_the_month_archive_makes_the_same_number_of_queries_whatever_the_number_of_events(client, grow):
    grow(6)
    few = _queries(client, "/events/2022/01/")
    grow(12)
    assert _queries(client, "/events/2022/01/") == few


def test_the_event_page_makes_the_same_number_of_queries_whatever_the_number_of_events(client, grow):
    event = grow(6)[3]
    url = reverse("events:detail", args=[event.slug])
    few = _queries(client, url)
    grow(12)
    event.organisers.add(*(f.OrganisationFactory() for _ in range(5)))
    assert _queries(client, url) == few


@pytest.mark.parametrize("name", ["events:calendar", "events:atom"])
def test_the_feeds_make_the_same_number_of_queries_whatever_the_number_of_events(client, grow, name):
    grow(6)
    few = _queries(client, reverse(name))
    grow(12)
    assert _queries(client, reverse(name)) == few
