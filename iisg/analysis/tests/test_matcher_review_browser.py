"""The Secretariat runs the matcher and reviews its proposals in a real browser (Debian's Chromium
through Playwright): the start form with its score floor, the run's page until it is done, the review
list; axe-core on the run's page and on the review list."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Response
from iisg.analysis.models import MatcherRun
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.iati.tests.test_jobs import run_worker

from .test_proposals import action, need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Three needs of Montenegro in border security, each with the action that answers it.
TITLES = ["Patrol boats on Lake Skadar", "Sniffer dogs for the border police", "Thermal cameras at the green border"]


@pytest.fixture(autouse=True)
def progress_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }


def test_the_secretariat_runs_the_matcher_and_confirms_and_rejects_its_proposals(live_server, page, assert_accessible):
    montenegro, borders = f.PartnerFactory(code="ME"), f.PillarFactory(code="wbbsi")
    cycle = f.CycleFactory(first_year=2025, last_year=2026)
    for title in TITLES:
        need(cycle, montenegro, borders, title)
        action(title, partners=[montenegro], pillars=[borders])
    user = f.UserFactory(roles=[Role.SECRETARIAT], username="secretariat")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/needs/cycle/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    page.locator("#result_list tr", has_text=str(cycle)).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Propose responses with the matcher")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Do not keep proposals scoring below").fill("0.2")
    page.get_by_role("button", name="Start the matcher").click()

    expect(page.get_by_text(f"The matcher has started on {cycle} in the background")).to_be_visible()
    expect(page.get_by_label("Progress of the matcher")).to_be_visible()
    assert MatcherRun.objects.get().min_score == Decimal("0.2")

    run_worker()

    # progress.js sees the run finished and reloads the page, which then shows what it proposed.
    expect(page.locator("#matcher-proposal-counts")).to_be_visible(timeout=15_000)
    proposed = Response.objects.filter(status=ResponseStatus.PROPOSED).count()
    assert proposed >= 3
    expect(page.locator("#matcher-proposal-counts tfoot")).to_contain_text(str(proposed))
    assert_accessible(page)

    page.locator("#matcher-review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review the proposals")
    assert_accessible(page)
    best = list(Response.objects.select_related("need", "action").order_by("-matcher_score"))
    for response in best[:2]:
        page.get_by_label(f"Select {response.need.reference}: {response.action.title}").check()
    page.get_by_role("button", name="Confirm selected").click()
    expect(page.get_by_text("2 proposals confirmed.")).to_be_visible()

    rejected = best[2]
    page.get_by_label(f"Select {rejected.need.reference}: {rejected.action.title}").check()
    page.get_by_role("button", name="Reject selected").click()
    expect(page.get_by_text("Say why they are rejected.")).to_be_visible()
    page.get_by_label(f"Select {rejected.need.reference}: {rejected.action.title}").check()
    page.locator("#review-form").get_by_label("Comment").fill("Another thematic area.")
    page.get_by_role("button", name="Reject selected").click()
    expect(page.get_by_text("1 proposal rejected.")).to_be_visible()

    statuses = dict(Response.objects.values_list("pk", "status"))
    assert [statuses[response.pk] for response in best[:3]] == [
        ResponseStatus.CONFIRMED,
        ResponseStatus.CONFIRMED,
        ResponseStatus.REJECTED,
    ]
    assert all(statuses[response.pk] == ResponseStatus.PROPOSED for response in best[3:])
    assert rejected.history.first().history_change_reason == "Another thematic area."
