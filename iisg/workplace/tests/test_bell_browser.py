"""A focal point sees the bell count their unread notifications, opens the list, marks them all read,
and the count is gone; the pages pass axe."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from iisg.core.choices import Role, Step
from iisg.core.tests import factories as f
from iisg.workplace.notify import Message, notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_focal_point_reads_their_notifications_and_the_count_goes(live_server, page, assert_accessible):
    albania = f.PartnerFactory(code="AL")
    focal = f.user_with(Role.FOCAL_POINT, partner=albania)
    for title in ("AL-WBBSi-007 returned: please revise", "AL-WBBSi-008 validated"):
        notify(
            step=Step.NEED_RETURNED,
            message=Message(User.objects.filter(pk=focal.pk), title, "Give the number of radars.", "/admin/"),
        )

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(focal.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    bell = page.locator("#notifications-bell")
    expect(bell).to_have_accessible_name("Notifications (2 unread)")
    expect(bell).to_have_text("Notifications (2)")
    bell.click()

    expect(page.locator("#notifications tr.unread")).to_have_count(2)
    expect(page.locator("#notifications")).to_contain_text("AL-WBBSi-007 returned: please revise")
    assert_accessible(page)

    page.get_by_role("button", name="Mark all as read").click()

    expect(page.locator(".messagelist")).to_contain_text("2 notifications marked as read.")
    expect(page.locator("#notifications tr.unread")).to_have_count(0)
    expect(bell).to_have_text("Notifications")
    assert_accessible(page)

    page.get_by_role("link", name="Choose which ones you receive by e-mail").click()
    page.get_by_label("Need returned").select_option(label="Daily digest")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".messagelist")).to_contain_text("Your choices are saved.")
    expect(page.get_by_label("Need returned")).to_have_value("digest")
    assert_accessible(page)
