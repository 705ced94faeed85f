"""The Content Security Policy holds in a real browser: every kind of page, public and back office,
renders and runs its scripts with no violation reported and no script error."""

import contextlib

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from iisg.demo.logins import DEMO_PASSWORD
from iisg.events.models import Event
from iisg.needs.models import Need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched(browser):
    """A page in its own context (the CSP applies: nothing bypasses it) and what it complained about."""
    context = browser.new_context()
    page = context.new_page()
    complaints = []
    page.on("console", lambda message: complaints.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: complaints.append(f"page error: {error}"))
    yield page, complaints
    context.close()


def violations(complaints):
    return [text for text in complaints if "Content Security Policy" in text or text.startswith("page error")]


def visit(page, complaints, url):
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert violations(complaints) == [], url


def test_no_page_breaks_the_content_security_policy(live_server, watched, demo_database):
    demo_database.restore()
    page, complaints = watched
    public = ["/", "/pillars/wbbsi/", "/events/", "/database/", "/admin/login/"]
    event = Event.objects.filter(is_published=True).order_by("-start_date").first()
    public.append(event.get_absolute_url())
    with contextlib.suppress(NoReverseMatch):  # the API documentation, once it is there
        public.append(reverse("api:docs"))
    for path in public:
        visit(page, complaints, live_server.url + path)

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("secretariat")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("secretariat")
    need = Need.objects.first()
    back_office = [
        "/admin/",
        "/admin/needs/need/",
        f"/admin/needs/need/{need.pk}/change/",
        "/admin/actions/action/add/",
        "/admin/events/event/add/",
        "/database/gaps/",
        reverse("two-factor"),
    ]
    for path in back_office:
        visit(page, complaints, live_server.url + path)

    # The admin's own scripts run: the change list's "select all" and a filter's collapse.
    page.goto(f"{live_server.url}/admin/needs/need/")
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    assert violations(complaints) == []
