"""/events/: order, month groups, day badges, filters, pagination, the month archive, what is hidden."""

import datetime

import pytest
from django.urls import reverse

from iisg.core.tests import factories as f
from iisg.events import selectors
from iisg.events.choices import EventKind, EventStatus
from iisg.events.models import Event
from iisg.events.selectors import Section

from .conftest import days, headings, listed_titles, page, robots, text

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")


def _titles(client, url=LIST, **params):
    return listed_titles(page(client.get(url, params)))


def test_upcoming_events_come_first_soonest_first_then_past_latest_first_then_those_without_a_date(client, today):
    f.EventFactory(title="Past, long ago", start_date=today - days(400))
    f.EventFactory(title="Without a date", start_date=None)
    f.EventFactory(title="Past, last week", start_date=today - days(7))
    f.EventFactory(title="Later", start_date=today + days(60))
    f.EventFactory(title="Soon", start_date=today + days(5))
    f.EventFactory(title="Ends tomorrow", start_date=today - days(1), end_date=today + days(1))
    f.EventFactory(title="Ended yesterday", start_date=today - days(2), end_date=today - days(1))
    assert _titles(client) == [
        "Ends tomorrow",
        "Soon",
        "Later",
        "Ended yesterday",
        "Past, last week",
        "Past, long ago",
        "Without a date",
    ]


def test_list_order_takes_today_as_an_argument():
    day = datetime.date(2024, 4, 19)
    for start in (day, day - days(1), day + days(1)):
        f.EventFactory(title=start.isoformat(), start_date=start)
    ordered = selectors.in_list_order(Event.objects.all(), today=day)
    assert [event.title for event in ordered] == ["2024-04-19", "2024-04-20", "2024-04-18"]
    ordered = selectors.in_list_order(Event.objects.all(), today=day + days(5))
    assert [event.title for event in ordered] == ["2024-04-20", "2024-04-19", "2024-04-18"]


def test_events_are_grouped_by_section_and_by_the_month_they_start_in():
    today = datetime.date(2024, 4, 10)
    f.EventFactory(title="Workshop", start_date=datetime.date(2024, 4, 19))
    f.EventFactory(title="Forum", start_date=datetime.date(2024, 1, 30), end_date=datetime.date(2024, 2, 1))
    f.EventFactory(title="Meeting", start_date=datetime.date(2024, 4, 2))
    f.EventFactory(title="Conference", start_date=datetime.date(2024, 5, 6))
    f.EventFactory(title="Undated", start_date=None)
    sections = selectors.group_by_month(selectors.in_list_order(Event.objects.all(), today=today), today=today)
    assert [
        (section.section, [(group.month, [e.title for e in group.events]) for group in section.months])
        for section in sections
    ] == [
        (Section.UPCOMING, [(datetime.date(2024, 4, 1), ["Workshop"]), (datetime.date(2024, 5, 1), ["Conference"])]),
        (Section.PAST, [(datetime.date(2024, 4, 1), ["Meeting"]), (datetime.date(2024, 1, 1), ["Forum"])]),
        (Section.UNDATED, []),
    ]
    assert [event.title for event in sections[-1].events] == ["Undated"]


def test_the_page_heads_each_month_and_each_section(client):
    f.EventFactory(start_date=datetime.date(2024, 4, 19))
    f.EventFactory(start_date=datetime.date(2024, 4, 18))
    f.EventFactory(start_date=datetime.date(2023, 12, 7))
    f.EventFactory(start_date=None)
    doc = page(client.get(LIST))
    assert headings(doc, 1) == ["Events and activities"]
    assert [h for h in headings(doc, 2) if h in {"Upcoming events", "Past events", "Date not published"}] == [
        "Past events",
        "Date not published",
    ]
    month_headings = doc.xpath("//main//h3[contains(@class, 'ev-month')]")
    assert [text(h) for h in month_headings] == ["April 2024", "December 2023"]
    assert month_headings[0].xpath("time/@datetime") == ["2024-04"]


