"""Every event of the IISG website excerpts is in the demo, on the date and in the city its text gives."""

import datetime

import pytest

from iisg.events.choices import EventKind, EventMode
from iisg.events.models import Event

from .published import all_listed_events, dates_mentioned, listing, path, pillar_page_events

pytestmark = pytest.mark.django_db

SIXTH_BOARD_MEETING = (
    "The 6th Integrative Internal Security Governance (IISG) Board Meeting, Sarajevo, Bosnia I Herzegovina."
)
UNDATED = {
    "Regional Workshop on Prevention of Online Radicalization",
    "Regional Workshop on Combating Illicit Cross-border Trafficking in Cultural Property in South East Europe",
}
APRIL_2024_TITLES = {
    "National thematic meeting in Podgorica (WBCSCi)",
    "National thematic meeting with WB Partners on response and needs mapping, 19 April 2024",
    "National thematic meeting with WB Partners on response and needs mapping, 18 April 2024",
}


def _event(title):
    return Event.objects.get(title=title)


def test_the_listings_hold_the_expected_number_of_events():
    assert [len(listing(name)) for name in ("events-2018-2019.txt", "events-2022.txt", "events-2023-2024.txt")] == [
        10,
        12,
        12,
    ]


def test_every_listed_event_is_an_event_of_the_demo(demo):
    titles = set(Event.objects.values_list("title", flat=True))
    missing = [title for title, _ in all_listed_events() if title not in titles]
    assert missing == []


def test_the_demo_has_the_listed_events_and_the_three_of_the_pillar_page_and_no_other(demo):
    listed = {title for title, _ in all_listed_events()}
    assert Event.objects.count() == len(listed) + 3 == demo.events
    assert set(Event.objects.values_list("title", flat=True)) == listed | APRIL_2024_TITLES


def test_each_event_is_on_a_date_its_text_states(demo):
    for title, text in all_listed_events():
        event = _event(title)
        mentioned = dates_mentioned(f"{title}\n{text}")
        if not mentioned:
            continue
        assert event.start_date, title
        for day in filter(None, (event.start_date, event.end_date)):
            assert any((d, m) == (day.day, day.month) and y in (None, day.year) for d, m, y in mentioned), (
                f"{title}: {day} is not among {sorted(mentioned, key=str)}"
            )


def test_an_event_whose_text_gives_no_date_has_none_unless_the_pillar_page_dates_it(demo):
    dated_on_pillar_page = {text for _, text in pillar_page_events()}
    for title, text in all_listed_events():
        if dates_mentioned(f"{title}\n{text}"):
            continue
        event = _event(title)
        if any(text.startswith(item) for item in dated_on_pillar_page):
            assert event.start_date is not None, title
        else:
            assert title in UNDATED
            assert (event.start_date, event.end_date) == (None, None)


def test_each_event_is_in_the_city_its_text_names(demo):
    for title, text in all_listed_events():
        event = _event(title)
        if event.city:
            assert event.city.removeprefix("The ") in f"{title} {text}", title


def test_the_items_of_the_pillar_page_are_events_on_the_dates_it_gives(demo):
    items = pillar_page_events()
    assert len(items) == 5
    for day, text in items:
        event = Event.objects.get(start_date=day, summary__startswith=text[:60], summary__contains=text[-30:])
        assert event.start_date == day


def test_the_april_2024_events_of_the_pillar_page_carry_its_text(demo):
    texts = {(day, text) for day, text in pillar_page_events() if day.month == 4}
    loaded = {(event.start_date, event.body) for event in Event.objects.filter(title__in=APRIL_2024_TITLES)}
    assert loaded == texts
    podgorica = _event("National thematic meeting in Podgorica (WBCSCi)")
    assert (podgorica.city, podgorica.kind) == ("Podgorica", EventKind.NATIONAL_THEMATIC_MEETING)
    assert set(podgorica.pillars.values_list("code", flat=True)) == {"wbcsci", "wbbsi"}


@pytest.mark.parametrize(
    ("title", "start", "end", "city"),
    [
        (
            "3rd Meeting of the Regional Network of the National P-CVE Coordinators (RNNC) of the Western Balkans",
            datetime.date(2019, 4, 24),
            None,
            "Tirana",
        ),
        (
            "Informal Coordination Meeting of the IPAII 2017 Regional Programme",
            datetime.date(2019, 4, 12),
            None,
            "Vienna",
        ),
        (
            "Second Meeting of the Regional Network of Western Balkan National P/CVE Coordinators",
            datetime.date(2018, 10, 15),
            datetime.date(2018, 10, 16),
            "Budva",
        ),
        ("Regional Risk Analysis Workshop", datetime.date(2018, 6, 4), datetime.date(2018, 6, 5), ""),
        (
            "14th Regional Network of National CT-P/CVE Coordinators (RNNC) of the Western Balkans",
            datetime.date(2023, 10, 17),
            datetime.date(2023, 10, 18),
            "Skopje",
        ),
        (
            "Joint Strategic Cooperation Forum for CEPOL projects TOPCOP and WB PaCT",
            datetime.date(2024, 1, 30),
            datetime.date(2024, 1, 31),
            "The Hague",
        ),
        ("Meeting with European Union Delegation in Serbia", datetime.date(2024, 2, 8), None, "Belgrade"),
        ("Regional Workshop on Prevention of Online Radicalization", None, None, ""),
    ],
)
def test_pinned_event_dates(demo, title, start, end, city):
    event = _event(title)
    assert (event.start_date, event.end_date, event.city) == (start, end, city)


def test_the_6th_board_meeting_is_a_hybrid_board_meeting_in_sarajevo_with_its_page_as_body(demo):
    event = _event(SIXTH_BOARD_MEETING)
    assert (event.start_date, event.city, event.mode, event.kind) == (
        datetime.date(2022, 6, 20),
        "Sarajevo",
        EventMode.HYBRID,
        EventKind.BOARD_MEETING,
    )
    page = [line.strip() for line in path("board-meeting-6th-2022.txt").read_text(encoding="utf-8").splitlines()]
    paragraphs = [line for line in page if line and line not in {SIXTH_BOARD_MEETING, "- This event has passed."}]
    assert paragraphs[0] == "Monday, 20 June, 2022"
    assert event.body == "\n\n".join(paragraphs[1:])


def test_event_slugs_are_unique_and_stable(demo):
    slugs = list(Event.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs))
    assert _event("Regional Risk Analysis Workshop").slug == "regional-risk-analysis-workshop"


def test_every_event_has_the_text_of_its_listing(demo):
    for title, text in all_listed_events():
        event = _event(title)
        assert event.summary == text.split("\n\n")[0], title
        if title != SIXTH_BOARD_MEETING:
            assert event.body == text, title


@pytest.mark.parametrize("name", ["events-2018-2019.txt", "events-2022.txt", "events-2023-2024.txt"])
def test_each_listing_runs_in_date_order_so_the_years_read_off_it_hold(demo, name):
    dates = [_event(title).start_date for title, _ in listing(name)]
    dated = [day for day in dates if day]
    assert dated in (sorted(dated), sorted(dated, reverse=True))
