"""A whole mapping round, clicked through the back office in a real browser on the demo data.

Needs: the Secretariat opens a cycle → the focal point of Albania downloads the workbook, uploads it
with one bad row (row-level report, nothing written), fixes it and uploads again → submits → the
Secretariat validates, records the Support Group's proposal and the Board's adoption → the needs
are frozen. Responses: a donor adds an action and proposes it for one of those needs → the
Secretariat confirms → the need counts as covered.
"""

import datetime

import openpyxl
import pytest
from playwright.sync_api import expect

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Response
from iisg.core.tests import factories as f
from iisg.demo.logins import DEMO_PASSWORD
from iisg.governance.choices import DecisionKind
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
from iisg.needs.models import Cycle, Need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(demo_database):
    demo_database.restore()
    meeting = f.MeetingFactory(
        number=8,
        event=f.EventFactory(title="8th IISG Board meeting", start_date=datetime.date(2026, 6, 18)),
    )
    return f.DecisionFactory(meeting=meeting, number=1, kind=DecisionKind.ADOPT_CYCLE, text="Needs mapping adopted.")


@pytest.fixture
def as_user(browser, live_server):
    """A signed-in page per demo login, each in its own browser context (its own cookies)."""
    contexts = []

    def sign_in(username):
        context = browser.new_context(accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#user-tools")).to_contain_text(username)
        return page

    yield sign_in
    for context in contexts:
        context.close()


def run_action(page, action_label, references):
    for reference in references:
        page.locator("#result_list tr", has_text=reference).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Go").click()


def choose(page, field, text):
    """Pick `text` in the admin's autocomplete (select2) widget of `field`."""
    page.locator(f"#id_{field} + .select2").click()
    page.keyboard.type(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def fill_needs(path, rows):
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Needs"]
    headers = [cell.value for cell in sheet[1]]
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    workbook.save(path)


def test_a_whole_needs_cycle_and_a_response_round(demo, as_user, live_server, tmp_path):
    decision = demo
    secretariat = as_user("secretariat")
    secretariat.goto(f"{live_server.url}/admin/needs/cycle/")
    secretariat.get_by_role("link", name="Open the next needs cycle").click()
    secretariat.get_by_label("first year").fill("2029")
    secretariat.get_by_label("last year").fill("2030")
    secretariat.get_by_role("button", name="Open the cycle").click()
    cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2029)
    assert cycle.status == CycleStatus.OPEN
    area = cycle.areas.filter(pillar__code="wbbsi", parent__isnull=False).order_by("code").first()
    assert area is not None, "the areas were copied from the last cycle"

    focal_point = as_user("focal_point")
    focal_point.goto(f"{live_server.url}/admin/needs/need/")
    focal_point.get_by_role("link", name="Download workbook").click()
    with focal_point.expect_download() as download:
        focal_point.get_by_role("button", name="Download").click()
    workbook = tmp_path / "needs.xlsx"
    download.value.save_as(workbook)
    good = {
        "Reference": "AL-WBBSi-201",
        "Partner": "Albania",
        "Pillar": "WBBSi",
        "Area code": area.code,
        "Type": "Operational",
        "Perspective": "Prevention",
        "Title": "Thermal cameras for the green border",
        "Priority": "High",
    }
    bad = {**good, "Reference": "AL-WBBSi-202", "Title": "Document examination kits", "Partner": "Albnia"}
    fill_needs(workbook, [good, bad])

    focal_point.get_by_role("link", name="Needs").last.click()
    focal_point.get_by_role("link", name="Upload workbook").click()
    focal_point.locator("input[type=file]").set_input_files(workbook)
    focal_point.get_by_role("button", name="Upload workbook").click()
    errors = focal_point.locator("#workbook-errors")
    expect(errors).to_contain_text("Albnia")
    expect(errors).to_contain_text("did you mean Albania?")
    assert not cycle.needs.exists(), "a workbook with an error writes nothing"

    fixed = openpyxl.load_workbook(workbook)
    for row in fixed["Needs"].iter_rows(min_row=2):
        for cell in row:
            if cell.value == "Albnia":
                cell.value = "Albania"
    fixed.save(workbook)
    focal_point.locator("input[type=file]").set_input_files(workbook)
    focal_point.get_by_role("button", name="Upload workbook").click()
    expect(focal_point.locator("#workbook-counts")).to_contain_text("Added: 2")
    assert sorted(cycle.needs.values_list("status", flat=True)) == [NeedStatus.DRAFT, NeedStatus.DRAFT]

    focal_point.goto(f"{live_server.url}/admin/needs/need/?cycle__id__exact={cycle.pk}")
    run_action(focal_point, "Submit selected needs", ["AL-WBBSi-201", "AL-WBBSi-202"])
    expect(focal_point.locator(".messagelist")).to_contain_text("AL-WBBSi-201")

    secretariat.goto(f"{live_server.url}/admin/needs/need/?cycle__id__exact={cycle.pk}")
    run_action(secretariat, "Validate selected needs", ["AL-WBBSi-201", "AL-WBBSi-202"])
    run_action(secretariat, "Record the Support Group's proposal of selected needs", ["AL-WBBSi-201", "AL-WBBSi-202"])
    secretariat.goto(f"{live_server.url}/admin/needs/cycle/{cycle.pk}/change/")
    secretariat.get_by_role("link", name="Record the Board adoption").click()
    secretariat.get_by_label("Board decision").select_option(value=str(decision.pk))
    secretariat.get_by_role("button", name="Record the adoption").click()
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.ADOPTED
    assert cycle.adopted_by == decision
    need = Need.objects.get(cycle=cycle, reference="AL-WBBSi-201")
    assert need.status == NeedStatus.ADOPTED
    reviewers = {record.history_user.username for record in need.history.all() if record.history_user}
    assert reviewers == {"focal_point", "secretariat"}

    secretariat.goto(f"{live_server.url}/admin/needs/need/{need.pk}/change/")
    expect(secretariat.get_by_role("button", name="Save", exact=True)).to_have_count(0)

    donor = as_user("donor")
    donor.goto(f"{live_server.url}/admin/actions/action/add/")
    donor.get_by_label("Title").fill("Green border surveillance for Albania")
    choose(donor, "partners", "Albania")
    choose(donor, "pillars", "WBBSi")
    donor.get_by_role("button", name="Save", exact=True).click()
    expect(donor.locator(".messagelist")).to_contain_text("was added successfully")

    donor.goto(f"{live_server.url}/admin/actions/response/add/")
    choose(donor, "action", "Green border surveillance for Albania")
    choose(donor, "need", need.reference)
    donor.get_by_role("button", name="Save", exact=True).click()
    response = Response.objects.get(need=need)
    assert response.status == ResponseStatus.PROPOSED
    assert response.proposed_by.username == "donor"

    secretariat.goto(f"{live_server.url}/admin/actions/response/?need__id__exact={need.pk}")
    run_action(secretariat, "Confirm selected responses", [need.reference])
    response.refresh_from_db()
    assert response.status == ResponseStatus.CONFIRMED
    assert response.confirmed_by.username == "secretariat"
    counted = Need.objects.filter(cycle=cycle, responses__status=ResponseStatus.CONFIRMED).distinct()
    assert list(counted) == [need], "the confirmed response is what the analysis counts"
