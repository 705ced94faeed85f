"""In a real browser: the Secretariat reads the data-quality page, silences an alert with a reason
and shows it again; a donor sees only its own action's alert. The page passes axe."""

import pytest
from playwright.sync_api import expect

from iisg.analysis.tests.test_quality_alerts import world  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_secretariat_silences_an_alert_with_a_reason_and_shows_it_again(
    signed_in,
    live_server,
    assert_accessible,
    world,  # noqa: F811
):
    page = signed_in(world["users"]["secretariat"])
    page.goto(f"{live_server.url}/database/quality/")
    ended = page.locator("section", has=page.locator("#rule-ended"))
    expect(ended.get_by_role("heading")).to_have_text("Ended but still in implementation (2)")
    assert_accessible(page)

    row = ended.locator("tr", has_text="Ended action of austria")
    row.get_by_label("Why silence the alert on").fill("Closed in the donor's books; IATI file late.")
    row.get_by_role("button", name="Silence").click()

    expect(ended.get_by_role("heading")).to_have_text("Ended but still in implementation (1)")
    silenced = page.locator("section", has=page.locator("#silenced"))
    expect(silenced).to_contain_text("Closed in the donor's books; IATI file late.")
    silenced.get_by_label("Why show it again").fill("Still not closed.")
    silenced.get_by_role("button", name="Show again").click()
    expect(ended.get_by_role("heading")).to_have_text("Ended but still in implementation (2)")
    expect(page.locator("section", has=page.locator("#silenced"))).to_contain_text("No alert is silenced.")


def test_a_donor_sees_the_alert_of_its_own_action_only(signed_in, live_server, world):  # noqa: F811
    page = signed_in(world["users"]["donor"])
    page.goto(f"{live_server.url}/database/quality/")

    ended = page.locator("section", has=page.locator("#rule-ended"))
    expect(ended).to_contain_text("Ended action of austria")
    expect(ended).not_to_contain_text("Ended action of unodc")
    expect(ended.get_by_role("button", name="Silence")).to_have_count(0)
    expect(ended.get_by_role("link", name="Fix it")).to_have_count(1)