@pytest.mark.parametrize(
    ("start", "end", "badge", "spoken", "datetimes"),
    [
        (datetime.date(2024, 4, 19), None, "Apr 19", "19 April 2024", ["2024-04-19"]),
        (
            datetime.date(2023, 10, 17),
            datetime.date(2023, 10, 18),
            "Oct 17–18",
            "17 – 18 October 2023",
            ["2023-10-17", "2023-10-18"],
        ),
        (
            datetime.date(2023, 9, 30),
            datetime.date(2023, 10, 2),
            "Sep 30 – Oct 2",
            "30 September – 2 October 2023",
            ["2023-09-30", "2023-10-02"],
        ),
    ],
)
def test_day_badges_show_the_days_and_read_them_in_full_to_screen_readers(client, start, end, badge, spoken, datetimes):
    f.EventFactory(start_date=start, end_date=end)
    (element,) = page(client.get(LIST)).xpath("//*[contains(@class, 'ev-badge ')] | //*[@class='ev-badge']")
    (face,) = element.xpath(".//*[@aria-hidden='true']")
    assert text(face) == badge
    (hidden,) = element.xpath(".//*[@class='visually-hidden']")
    assert text(hidden) == spoken
    assert hidden.xpath(".//time/@datetime") == datetimes


def test_an_event_without_a_date_says_so_instead_of_a_badge(client):
    f.EventFactory(start_date=None)
    (badge,) = page(client.get(LIST)).xpath("//*[contains(@class, 'ev-badge')]")
    assert text(badge) == "No date"


def test_each_title_links_to_the_event_page(client):
    event = f.EventFactory(title="7th IISG Board meeting")
    (link,) = page(client.get(LIST)).xpath("//main//*[contains(@class, 'ev-item-title')]/a")
    assert link.get("href") == f"/events/{event.slug}/"


@pytest.fixture
def catalogue(wbcti, wbbsi):
    """Four events that differ in pillar, kind, partner, year and words."""
    albania, kosovo = f.PartnerFactory(code="AL"), f.PartnerFactory(code="XK")
    rnnc = f.EventFactory(
        title="Regional network of P/CVE coordinators",
        kind=EventKind.CONFERENCE,
        start_date=datetime.date(2019, 4, 24),
        body="The coordinators discussed returning foreign terrorist fighters.",
    )
    rnnc.pillars.add(wbcti)
    rnnc.partners.add(albania, kosovo)
    border = f.EventFactory(
        title="Risk analysis workshop", kind=EventKind.WORKSHOP, start_date=datetime.date(2019, 6, 4), city="Tirana"
    )
    border.pillars.add(wbbsi)
    border.partners.add(albania)
    board = f.EventFactory(
        title="7th IISG Board meeting", kind=EventKind.BOARD_MEETING, start_date=datetime.date(2023, 12, 7)
    )
    board.pillars.add(wbcti, wbbsi)
    board.partners.add(kosovo)
    # Runs from one year into the next: it is an event of both.
    winter = f.EventFactory(
        title="Winter school",
        kind=EventKind.TRAINING,
        start_date=datetime.date(2022, 12, 30),
        end_date=datetime.date(2023, 1, 2),
    )
    winter.pillars.add(wbcti)


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"pillar": "wbbsi"}, ["7th IISG Board meeting", "Risk analysis workshop"]),
        ({"kind": "workshop"}, ["Risk analysis workshop"]),
        ({"partner": "XK"}, ["7th IISG Board meeting", "Regional network of P/CVE coordinators"]),
        ({"year": "2019"}, ["Risk analysis workshop", "Regional network of P/CVE coordinators"]),
        ({"year": "2023"}, ["7th IISG Board meeting", "Winter school"]),
        ({"q": "board"}, ["7th IISG Board meeting"]),
        ({"q": "TIRANA"}, ["Risk analysis workshop"]),
        ({"q": "terrorist fighters"}, ["Regional network of P/CVE coordinators"]),
        ({"q": "terrorist workshop"}, []),
        ({"pillar": "wbcti", "year": "2019"}, ["Regional network of P/CVE coordinators"]),
        ({"pillar": "wbcti", "partner": "XK", "kind": "board_meeting"}, ["7th IISG Board meeting"]),
        ({"pillar": "wbbsi", "partner": "AL", "year": "2023"}, []),
    ],
)
def test_filters_narrow_the_list_alone_and_together(client, params, expected):
    assert _titles(client, **params) == expected


