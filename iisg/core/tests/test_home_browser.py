"""The back office's home in a real browser: a focal point and the Secretariat each find their task
with its count, follow it to the filtered list, and see only their own menu."""

import pytest
from playwright.sync_api import expect

from iisg.core.choices import Role
from iisg.needs.choices import CycleStatus, NeedStatus

from . import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text(user.username)


def test_each_role_follows_its_task_from_the_home_to_the_filtered_list(browser, live_server, assert_accessible):
    serbia = f.PartnerFactory(code="RS")
    cycle = f.CycleFactory(first_year=2025, last_year=2026, status=CycleStatus.OPEN)
    f.NeedFactory(cycle=cycle, partner=serbia, reference="RS-1", status=NeedStatus.RETURNED)
    f.NeedFactory(cycle=cycle, partner=serbia, reference="RS-2", status=NeedStatus.SUBMITTED)
    f.NeedFactory(cycle=cycle, partner=f.PartnerFactory(code="AL"), reference="AL-1", status=NeedStatus.SUBMITTED)
    focal_point = f.UserFactory(username="focal", roles=[Role.FOCAL_POINT])
    f.PersonFactory(user=focal_point, partner=serbia)
    secretariat = f.UserFactory(username="secretariat", roles=[Role.SECRETARIAT])

    for user, title, count, references, absent in [
        (focal_point, "Returned needs to fix", "1", ["RS-1"], ["RS-2", "AL-1"]),
        (secretariat, "Submitted needs to review", "2", ["RS-2", "AL-1"], ["RS-1"]),
    ]:
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, live_server, user)
        tasks = page.locator("#my-tasks")
        expect(tasks.get_by_role("heading", name="What waits for you")).to_be_visible()
        task = tasks.locator("li", has_text=title)
        expect(task.locator(".worklist-count")).to_have_text(count)
        expect(task).to_contain_text("Needs mapping 2025–2026")
        assert_accessible(page)

        menu = page.locator("#content-main")
        if user is focal_point:
            for table in ["Exchange rates", "Codelist entries", "API tokens", "Budgets"]:
                expect(menu.get_by_role("link", name=table, exact=True)).to_have_count(0)
            expect(menu.locator("#needs-need").get_by_role("link", name="Needs", exact=True)).to_be_visible()
        else:
            expect(menu.get_by_role("link", name="Exchange rates", exact=True)).to_be_visible()

        task.get_by_role("link", name=title).click()
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(len(references))
        for reference in references:
            expect(page.locator("#result_list")).to_contain_text(reference)
        for reference in absent:
            expect(page.locator("#result_list")).not_to_contain_text(reference)
        context.close()
