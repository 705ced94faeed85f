"""Password reset end to end in a real browser, through a real SMTP server: asked for on the sign-in
page, mailed by the job worker, the link followed, a new password chosen, signed in with it; and
the Secretariat reading that mail in the back office."""

import re

import pytest
from playwright.sync_api import expect

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.workplace.models import Mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OLD_PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "Plum-Orchard-Lantern-42"
NEW_PASSWORD_LABEL = re.compile(r"^New password:?$")


@pytest.fixture
def site(settings, live_server):
    """The live server, named in the mails as the site's address."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def new_page(browser):
    """A page in a browser context of its own (its own cookies, so its own session)."""
    contexts = []

    def open_page():
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        complaints = []
        page.on("console", lambda message: complaints.append(message.text))
        page.complaints = complaints
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, site, username, password):
    page.goto(f"{site}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_forgotten_password_is_reset_through_the_mailed_link(
    site, new_page, smtp_server, deliver_queued_mail, assert_accessible
):
    ana = f.user_with(Role.FOCAL_POINT, partner=f.PartnerFactory(code="AL"))
    page = new_page()

    page.goto(f"{site}/admin/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Forgotten your password?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill(ana.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator("#content")).to_contain_text("a link to choose a new password is on its way")

    assert deliver_queued_mail() == 1
    [received] = smtp_server.wait_for(1)
    assert received.recipients == (ana.email,)
    [link] = re.findall(rf"{re.escape(site)}/account/password-reset/\S+/", received.text)
    assert f'href="{link}"' in received.html

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(NEW_PASSWORD_LABEL).fill("plum42")
    page.get_by_label("New password confirmation").fill("plum42")
    page.get_by_role("button", name="Set my password").click()
    expect(page.locator(".errorlist")).to_contain_text("This password is too short")
    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.locator("#content")).to_contain_text("Your password is set.")

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill(ana.username)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text(ana.username)

    elsewhere = new_page()
    sign_in(elsewhere, site, ana.username, OLD_PASSWORD)
    expect(elsewhere.locator(".errornote")).to_contain_text("Please enter the correct username and password")
    elsewhere.goto(link)
    expect(elsewhere.locator("#content")).to_contain_text("This link does not work any more")


def test_the_secretariat_reads_a_mail_with_its_html_in_a_sandboxed_frame(
    site, new_page, smtp_server, deliver_queued_mail, assert_accessible
):
    ana = f.user_with(Role.FOCAL_POINT, partner=f.PartnerFactory(code="AL"))
    secretariat = f.UserFactory(username="sofia", roles=[Role.SECRETARIAT])
    page = new_page()
    page.goto(f"{site}/account/password-reset/")
    page.get_by_label("Email").fill(ana.email)
    page.get_by_role("button", name="Send me a link").click()
    deliver_queued_mail()
    smtp_server.wait_for(1)

    sign_in(page, site, secretariat.username, OLD_PASSWORD)
    page.goto(f"{site}/admin/workplace/mail/")
    expect(page.locator("#result_list")).to_contain_text("Sent")
    page.get_by_role("link", name="Choose a new password for the IISG Platform").click()

    frame = page.frame_locator("iframe.mail-preview")
    expect(frame.get_by_role("link", name="Choose a new password")).to_be_visible()
    assert_accessible(page)
    assert [text for text in page.complaints if "Content Security Policy" in text] == []
    assert Mail.objects.get().to == ana.email
