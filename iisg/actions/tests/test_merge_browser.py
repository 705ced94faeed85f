"""In a real browser: the Secretariat follows the duplicate alert's "Fix it" from the data-quality
page to the merge page, which passes axe, and merges the two actions with a reason."""

import pytest
from playwright.sync_api import expect

from iisg.actions.models import Action
from iisg.actions.tests.test_merge_page import WHY, austria, pair  # noqa: F401 (fixtures)
from iisg.analysis.alerts import store_alerts
from iisg.core.choices import Role
from iisg.core.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_secretariat_merges_a_duplicate_from_its_alert(
    signed_in,
    live_server,
    assert_accessible,
    pair,  # noqa: F811
):
    entered, imported = pair
    store_alerts()
    page = signed_in(f.user_with(Role.SECRETARIAT))

    page.goto(f"{live_server.url}/database/quality/")
    duplicates = page.locator("section", has=page.locator("#rule-duplicate"))
    duplicates.locator("tr", has_text=entered.title).get_by_role("link", name="Fix it").click()

    table = page.locator("#merge-pair")
    expect(table).to_contain_text("Border police capacity building in Albania")
    expect(table).to_contain_text("AT-1-123")
    assert_accessible(page)
    page.get_by_label("Why they are one project").fill(WHY)
    page.get_by_role("button", name="Merge them").click()

    expect(page.locator(".messagelist")).to_contain_text("merged")
    assert page.url.endswith(f"/admin/actions/action/{imported.pk}/change/")
    assert Action.objects.get(pk=entered.pk).merged_into_id == imported.pk
    assert imported.responses.count() == 1
