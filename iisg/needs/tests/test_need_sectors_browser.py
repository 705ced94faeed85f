"""In a real browser: the focal point of Albania accepts a suggested DAC sector on its draft need's
page and removes it again; the Secretariat reads the sectors of an adopted need, whose page passes axe."""

import pytest
from playwright.sync_api import expect

from iisg.analysis.tests.test_sectors import codelist  # noqa: F401 (a fixture)
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs import services
from iisg.needs.choices import CycleStatus, NeedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATER = {"title": "Wells and latrines", "description": "Drinking water for the border crossing points."}


def test_a_focal_point_accepts_a_suggested_sector_and_removes_it(
    signed_in,
    live_server,
    codelist,  # noqa: F811
    albania,
):
    cycle = f.CycleFactory(first_year=2025, last_year=2026, status=CycleStatus.OPEN)
    need = f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.DRAFT, **WATER)
    page = signed_in(f.user_with(Role.FOCAL_POINT, partner=albania))

    page.goto(f"{live_server.url}/admin/needs/need/{need.pk}/change/")
    sectors = page.locator("#need-sectors")
    expect(sectors).to_contain_text("No sector accepted for this need yet.")
    expect(sectors.locator("li", has_text="14030").locator(".why")).to_contain_text("drinking water")
    sectors.get_by_role("button", name="Accept sector 14030").click()

    expect(page.locator(".messagelist")).to_contain_text("Sector 14030 accepted.")
    expect(sectors.locator("li").first).to_contain_text("14030 Basic drinking water supply and basic sanitation")
    expect(sectors.get_by_role("button", name="Accept sector 14030")).to_have_count(0)
    assert list(need.sectors.values_list("code", flat=True)) == ["14030"]

    sectors.get_by_role("button", name="Remove sector 14030").click()
    expect(page.locator(".messagelist")).to_contain_text("Sector 14030 removed.")
    expect(sectors).to_contain_text("No sector accepted for this need yet.")
    assert not need.sectors.exists()


def test_the_page_of_an_adopted_need_with_its_sectors_passes_axe(
    signed_in,
    live_server,
    assert_accessible,
    codelist,  # noqa: F811
):
    secretariat = f.user_with(Role.SECRETARIAT)
    need = f.NeedFactory(cycle=f.CycleFactory(status=CycleStatus.ADOPTED), status=NeedStatus.ADOPTED, **WATER)
    services.accept_sector(user=secretariat, need=need, code="14030")
    page = signed_in(secretariat)

    page.goto(f"{live_server.url}/admin/needs/need/{need.pk}/change/")

    sectors = page.locator("#need-sectors")
    expect(sectors.get_by_role("heading", name="DAC sectors")).to_be_visible()
    expect(sectors.get_by_role("button", name="Remove sector 14030")).to_be_visible()
    expect(sectors.get_by_role("heading", name="Suggested from the need's text")).to_be_visible()
    assert_accessible(page)
