"""The annual response-mapping round, clicked through in a real browser as a donor: the round is open
with a deadline and the donor's call arrives by mail at a real SMTP server, listing its own actions
only; the donor finds its call from the actions list, confirms one action unchanged in
one click, updates another through its form, and the Secretariat's round page shows the donor as
answered."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from iisg.actions.choices import OrganisationRole, RoundAnswerKind
from iisg.actions.models import RoundAnswer
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.services import open_response_cycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.fixture
def world():
    """Austria funds two actions of the year and GIZ implements a third; the Secretariat opened the
    year's response mapping with a deadline in 20 days."""
    year = timezone.localdate().year
    austria = f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")
    giz = f.OrganisationFactory(name="Deutsche Gesellschaft für Internationale Zusammenarbeit", acronym="GIZ")
    kosovo = f.PartnerFactory(code="XK")
    actions = {}
    for title, organisation, role in [
        ("Border police capacity building", austria, OrganisationRole.FUNDING),
        ("Mobile surveillance units", austria, OrganisationRole.FUNDING),
        ("Cybercrime units", giz, OrganisationRole.IMPLEMENTING),
    ]:
        action = f.ActionFactory(title=title, planned_start=datetime.date(year, 1, 1), planned_end=None)
        action.partners.add(kosovo)
        f.ActionOrganisationFactory(action=action, organisation=organisation, role=role)
        actions[title] = action
    donor = f.UserFactory(username="austria-donor", email="donor@austria.example", roles=[Role.DONOR])
    f.PersonFactory(user=donor, organisation=austria)
    secretariat = f.UserFactory(username="secretariat", roles=[Role.SECRETARIAT])
    cycle = open_response_cycle(
        user=secretariat, year=year, closes_on=timezone.localdate() + datetime.timedelta(days=20)
    )
    return {"year": year, "cycle": cycle, "actions": actions, "donor": donor}


@pytest.fixture
def as_user(browser, live_server):
    """A signed-in page per login, each in its own browser context (its own cookies)."""
    contexts = []

    def sign_in(username):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#user-tools")).to_contain_text(username)
        return page

    yield sign_in
    for context in contexts:
        context.close()


def test_a_donor_answers_the_response_mapping_and_the_secretariat_sees_it(
    world, as_user, live_server, assert_accessible, smtp_server, deliver_queued_mail
):
    year = world["year"]
    deliver_queued_mail()
    (call,) = smtp_server.wait_for(1)
    assert call.recipients == ("donor@austria.example",)
    assert call.subject.startswith(f"Response mapping {year}: confirm or update your actions by ")
    for text in (call.text, call.html):
        assert "Border police capacity building" in text
        assert "Mobile surveillance units" in text
        assert "Cybercrime units" not in text, "GIZ's action is in GIZ's call"
    assert f"/admin/actions/action/round/{world['cycle'].pk}/" in call.text

    donor = as_user("austria-donor")
    donor.goto(f"{live_server.url}/admin/actions/action/")
    donor.get_by_role("link", name=f"Response mapping {year} — your actions").click()

    expect(donor.locator("h1")).to_have_text(f"Response mapping {year} — your actions")
    expect(donor.locator("#content-main")).to_contain_text("in 20 days")
    expect(donor.locator("#round-call tbody tr")).to_have_count(2)
    assert_accessible(donor)

    border = donor.locator("#round-call tbody tr", has_text="Border police capacity building")
    border.get_by_role("button", name="No change").click()
    expect(donor.locator(".messagelist")).to_contain_text("is confirmed unchanged")
    expect(donor.locator("#round-call tbody tr", has_text="Border police capacity building")).to_contain_text(
        "No change (austria-donor"
    )

    units = donor.locator("#round-call tbody tr", has_text="Mobile surveillance units")
    units.get_by_role("link", name="Update").click()
    donor.get_by_label("Description").fill("Six mobile units instead of four, from June.")
    donor.get_by_role("button", name="Save", exact=True).click()
    expect(donor.locator(".messagelist")).to_contain_text("was changed successfully")
    donor.goto(f"{live_server.url}/admin/actions/action/round/{world['cycle'].pk}/")
    expect(donor.locator("#round-call tbody tr", has_text="Mobile surveillance units")).to_contain_text("Updated")
    expect(donor.locator("#content-main")).to_contain_text("0 of 2 actions not answered yet.")

    secretariat = as_user("secretariat")
    secretariat.goto(f"{live_server.url}/admin/actions/action/")
    secretariat.get_by_role("link", name=f"Response mapping {year}: who has answered").click()
    expect(secretariat.locator("#round-progress tbody tr", has_text="AT MoI")).to_contain_text("Answered")
    expect(secretariat.locator("#round-progress tbody tr", has_text="GIZ")).to_contain_text("Not yet")
    expect(secretariat.locator("#content-main")).to_contain_text("1 of 2 organisations called have answered")
    assert_accessible(secretariat)

    answers = dict(RoundAnswer.objects.values_list("action__title", "answer"))
    assert answers == {
        "Border police capacity building": RoundAnswerKind.CONFIRMED,
        "Mobile surveillance units": RoundAnswerKind.UPDATED,
    }
