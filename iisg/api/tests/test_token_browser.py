"""A person issues an API token in the browser, copies its key from the one page that shows it,
and revokes it."""

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from iisg.api.models import ApiToken
from iisg.core.choices import Role
from iisg.core.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_a_person_issues_a_token_sees_it_once_and_revokes_it(live_server, page, assert_accessible):
    user = f.UserFactory(username="ana", roles=[Role.DONOR])
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/account/tokens/")
    page.get_by_label("Name").fill("Monthly report script")
    page.get_by_role("button", name="Issue the token").click()
    key = page.locator("#api-token-key").inner_text()
    assert key.startswith("iisg_")
    expect(page.locator("#api-tokens")).to_contain_text("Monthly report script")
    assert_accessible(page)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/actions/").status_code == 200

    page.goto(f"{live_server.url}/account/tokens/")
    expect(page.locator("#api-token-key")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(key)
    page.get_by_role("button", name="Revoke Monthly report script").click()
    expect(page.locator(".messagelist")).to_contain_text("no longer works")
    expect(page.locator("#api-tokens")).to_contain_text("Revoked on")
    assert ApiToken.objects.get(user=user).revoked is not None
    assert client.get("/api/actions/").status_code == 401
