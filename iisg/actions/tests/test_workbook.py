"""The actions workbook: download, upload as a whole, responses, and a donor's limits."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from iisg.actions import workbook
from iisg.actions.choices import ActionSource, ActivityStatus, OrganisationRole, ResponseStatus
from iisg.actions.models import Action, ActionOrganisation, Budget, Response
from iisg.core import workbook as wb
from iisg.core.choices import Role
from iisg.core.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    serbia = f.PartnerFactory(code="RS")
    f.PartnerFactory(code="ME")
    pillar = f.PillarFactory(code="wbbsi")
    cycle = f.CycleFactory()
    need = f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, reference="RS-1")
    mine, theirs = f.OrganisationFactory(acronym="ADA"), f.OrganisationFactory(acronym="SIDA")
    donor = f.UserFactory(roles=[Role.DONOR])
    f.PersonFactory(user=donor, organisation=mine)
    own = f.ActionFactory(title="Border scanners", iati_identifier="AT-1-001")
    own.partners.set([serbia])
    own.pillars.set([pillar])
    f.ActionOrganisationFactory(action=own, organisation=mine)
    f.BudgetFactory(action=own)
    other = f.ActionFactory(title="Police training")
    f.ActionOrganisationFactory(action=other, organisation=theirs)
    f.ResponseFactory(action=own, need=need)
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    return {"cycle": cycle, "need": need, "donor": donor, "own": own, "other": other, "mine": mine,
            "secretariat": secretariat}  # fmt: skip


def state():
    return (
        Action.objects.count(),
        Action.history.count(),
        Response.objects.count(),
        Response.history.count(),
        Budget.objects.count(),
        sorted(Action.objects.values_list("title", "status", "planned_start")),
    )


def edit(data, sheet="Actions", changes=(), append=()):
    book = load_workbook(io.BytesIO(data))
    worksheet = book[sheet]
    headers = [cell.value for cell in worksheet[1]]
    for (row, header), value in dict(changes).items():
        worksheet.cell(row=row, column=headers.index(header) + 1, value=value)
    for values in append:
        worksheet.append([values.get(header) for header in headers])
    return wb.to_bytes(book)


def upload(world, data, user="donor"):
    return workbook.upload_workbook(user=world[user], cycle=world["cycle"], data=data)


def test_donor_downloads_its_own_actions_with_drop_downs_and_date_cells(world):
    book = load_workbook(io.BytesIO(workbook.build_workbook(user=world["donor"], cycle=world["cycle"])))
    assert book.sheetnames == ["Actions", "Responses", "Code lists"]
    rows = list(book["Actions"].values)
    assert [row[2] for row in rows[1:]] == ["Border scanners"]
    assert rows[1][6] == datetime.datetime(2021, 1, 1)
    assert rows[1][8] == "Implementation"
    assert rows[1][10] == 250000
    assert list(book["Responses"].values)[1][:3] == (world["own"].pk, "RS-1", "Partial")
    formulas = {dv.formula1 for dv in book["Actions"].data_validations.dataValidation if dv.type == "list"}
    currencies = next(book["Code lists"].iter_cols(min_col=4, max_col=4, values_only=True))
    assert currencies[:4] == ("Currencies", "EUR", "USD", "GBP")
    assert "'Code lists'!$D$2:$D$21" in formulas
    assert any(dv.type == "date" for dv in book["Actions"].data_validations.dataValidation)
    assert book["Responses"].data_validations.dataValidation


def test_round_trip_without_changes_changes_nothing(world):
    for user in ("donor", "secretariat"):
        data = workbook.build_workbook(user=world[user], cycle=world["cycle"])
        before = state()
        outcome = upload(world, data, user)
        assert outcome.ok, outcome.problems
        assert outcome.added == outcome.changed == 0
        assert state() == before


def test_new_action_and_response_are_added_once(world):
    data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    data = edit(
        data,
        changes={(2, "Status"): "Finalisation", (2, "Beneficiary partners"): "Serbia, ME"},
        append=[{"Title": "Cyber lab", "Beneficiary partners": "RS", "Pillars": "WBBSi", "Planned start": "2022-01-01",
                 "Planned end": datetime.date(2023, 6, 30), "Default currency": "USD", "Budget total": 1000}],
    )  # fmt: skip
    data = edit(data, "Responses", append=[{"Action": "Cyber lab", "Need reference": "RS-1", "Coverage": "Full"}])
    outcome = upload(world, data)
    assert outcome.ok, outcome.problems
    assert (outcome.added, outcome.changed) == (2, 1)
    lab = Action.objects.get(title="Cyber lab")
    assert lab.source == ActionSource.EXCEL
    assert lab.default_currency == "USD"
    assert lab.budgets.get().value == Decimal("1000.00")
    assert ActionOrganisation.objects.filter(action=lab, organisation=world["mine"], role=OrganisationRole.FUNDING)
    response = Response.objects.get(action=lab)
    assert (response.coverage, response.status, response.proposed_by) == (
        "full",
        ResponseStatus.PROPOSED,
        world["donor"],
    )
    world["own"].refresh_from_db()
    assert world["own"].status == ActivityStatus.FINALISATION
    assert world["own"].partners.count() == 2
    before = state()
    again = upload(world, data)
    assert (again.added, again.changed) == (0, 0), again
    assert state() == before


def test_donor_editing_another_donors_action_gets_a_row_error(world):
    data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    data = edit(data, append=[{"Platform id": world["other"].pk, "Title": "Police training, taken over"}])
    before = state()
    outcome = upload(world, data)
    assert [(p.row, p.reason) for p in outcome.problems] == [
        (3, "you may not change this action: your organisation does not take part in it")
    ]
    assert state() == before


def test_bad_rows_of_both_sheets_are_reported_at_once(world):
    data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    data = edit(
        data,
        changes={(2, "Planned start"): "01/02/2021", (2, "Default currency"): "EURO"},
        append=[{"Title": "Late", "Planned start": "2022-01-01", "Planned end": "2021-01-01", "Pillars": "WBXX"}],
    )
    data = edit(data, "Responses", append=[{"Action": "Nothing", "Need reference": "RS-2", "Coverage": "Most"}])
    before = state()
    outcome = upload(world, data)
    cells = {(p.sheet, p.coordinate) for p in outcome.problems}
    assert {("Actions", "G2"), ("Actions", "J2"), ("Actions", "H3"), ("Actions", "F3")} <= cells
    assert {("Responses", "A3"), ("Responses", "B3"), ("Responses", "C3")} <= cells
    assert any("did you mean EUR?" in p.reason for p in outcome.problems)
    assert state() == before


def test_confirmed_response_cannot_be_changed_by_the_donor(world):
    Response.objects.update(
        status=ResponseStatus.CONFIRMED, confirmed_at=datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC)
    )
    data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    data = edit(data, "Responses", changes={(2, "Coverage"): "Full"})
    outcome = upload(world, data)
    assert [p.reason for p in outcome.problems] == ["this response is confirmed: only the Secretariat changes it now"]


def test_member_cannot_upload(client, world):
    client.force_login(f.UserFactory(roles=[Role.MEMBER]))
    data = workbook.build_workbook(user=world["secretariat"], cycle=world["cycle"])
    file = SimpleUploadedFile("actions.xlsx", data)
    assert (
        client.post(
            reverse("admin:actions_action_workbook_upload"), {"cycle": world["cycle"].pk, "file": file}
        ).status_code
        == 403
    )


def test_donor_uses_the_pages(client, world):
    client.force_login(world["donor"])
    assert (
        reverse("admin:actions_action_workbook_upload")
        in client.get(reverse("admin:actions_action_changelist")).content.decode()
    )
    data = client.get(reverse("admin:actions_action_workbook_download"), {"cycle": world["cycle"].pk}).content
    file = SimpleUploadedFile("actions.xlsx", data)
    page = client.post(reverse("admin:actions_action_workbook_upload"), {"cycle": world["cycle"].pk, "file": file})
    assert page.context["outcome"].ok
    assert page.context["outcome"].unchanged == 2


def test_no_response_to_a_draft_need(world):
    f.NeedFactory(cycle=world["cycle"], partner=world["need"].partner, pillar=world["need"].pillar, reference="RS-2",
                  status="draft")  # fmt: skip
    data = workbook.build_workbook(user=world["secretariat"], cycle=world["cycle"])
    data = edit(data, "Responses", append=[{"Action": world["own"].pk, "Need reference": "RS-2", "Coverage": "Full"}])
    outcome = upload(world, data, "secretariat")
    assert [p.reason for p in outcome.problems] == ["RS-2 is draft: no response can be proposed to it"]
