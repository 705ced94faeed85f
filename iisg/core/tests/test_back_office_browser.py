"""The back office as people use it, in a real browser, on the demo data."""

import re

import pytest
from playwright.sync_api import expect

from iisg.demo.logins import DEMO_PASSWORD
from iisg.needs.models import Need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(demo_database):
    return demo_database.restore()


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()


def test_the_secretariat_filters_needs_changes_one_and_reads_its_history(live_server, page, demo):
    sign_in(page, live_server, "secretariat")
    page.locator("#needs-need").get_by_role("link", name="Needs", exact=True).click()
    expect(page.locator("#result_list")).to_be_visible()
    page.locator("#changelist-filter").get_by_role("link", name="Kosovo*").first.click()
    rows = page.locator("#result_list tbody tr")
    kosovo_needs = Need.objects.filter(partner__code="XK").count()
    expect(rows).to_have_count(kosovo_needs)
    expect(page.locator("body")).to_contain_text("without prejudice to positions on status")

    response = page.locator("#nav-sidebar").get_by_role("link", name="Responses", exact=True)
    expect(response).to_be_visible()
    response.click()
    expect(page.locator("#result_list")).to_be_visible()
    page.locator("#result_list tbody tr th a").first.click()
    comment = page.get_by_label("Comment")
    comment.fill("Checked with the donor on 3 March.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.locator("#result_list tbody tr th a").first.click()
    page.get_by_role("link", name="History").click()
    history = page.locator("#change-history")
    expect(history).to_contain_text("secretariat")
    expect(history).to_contain_text("Checked with the donor on 3 March.")


def test_a_focal_point_adds_a_draft_need_for_its_partner_only(live_server, page, demo):
    from iisg.needs.choices import CycleKind, CycleStatus
    from iisg.needs.models import Cycle

    Cycle.objects.create(kind=CycleKind.NEEDS, first_year=2025, last_year=2026, status=CycleStatus.OPEN)
    sign_in(page, live_server, "focal_point")
    page.goto(f"{live_server.url}/admin/needs/need/add/")
    partner = page.get_by_label("Partner")
    expect(partner.locator("option")).to_have_text([re.compile("-+"), "Albania"])
    partner.select_option(label="Albania")
    page.get_by_label("Cycle").select_option(label="Needs mapping 2025–2026")
    page.get_by_label("Reference").fill("AL-WBBSi-101")
    page.get_by_label("Pillar").select_option(label="WBBSi")
    page.get_by_label("Title").fill("Thermal cameras for the green border with Kosovo*")
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    need = Need.objects.get(reference="AL-WBBSi-101")
    assert need.partner.code == "AL"
    assert need.history.first().history_user.username == "focal_point"
