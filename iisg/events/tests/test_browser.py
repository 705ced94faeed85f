"""The events pages in a real browser (Debian's Chromium through Playwright), with the demo."""

from pathlib import Path

import pytest
from icalendar import Calendar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RNNC_2019 = "3rd Meeting of the Regional Network of the National P-CVE Coordinators (RNNC) of the Western Balkans"
RNNC_2019_SLUG = "3rd-meeting-of-the-regional-network-of-the-national-p-cve-coordinators-rnnc-of-the-western-balkans"


@pytest.fixture
def demo(demo_database):
    return demo_database.restore()


@pytest.mark.usefixtures("demo")
def test_a_visitor_filters_the_events_opens_one_and_adds_it_to_a_calendar(live_server, page, assert_accessible):
    page.goto(f"{live_server.url}/events/")
    assert page.title() == "Events and activities – IISG"
    assert page.get_by_role("heading", name="April 2024").first.is_visible()
    assert_accessible(page)

    page.get_by_label("Pillar", exact=True).select_option("wbcti")
    page.get_by_label("Year", exact=True).select_option("2019")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/events/?pillar=wbcti&year=2019")
    assert page.locator(".ev-item-title a").all_inner_texts() == [
        RNNC_2019,
        "Informal Coordination Meeting of the IPAII 2017 Regional Programme",
    ]
    assert page.get_by_text("2 events · filtered by WBCTi, 2019").is_visible()

    page.get_by_role("link", name=RNNC_2019).click()
    page.wait_for_url(f"**/events/{RNNC_2019_SLUG}/")
    assert page.get_by_role("heading", level=1).inner_text() == RNNC_2019
    assert page.get_by_text("This event has passed.").is_visible()
    assert page.get_by_text("Wednesday, 24 April 2019").first.is_visible()
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == f"{RNNC_2019_SLUG}.ics"
    (vevent,) = Calendar.from_ical(Path(download.path()).read_bytes()).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == RNNC_2019
    assert str(vevent["LOCATION"]) == "Tirana, Albania"


@pytest.mark.usefixtures("demo")
def test_the_month_archive_is_reached_by_keyboard(live_server, page, assert_accessible):
    page.goto(f"{live_server.url}/events/")
    link = page.locator(".ev-archive").get_by_role("link", name="October", exact=True).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/events/2023/10/")
    assert page.get_by_role("heading", level=1).inner_text() == "Events in October 2023"
    assert page.locator(".ev-archive [aria-current='page']").inner_text() == "October"
    assert_accessible(page)


@pytest.mark.usefixtures("demo")
def test_the_events_pages_fit_a_phone(live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ["/events/", "/events/2024/04/", f"/events/{RNNC_2019_SLUG}/"]:
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} overflows sideways on a phone ({width}px)"
