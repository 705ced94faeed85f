"""The home page in a real browser (Debian's Chromium through Playwright)."""

import datetime

import pytest

from iisg.core.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_reads_the_home_page_on_a_phone(live_server, page, assert_accessible):
    f.PillarFactory(code="wbcti")
    f.EventFactory(title="7th IISG Board meeting", start_date=datetime.date(2023, 12, 7))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url)
    assert page.title() == "IISG – Integrative Internal Security Governance"
    assert page.get_by_role("heading", name="Three pillars").is_visible()
    assert page.get_by_role("heading", name="WBCTi").is_visible()
    assert page.get_by_text("7th IISG Board meeting").is_visible()
    footnote = page.locator("#designation-footnote")
    assert "without prejudice to positions on status" in footnote.inner_text()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390, "nothing overflows sideways on a phone"
    assert_accessible(page)
