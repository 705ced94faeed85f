"""The Board pack's page "what changed since the Board adopted it" in a real browser, on the demo:
the Secretariat follows the link from the report in the back office, a member reads the page;
axe-core on both."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from iisg.actions.choices import TransactionType
from iisg.actions.models import Action, Transaction
from iisg.actions.services import save_row
from iisg.core.tests import factories as f
from iisg.demo.logins import DEMO_PASSWORD
from iisg.governance.choices import MeetingBody
from iisg.reports.models import BoardPack
from iisg.reports.services import publish_report, request_report
from iisg.reports.tasks import generate_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = 2022


@pytest.fixture
def pack(demo_database):
    demo_database.restore()
    secretariat = User.objects.get(username="secretariat")
    report = request_report(user=secretariat, kind="response", fmt="xlsx", year=YEAR)
    generate_report.call(report.pk)
    report.refresh_from_db()
    publish_report(
        user=secretariat, report=report, decision=f.DecisionFactory(meeting=f.MeetingFactory(body=MeetingBody.BOARD))
    )
    return BoardPack.objects.select_related("report").get(report=report)


def sign_in(page, live_server, username, next_url):
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_changes_since_the_board_adopted_a_report_are_listed_and_accessible(
    live_server, page, assert_accessible, pack
):
    secretariat = User.objects.get(username="secretariat")
    added = save_row(
        user=secretariat,
        row=Transaction(
            action=Action.objects.active_in(YEAR).order_by("pk").first(),
            transaction_type=TransactionType.OUTGOING_COMMITMENT,
            date=datetime.date(YEAR, 6, 1),
            value=Decimal("40000.00"),
            currency="EUR",
            value_date=datetime.date(YEAR, 6, 1),
        ),
    )

    sign_in(page, live_server, "secretariat", f"/admin/reports/report/{pack.report.pk}/change/")
    page.get_by_role("link", name="What changed since the Board adopted it").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What changed since the Board adopted")
    transactions = page.get_by_role("region", name="Transactions (1)")
    expect(transactions.get_by_role("heading", name="Added since")).to_be_visible()
    expect(transactions.get_by_role("listitem").filter(has_text=str(added))).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, live_server, "member", pack.get_absolute_url())
    expect(page.get_by_role("region", name="Transactions (1)")).to_be_visible()
    expect(page.get_by_role("link", name=str(pack.report.product_version.product), exact=False)).to_be_visible()
    assert_accessible(page)
