"""The 404 and 500 pages and the favicon in a real browser: in the site's layout, accessible (axe),
on a desktop and a phone."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits_a_phone(page):
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def test_the_404_page_offers_search_and_the_main_links(live_server, page, assert_accessible):
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
    _fits_a_phone(page)
    assert_accessible(page)

    search = page.get_by_role("search", name="Search instead")
    search.get_by_label("Search the events, materials and pillar pages").fill("Podgorica")
    search.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{live_server.url}/search/?q=Podgorica")
    expect(page.get_by_role("search", name="Site").get_by_label("Search the site")).to_have_value("Podgorica")

    page.goto(f"{live_server.url}/no-such-page/")
    page.get_by_role("main").get_by_role("link", name="Events").click()
    expect(page).to_have_url(f"{live_server.url}/events/")


def test_the_500_page_is_in_the_site_layout(live_server, page, assert_accessible, settings):
    settings.ROOT_URLCONF = "iisg.website.tests.site_polish_urls"
    response = page.goto(f"{live_server.url}/broken/")
    assert response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert_accessible(page)
    _fits_a_phone(page)
    assert_accessible(page)


def test_the_browser_finds_the_icon_at_the_root_and_in_the_head(live_server, page):
    page.goto(live_server.url)
    icons = page.locator("head link[rel='icon']")
    expect(icons).to_have_count(2)
    for href in [icons.nth(index).get_attribute("href") for index in range(2)]:
        assert page.request.get(f"{live_server.url}{href}").status == 200
    favicon = page.request.get(f"{live_server.url}/favicon.ico")
    assert favicon.status == 200
    assert favicon.headers["content-type"] == "image/vnd.microsoft.icon"
