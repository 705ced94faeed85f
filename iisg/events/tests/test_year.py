"""One meaning of "year" for events: an event takes place in every year it has a day in. The list
page, its calendar file and the API filter by it alike, and offer the same years."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar
from rest_framework.test import APIClient

from iisg.core.tests import factories as f
from iisg.events import selectors
from iisg.events.models import Event

from .conftest import listed_titles, page

pytestmark = pytest.mark.django_db

# What a reader of the list expects to find under each year.
EXPECTED = {
    2024: {"Summer school on border management", "Winter school on cybercrime"},
    2025: {"Winter school on cybercrime", "9th IISG Board meeting", "Year-end P/CVE workshop"},
    2026: {"Year-end P/CVE workshop"},
}


@pytest.fixture
def new_year():
    """Two events run over New Year; the second is the only event that reaches 2026."""
    f.EventFactory(
        title="Summer school on border management",
        start_date=datetime.date(2024, 7, 1),
        end_date=datetime.date(2024, 7, 5),
    )
    f.EventFactory(
        title="Winter school on cybercrime",
        start_date=datetime.date(2024, 12, 30),
        end_date=datetime.date(2025, 1, 2),
    )
    f.EventFactory(title="9th IISG Board meeting", start_date=datetime.date(2025, 3, 10))
    f.EventFactory(
        title="Year-end P/CVE workshop",
        start_date=datetime.date(2025, 12, 29),
        end_date=datetime.date(2026, 1, 3),
    )
    f.EventFactory(title="Unpublished coordination call", start_date=datetime.date(2025, 5, 5), is_published=False)
    f.EventFactory(title="Study visit, date to be announced", start_date=None)


def _page_titles(client, year):
    return set(listed_titles(page(client.get(reverse("events:list"), {"year": year}))))


def _api_titles(year):
    response = APIClient().get("/api/events/", {"year": year})
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def _calendar_titles(client, year):
    response = client.get(reverse("events:calendar"), {"year": year})
    assert response.status_code == 200
    return {str(vevent["SUMMARY"]) for vevent in Calendar.from_ical(response.content).walk("VEVENT")}


@pytest.mark.usefixtures("new_year")
@pytest.mark.parametrize("year", sorted(EXPECTED))
def test_the_page_the_calendar_and_the_api_list_the_same_events_for_a_year(client, year):
    assert _page_titles(client, year) == EXPECTED[year]
    assert _calendar_titles(client, year) == EXPECTED[year]
    assert _api_titles(year) == EXPECTED[year]


@pytest.mark.usefixtures("new_year")
def test_a_year_reached_only_by_an_event_over_new_year_is_offered(client):
    assert selectors.years_with_events(Event.objects.filter(is_published=True)) == [2026, 2025, 2024]
    doc = page(client.get(reverse("events:list")))
    assert doc.xpath("//main//select[@name='year']/option/@value") == ["", "2026", "2025", "2024"]


def test_an_event_of_several_years_takes_place_in_each_of_them():
    programme = f.EventFactory(
        title="Regional exchange programme for border police",
        start_date=datetime.date(2023, 11, 1),
        end_date=datetime.date(2025, 2, 28),
    )
    f.EventFactory(title="6th IISG Board meeting", start_date=datetime.date(2022, 12, 31))
    events = Event.objects.all()
    assert [list(selectors.in_year(events, year=year)) for year in (2023, 2024, 2025)] == [[programme]] * 3
    assert selectors.years_with_events(events) == [2025, 2024, 2023, 2022]


def test_an_event_without_a_date_takes_place_in_no_year():
    f.EventFactory(title="Study visit, date to be announced", start_date=None)
    assert selectors.years_with_events(Event.objects.all()) == []
    assert not selectors.in_year(Event.objects.all(), year=datetime.date.today().year).exists()
