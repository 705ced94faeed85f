"""The support mapping in a real browser (Debian's Chromium through Playwright), on the demo:
the public dashboard, then a member filtering, following a partner and downloading a table;
axe-core on each page type."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from iisg.demo.logins import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(demo_database):
    return demo_database.restore()


def test_the_public_sees_the_coverage_heatmap_and_funding_but_no_need(live_server, page, assert_accessible, demo):
    page.goto(live_server.url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Support mapping").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support mapping")
    heatmap = page.get_by_role("table").filter(has_text="All pillars")
    expect(heatmap.get_by_role("rowheader", name="Kosovo*")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Funding over time"))).to_be_visible()
    expect(page.get_by_role("heading", name="Gaps, high priority first")).to_have_count(0)
    assert_accessible(page)


def test_a_member_filters_follows_a_partner_and_downloads_the_gaps(
    live_server, page, assert_accessible, demo, tmp_path
):
    page.goto(f"{live_server.url}/admin/login/?next=/database/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support mapping")
    expect(page.get_by_role("heading", name="Gaps, high priority first")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Pillar", exact=True).select_option("wbbsi")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"pillar=wbbsi"))
    heatmap = page.get_by_role("table").filter(has_text="All pillars")
    expect(heatmap.get_by_role("columnheader", name="WBCTi")).to_have_count(0)

    page.get_by_role("navigation", name="Support mapping").get_by_role("link", name="Gaps").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gaps")
    expect(page).to_have_url(re.compile(r"/database/gaps/\?.*pillar=wbbsi"))
    rows = page.locator("table.data tbody tr")
    expect(rows.first).to_contain_text("WBBSi")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^XLSX")).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    sheet = load_workbook(path).worksheets[0]
    assert sheet.max_row - 1 == rows.count()
    assert {sheet.cell(row, 4).value for row in range(2, sheet.max_row + 1)} == {"WBBSi"}

    page.get_by_role("navigation", name="Support mapping").get_by_role("link", name="Overlaps").click()
    expect(page.locator("article.overlap").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Support mapping").get_by_role("link", name="Overview").click()
    page.get_by_role("rowheader", name="Montenegro").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Montenegro")
    expect(page.get_by_role("heading", name="What is still open", exact=True)).to_be_visible()
    assert_accessible(page)
