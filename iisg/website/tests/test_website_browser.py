"""The public website in a real browser (Debian's Chromium through Playwright), with the demo:
a visitor's path through the pages, axe-core on each page type, and a phone-width check."""

import re

import pytest
from playwright.sync_api import expect

from iisg.governance.choices import MeetingBody
from iisg.governance.models import Meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(demo_database_without_logins):
    return demo_database_without_logins.restore()


def test_a_visitor_goes_from_home_to_a_pillar_the_materials_the_board_and_search(
    live_server, page, assert_accessible, demo
):
    page.goto(live_server.url)
    assert_accessible(page)

    page.get_by_role("link", name="WBBSi", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/pillars/wbbsi/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Western Balkan Border Security initiative")
    expect(page.get_by_role("heading", name="Western Balkan partners")).to_be_visible()
    expect(page.get_by_role("link", name="Methodology for becoming an IISG member")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Materials").click()
    expect(page).to_have_url(f"{live_server.url}/materials/")
    page.get_by_label("Kind").select_option("report")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/materials/\?pillar=&kind=report$"))
    expect(page.get_by_role("link", name="Mapping needs report")).to_be_visible()
    expect(page.get_by_text("Response mapping report")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Board & decisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Board meetings and decisions")
    expect(page.get_by_text("Admitted RAI, Bulgaria and OSCE Kosovo* as new members of the IISG.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("search").first.get_by_label("Search the site").fill("Podgorica")
    page.get_by_role("search").first.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{live_server.url}/search/?q=Podgorica")
    expect(page.get_by_role("heading", name=re.compile(r"^Events"))).to_be_visible()
    expect(page.get_by_role("link", name="National thematic meeting in Podgorica (WBCSCi)")).to_be_visible()
    assert_accessible(page)


def test_the_meeting_and_product_pages_are_accessible_and_linked(live_server, page, assert_accessible, demo):
    sixth = Meeting.objects.select_related("event").get(body=MeetingBody.BOARD, number=6)
    page.goto(f"{live_server.url}/governance/meetings/{sixth.event.slug}/")
    expect(page.get_by_text("Monday, 20 June 2022")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Methodology for mapping support to the IISG needs (IISG Database)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Methodology for mapping support to the IISG needs (IISG Database)"
    )
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/about/", "/pillars/", "/accessibility/", "/search/?q=a"])
def test_the_other_pages_are_accessible(live_server, page, assert_accessible, demo, path):
    page.goto(live_server.url + path)
    assert_accessible(page)


def test_on_a_phone_nothing_overflows_and_the_navigation_works(live_server, page, assert_accessible, demo):
    sixth = Meeting.objects.select_related("event").get(body=MeetingBody.BOARD, number=6)
    page.set_viewport_size(PHONE)
    for path in [
        "/",
        "/about/",
        "/pillars/wbbsi/",
        "/governance/",
        f"/governance/meetings/{sixth.event.slug}/",
        "/materials/",
        "/materials/methodology-for-mapping-support-to-the-iisg-needs-iisg-database/",
        "/search/?q=border",
        "/accessibility/",
    ]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px phone"
    page.goto(live_server.url)
    navigation = page.get_by_role("navigation", name="Main")
    for name in ["Home", "About", "Pillars", "Events", "Board & decisions", "Materials", "Sign in"]:
        link = navigation.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0, name
        assert box["x"] + box["width"] <= PHONE["width"], name
        assert box["height"] >= 24, f"{name} is a target big enough to tap"
    navigation.get_by_role("link", name="Pillars", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/pillars/")
    expect(navigation.get_by_role("link", name="Pillars", exact=True)).to_have_attribute("aria-current", "page")
    assert_accessible(page)
