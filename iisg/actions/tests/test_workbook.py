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
    assert book.sheetnames == ["Actions", "Budgets", "Transactions", "Responses", "Code lists"]
    rows = list(book["Actions"].values)
    assert [row[2] for row in rows[1:]] == ["Border scanners"]
    assert rows[1][6] == datetime.datetime(2021, 1, 1)
    assert rows[1][8] == "Implementation"
    assert rows[0][-1] == "Version"
    assert rows[1][-1] == world["own"].version
    header, first = list(book["Budgets"].values)[:2]
    budget = dict(zip(header, first, strict=True))
    assert (budget["Action"], budget["Value"], budget["Currency"]) == (world["own"].pk, 250000, "EUR")
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


def test_new_action_with_its_budget_and_response_is_added_once(world):
    data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    data = edit(
        data,
        changes={(2, "Status"): "Finalisation", (2, "Beneficiary partners"): "Serbia, ME"},
        append=[{"Title": "Cyber lab", "Beneficiary partners": "RS", "Pillars": "WBBSi", "Planned start": "2022-01-01",
                 "Planned end": datetime.date(2023, 6, 30), "Default currency": "USD"}],
    )  # fmt: skip
    data = edit(
        data,
        "Budgets",
        append=[{"Action": "Cyber lab", "Period start": "2022-01-01", "Period end": "2023-06-30", "Value": 1000}],
    )
    data = edit(data, "Responses", append=[{"Action": "Cyber lab", "Need reference": "RS-1", "Coverage": "Full"}])
    outcome = upload(world, data)
    assert outcome.ok, outcome.problems
    assert (outcome.added, outcome.changed) == (2, 1)
    lab = Action.objects.get(title="Cyber lab")
    assert lab.source == ActionSource.EXCEL
    assert lab.default_currency == "USD"
    budget = lab.budgets.get()
    assert (budget.value, budget.currency) == (Decimal("1000.00"), "USD"), "the action's default currency"
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
        (3, "You may not change “Police training”: your organisation does not take part in it.")
    ], "the reason of actions.services.refuse_change, as the back office and the API give it"
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


# Money on its own sheets


@pytest.fixture
def rates(db):
    from iisg.actions.money import Rates, load_rates

    load_rates()  # the real monthly rates of ../shared/data/fx/
    return Rates.from_database()


def rows_of(data, sheet):
    header, *rows = list(load_workbook(io.BytesIO(data))[sheet].values)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_a_transaction_typed_in_the_workbook_gets_its_eur_figure_and_the_download_shows_it(world, rates):
    data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    data = edit(
        data,
        "Transactions",
        append=[{"Action": world["own"].pk, "Type": "Outgoing commitment", "Date": "2022-03-15", "Value": 500000,
                 "Currency": "USD"},
                {"Action": "AT-1-001", "Type": "Disbursement", "Date": "2022-06-01", "Value": -2500,
                 "Currency": "GBP", "Value date": "2022-05-20"}],
    )  # fmt: skip
    outcome = upload(world, data)
    assert outcome.ok, outcome.problems
    assert outcome.changed == 1
    commitment, returned = world["own"].transactions.order_by("date")
    assert commitment.value_eur == rates.to_eur(Decimal(500000), "USD", datetime.date(2022, 3, 15)).value_eur
    assert returned.value_eur == rates.to_eur(Decimal(-2500), "GBP", datetime.date(2022, 5, 20)).value_eur
    assert commitment.history.first().history_change_reason == "Excel workbook upload"
    world["own"].refresh_from_db()
    assert world["own"].version == 2, "the action and its rows are one new version"
    shown = rows_of(workbook.build_workbook(user=world["donor"], cycle=world["cycle"]), "Transactions")
    assert [(row["Value (EUR)"], row["Rate month"]) for row in shown] == [
        (float(commitment.value_eur), "2022-03"),
        (float(returned.value_eur), "2022-05"),
    ]


def test_a_budget_left_off_the_sheet_is_deleted_and_a_file_without_the_sheet_keeps_them(world):
    data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    book = load_workbook(io.BytesIO(data))
    del book["Budgets"]
    outcome = upload(world, wb.to_bytes(book))
    assert (outcome.ok, outcome.changed) == (True, 0)
    assert world["own"].budgets.count() == 1

    book = load_workbook(io.BytesIO(data))
    book["Budgets"].delete_rows(2)
    outcome = upload(world, wb.to_bytes(book))
    assert (outcome.ok, outcome.changed) == (True, 1)
    assert not world["own"].budgets.exists()


def test_rows_of_money_that_do_not_hold_together_are_reported_on_their_cells(world):
    data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    data = edit(
        data,
        "Budgets",
        append=[{"Action": world["own"].pk, "Period start": "2022-12-31", "Period end": "2022-01-01", "Value": 5},
                {"Action": "Nobody's action", "Period start": "2022-01-01", "Period end": "2022-12-31", "Value": 5},
                {"Action": world["own"].pk, "Budget id": 999999, "Period start": "2022-01-01",
                 "Period end": "2022-12-31", "Value": 5}],
    )  # fmt: skip
    before = state()
    outcome = upload(world, data)
    reasons = {(p.sheet, p.row, p.column): p.reason for p in outcome.problems}
    assert ("Budgets", 4, "Action") in reasons
    assert ("Budgets", 5, "Budget id") in reasons
    assert any(sheet == "Budgets" and row == 3 for sheet, row, _column in reasons), reasons
    assert state() == before


def test_an_action_changed_since_the_download_is_refused_naming_who_changed_what(world):
    from iisg.actions import services

    data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    services.update_action(
        user=world["secretariat"], action=world["own"], version=1, changes={"title": "Border scanners (EU)"}
    )
    outcome = upload(world, edit(data, changes={(2, "Status"): "Finalisation"}))
    [problem] = outcome.problems
    assert (problem.sheet, problem.row, problem.column) == ("Actions", 2, "Version")
    assert "after this workbook was downloaded (title)" in problem.reason
    world["own"].refresh_from_db()
    assert (world["own"].title, world["own"].status) == ("Border scanners (EU)", ActivityStatus.IMPLEMENTATION)