@pytest.mark.usefixtures("catalogue")
def test_the_filter_form_is_a_labelled_get_form_that_keeps_its_values(client):
    doc = page(client.get(LIST, {"pillar": "wbcti", "year": "2019", "q": "network"}))
    (form,) = doc.xpath("//main//form")
    assert form.get("method") == "get"
    for name in ("q", "pillar", "kind", "partner", "year"):
        (field,) = form.xpath(f".//*[@name='{name}']")
        assert form.xpath(f".//label[@for='{field.get('id')}']"), f"{name} has a label"
    assert form.xpath(".//select[@name='pillar']/option[@selected]/@value") == ["wbcti"]
    assert form.xpath(".//select[@name='year']/option/@value") == ["", "2023", "2022", "2019"]
    assert form.xpath(".//select[@name='partner']/option/text()") == ["All partners", "Albania", "Kosovo*"]
    assert form.xpath(".//input[@name='q']/@value") == ["network"]
    assert "filtered by “network”, WBCTi, 2019" in text(doc.xpath("//*[@id='results-count']")[0])


def test_a_submitted_form_leaves_no_empty_fields_in_the_address(client):
    response = client.get(LIST, {"q": "", "pillar": "wbcti", "kind": "", "partner": "", "year": ""})
    assert response.status_code == 302
    assert response["Location"] == "/events/?pillar=wbcti"
    assert client.get(LIST, {"q": "", "kind": ""})["Location"] == "/events/"


def test_an_unknown_filter_value_is_reported_on_its_field(client):
    f.PillarFactory(code="wbcti")
    f.EventFactory(title="Kept")
    f.EventFactory(title="Other kind", kind=EventKind.CONFERENCE)
    doc = page(client.get(LIST, {"pillar": "nope", "kind": "workshop"}))
    assert "Select a valid choice" in text(doc.xpath("//main//form")[0])
    assert listed_titles(doc) == ["Kept"], "the valid filters still apply"
    assert "filtered by Workshop" in text(doc.xpath("//*[@id='results-count']")[0])


def test_pages_of_twenty_keep_the_filters_in_their_links(client, wbcti):
    for number in range(25):
        f.EventFactory(title=f"CT event {number:02d}", start_date=datetime.date(2020, 1, 1) + days(number)).pillars.add(
            wbcti
        )
    for number in range(5):
        f.EventFactory(title=f"Other event {number}", start_date=datetime.date(2021, 1, 1))
    doc = page(client.get(LIST, {"pillar": "wbcti"}))
    assert len(listed_titles(doc)) == 20
    (pagination,) = doc.xpath("//nav[contains(@class, 'ev-pagination')]")
    (next_link,) = pagination.xpath(".//a[@rel='next']")
    assert next_link.get("href") == "?pillar=wbcti&page=2"
    assert doc.xpath("//head/link[@rel='next']/@href") == ["?pillar=wbcti&page=2"]
    second = page(client.get(LIST + next_link.get("href")))
    assert listed_titles(second) == [f"CT event {number:02d}" for number in (4, 3, 2, 1, 0)]
    assert second.xpath("//nav[contains(@class, 'ev-pagination')]//a[@rel='prev']/@href") == ["?pillar=wbcti&page=1"]
    assert second.xpath("//head/link[@rel='canonical']/@href") == ["http://testserver/events/?page=2"]


def test_a_page_beyond_the_last_is_not_found(client):
    f.EventFactory()
    assert client.get(LIST, {"page": 2}).status_code == 404
    assert client.get(LIST, {"page": "last-but-one"}).status_code == 404


@pytest.mark.usefixtures("catalogue")
def test_a_filtered_page_without_events_is_noindex_and_says_so(client):
    doc = page(client.get(LIST, {"pillar": "wbbsi", "year": "2022"}))
    assert robots(doc) == ["noindex"]
    assert listed_titles(doc) == []
    assert "No event matches these filters." in text(doc.xpath("//main")[0])
    assert robots(page(client.get(LIST, {"pillar": "wbbsi"}))) == []
    assert robots(page(client.get(LIST))) == []


