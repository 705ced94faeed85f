"""Two people edit the same need in two browsers: the second is told, reloads and applies again."""

import pytest
from playwright.sync_api import expect

from iisg.core.choices import Role
from iisg.needs.choices import Priority
from iisg.needs.models import Need

from . import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # the factories' password


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()


def test_the_second_of_two_people_saving_one_need_sees_who_changed_it_and_keeps_their_input(live_server, browser):
    need = f.NeedFactory(reference="AL-WBBSi-007", partner=f.PartnerFactory(code="AL"), title="Thermal cameras")
    f.UserFactory(username="ana", first_name="Ana", last_name="Hoxha", roles=[Role.SECRETARIAT])
    f.UserFactory(username="marko", roles=[Role.SECRETARIAT])
    url = f"{live_server.url}/admin/needs/need/{need.pk}/change/"
    first, second = browser.new_context(), browser.new_context()
    try:
        ana, marko = first.new_page(), second.new_page()
        sign_in(ana, live_server, "ana")
        sign_in(marko, live_server, "marko")
        ana.goto(url)
        marko.goto(url)

        ana.get_by_label("Priority").select_option(label="Low")
        ana.get_by_role("button", name="Save", exact=True).click()
        expect(ana.locator(".messagelist")).to_contain_text("was changed successfully")

        marko.get_by_label("Title").fill("Drones for the blue border")
        marko.get_by_role("button", name="Save", exact=True).click()
        expect(marko.locator(".errornote")).to_be_visible()
        expect(marko.locator(".errorlist.nonfield")).to_contain_text("Need AL-WBBSi-007 was changed by Ana Hoxha at")
        expect(marko.locator(".errorlist.nonfield")).to_contain_text("reload to see theirs, then apply yours again")
        expect(marko.get_by_label("Title")).to_have_value("Drones for the blue border")
        need.refresh_from_db()
        assert (need.title, need.priority) == ("Thermal cameras", Priority.LOW)

        marko.goto(url)
        expect(marko.get_by_label("Priority")).to_have_value(Priority.LOW)
        marko.get_by_label("Title").fill("Drones for the blue border")
        marko.get_by_role("button", name="Save", exact=True).click()
        expect(marko.locator(".messagelist")).to_contain_text("was changed successfully")
        need = Need.objects.get(pk=need.pk)
        assert (need.title, need.priority, need.version) == ("Drones for the blue border", Priority.LOW, 3)
    finally:
        first.close()
        second.close()
