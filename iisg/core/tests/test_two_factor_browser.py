"""The second factor as people meet it, in a real browser: the Secretariat forced to enrol, and a
login with a recovery code when the phone is lost."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from iisg.core import twofactor
from iisg.core.choices import Role

from . import factories as f
from .test_security import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def sign_in(page, live_server, username, code=None):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    if code is not None:
        page.get_by_label("Two-factor code").fill(code)
    page.get_by_role("button", name="Log in").click()


def test_the_secretariat_is_made_to_enrol_and_keeps_its_recovery_codes(live_server, page, settings, assert_accessible):
    settings.OTP_REQUIRED_FOR_STAFF = True
    user = f.UserFactory(username="anna", roles=[Role.SECRETARIAT])

    sign_in(page, live_server, "anna")
    expect(page.locator(".errornote")).to_contain_text("Your role requires two-factor authentication")
    page.goto(f"{live_server.url}/admin/needs/need/")
    expect(page).to_have_url(f"{live_server.url}/account/two-factor/")

    page.get_by_label("Code from your app").fill(current_code(TOTPDevice.objects.get(user=user)))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    codes = page.locator("#recovery-codes code")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the recovery codes (text file)").click()
    assert download.value.suggested_filename == "iisg-recovery-codes.txt"
    assert download.value.path().read_text().split()[-10:] == codes.all_inner_texts()

    page.get_by_role("link", name="Continue to the back office").click()
    expect(page.locator("#content h1")).to_contain_text("Needs, responses, events and governance")


def test_a_lost_phone_signs_in_with_a_recovery_code_once(live_server, page):
    user = f.UserFactory(username="boris", roles=[Role.DONOR])
    TOTPDevice.objects.create(user=user, name=twofactor.DEVICE_NAME, confirmed=True)
    code = twofactor.replace_recovery_codes(user=user)[0]

    sign_in(page, live_server, "boris", code=code)
    expect(page.locator(".messagelist")).to_contain_text("You signed in with a recovery code; 9 remain.")
    page.get_by_role("button", name="Log out").click()

    sign_in(page, live_server, "boris", code=code)
    expect(page.locator(".errornote")).to_contain_text("a recovery code not used before")