def test_the_archive_links_only_months_with_visible_events(client):
    f.EventFactory(start_date=datetime.date(2024, 4, 19))
    f.EventFactory(start_date=datetime.date(2024, 4, 18))
    f.EventFactory(start_date=datetime.date(2023, 10, 17), end_date=datetime.date(2023, 11, 2))
    f.EventFactory(start_date=datetime.date(2022, 6, 20), is_published=False)
    f.EventFactory(start_date=None)
    doc = page(client.get(LIST))
    (archive,) = doc.xpath("//nav[contains(@class, 'ev-archive')]")
    assert archive.xpath(".//a/@href") == ["/events/2024/04/", "/events/2023/10/"]
    assert [text(h) for h in archive.xpath(".//h3")] == ["2024", "2023"]
    assert "April (2 events)" in text(archive)
    for href in archive.xpath(".//a/@href"):
        assert listed_titles(page(client.get(href)))
    assert client.get("/events/2022/06/").status_code == 404, "a month with only unpublished events"
    assert client.get("/events/2024/05/").status_code == 404
    assert client.get("/events/2024/13/").status_code == 404


def test_a_month_archive_lists_the_events_that_start_in_it_and_links_the_neighbouring_months(client):
    f.EventFactory(title="April A", start_date=datetime.date(2024, 4, 19))
    f.EventFactory(title="April B", start_date=datetime.date(2024, 4, 2))
    f.EventFactory(title="March", start_date=datetime.date(2024, 3, 31), end_date=datetime.date(2024, 4, 1))
    f.EventFactory(title="January", start_date=datetime.date(2024, 1, 30))
    doc = page(client.get("/events/2024/04/"))
    assert headings(doc, 1) == ["Events in April 2024"]
    assert listed_titles(doc) == ["April A", "April B"]
    (pager,) = doc.xpath("//nav[contains(@class, 'ev-pager')]")
    assert pager.xpath(".//a/@href") == ["/events/2024/03/"]
    assert page(client.get("/events/2024/03/")).xpath("//nav[contains(@class, 'ev-pager')]//a/@href") == [
        "/events/2024/01/",
        "/events/2024/04/",
    ]


def test_a_month_archive_takes_the_filters_too(client, wbcti):
    f.EventFactory(title="CT", start_date=datetime.date(2024, 4, 19)).pillars.add(wbcti)
    f.EventFactory(title="Other", start_date=datetime.date(2024, 4, 18))
    assert _titles(client, "/events/2024/04/", pillar="wbcti") == ["CT"]


def test_unpublished_events_are_never_listed(client):
    f.EventFactory(title="Published", start_date=datetime.date(2024, 4, 19))
    f.EventFactory(title="Draft", start_date=datetime.date(2024, 4, 19), is_published=False)
    doc = page(client.get(LIST))
    assert listed_titles(doc) == ["Published"]
    assert "Draft" not in doc.text_content()
    assert listed_titles(page(client.get(LIST, {"q": "Draft"}))) == []


def test_the_secretariat_sees_unpublished_events_marked_as_such(client, secretariat):
    f.EventFactory(title="Draft", start_date=datetime.date(2024, 4, 19), is_published=False)
    client.force_login(secretariat)
    doc = page(client.get(LIST))
    assert listed_titles(doc) == ["Draft"]
    assert "Not published" in text(doc.xpath("//main//li[contains(@class, 'ev-item')]")[0])


def test_status_labels_come_from_the_status_field(client, today):
    for status in EventStatus:
        f.EventFactory(title=status.label, start_date=today + days(10), status=status)
    doc = page(client.get(LIST))
    labels = {
        text(item.xpath(".//a")[0]): [text(label) for label in item.xpath(".//*[contains(@class, 'ev-status')]")]
        for item in doc.xpath("//main//li[contains(@class, 'ev-item')]")
    }
    assert labels == {
        "Scheduled": [],
        "Postponed": ["Postponed"],
        "Cancelled": ["Cancelled"],
        "Moved online": ["Moved online"],
    }


def test_the_list_links_its_feeds_in_the_head_and_offers_a_calendar_per_pillar(client, wbcti, wbbsi):
    f.EventFactory()
    doc = page(client.get(LIST, {"kind": "workshop"}))
    assert doc.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href") == [
        "/events/feed/?kind=workshop"
    ]
    assert doc.xpath("//head/link[@rel='alternate'][@type='text/calendar']/@href") == ["/events.ics?kind=workshop"]
    calendar_links = doc.xpath("//aside//a/@href")
    assert "/events.ics?pillar=wbcti" in calendar_links
    assert "/events.ics?pillar=wbbsi" in calendar_links
