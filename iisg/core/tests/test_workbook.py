"""The checks every uploaded workbook goes through, and the annotated copy of a refused one."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from iisg.core import workbook as wb

SHEET = wb.Sheet(
    "Things",
    (
        wb.Column("name", "Name", "A name.", required=True, max_length=10),
        wb.Column("start", "Start", "A date.", kind=wb.DATE),
        wb.Column("amount", "Amount", "An amount.", kind=wb.DECIMAL),
        wb.Column("state", "State", "Read-only.", read_only=True),
    ),
)


def xlsx(rows, title="Things", build=None):
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = title
    for row in rows:
        worksheet.append(row)
    if build:
        build(workbook)
    return wb.to_bytes(workbook)


def rejected(data):
    with pytest.raises(wb.WorkbookRejected) as caught:
        wb.read_workbook(data, [SHEET])
    return caught.value.message


def reasons(data):
    return [problem.reason for problem in wb.read_workbook(data, [SHEET]).problems]


def test_random_bytes_are_not_a_workbook():
    assert "not an Excel workbook" in rejected(bytes(range(256)) * 4)


def test_a_pdf_is_named_as_a_pdf():
    assert (
        rejected(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
        == "The file is a PDF document, not an Excel workbook (.xlsx)."
    )


def test_a_renamed_csv_is_named_as_a_csv():
    message = rejected(b"Reference,Partner,Pillar\nRS-1,Serbia,WBBSi\n")
    assert "CSV text file" in message
    assert "save it as an Excel Workbook (.xlsx)" in message


def test_a_password_protected_workbook_is_refused_with_what_to_do():
    # Excel writes an encrypted workbook as an OLE2 compound document.
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert "password-protected or an old .xls" in rejected(ole2)
    assert "save it as an unprotected .xlsx" in rejected(ole2)


def test_a_file_over_the_limit_is_refused_by_its_size_before_it_is_read():
    with pytest.raises(wb.WorkbookRejected, match=r"a workbook may be at most 10\.0"):
        wb.check_size(50 * wb.MB)
    assert "at most 10.0" in rejected(b"PK\x03\x04" + bytes(wb.MAX_FILE_SIZE))


def test_a_zip_bomb_is_refused_before_its_xml_is_parsed(settings):
    settings.WORKBOOK_MAX_UNPACKED_SIZE = 1 * wb.MB
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * wb.MB))
    assert rejected(buffer.getvalue()) == (
        "The file unpacks to 2.0\xa0MB; a workbook may unpack to at most 1.0\xa0MB. Split it into several workbooks."
    )


def test_a_word_document_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        )
    assert rejected(buffer.getvalue()) == "The file is a DOCX document, not an Excel workbook (.xlsx)."


def test_formulas_in_data_cells_are_refused_with_the_cell():
    data = xlsx([["Name", "Start", "Amount"], ["a", None, 1], ["b", None, "=B2*2"]])
    assert "cell C3 holds a formula; paste values" in reasons(data)


def test_merged_cells_are_refused():
    data = xlsx([["Name", "Start", "Amount"], ["a", None, 1]], build=lambda w: w.active.merge_cells("A2:B2"))
    assert "cells A2:B2 are merged: unmerge them, one value a cell" in reasons(data)


@pytest.mark.parametrize("text", ["2021-13-45", "01/02/2021", "March 2021"])
def test_dates_as_text_name_the_expected_format(text):
    data = xlsx([["Name", "Start", "Amount"], ["a", text, 1]])
    problems = wb.read_workbook(data, [SHEET]).problems
    assert [(p.coordinate, p.value) for p in problems] == [("B2", text)]
    assert "YYYY-MM-DD" in problems[0].reason


def test_real_dates_and_iso_text_are_read_as_dates():
    import datetime

    data = xlsx([["Name", "Start", "Amount"], ["a", datetime.date(2021, 3, 1)], ["b", "2021-03-01"]])
    reading = wb.read_workbook(data, [SHEET])
    assert not reading.problems
    assert [row.values["start"] for row in reading.rows["Things"]] == [datetime.date(2021, 3, 1)] * 2


def test_missing_and_renamed_columns_are_named():
    data = xlsx([["Name", "Begin"], ["a", "2021-03-01"]])
    found = reasons(data)
    assert "unknown column “Begin”" in found
    assert any("the column “Start” is missing" in reason for reason in found)
    assert any("the column “Amount” is missing" in reason for reason in found)


def test_a_misspelt_header_gets_a_suggestion():
    data = xlsx([["Name", "Strat", "Amount"]])
    assert "unknown column “Strat”; did you mean “Start”?" in reasons(data)


def test_an_empty_sheet_is_reported():
    assert "the sheet is empty: its first row must hold the column headers" in reasons(xlsx([]))


def test_a_wrong_sheet_name_is_reported_with_the_sheet_to_rename():
    found = reasons(xlsx([["Name"]], title="Thing"))
    assert found == ["the sheet “Things” is missing (found: Thing); rename “Thing” back to “Things”"]


def test_rows_beyond_the_limit_refuse_the_whole_file(settings):
    settings.WORKBOOK_MAX_ROWS = 3
    assert len(wb.read_workbook(xlsx([["Name"], *[[f"n{i}"] for i in range(3)]]), [SHEET]).rows["Things"]) == 3
    data = xlsx([["Name"], *[[f"n{i}"] for i in range(5)]])
    assert rejected(data) == (
        "The sheet “Things” has more than 3 rows; a workbook may have at most 3 rows a sheet. "
        "Split it into several workbooks."
    )


def test_every_problem_is_reported_at_once():
    data = xlsx([["Name", "Start", "Amount"], [None, "x", "y"], ["far too long a name", None, -1]])
    problems = wb.read_workbook(data, [SHEET]).problems
    assert {p.coordinate for p in problems} == {"A2", "B2", "C2", "A3", "C3"}


def test_unknown_value_suggests_the_closest_name():
    lookup = wb.Lookup("partner", [("RS", "Serbia", ["RS"]), ("AL", "Albania", ["AL"])])
    with pytest.raises(ValueError, match="unknown partner “Sebria”; did you mean Serbia\\?"):
        lookup.find("Sebria")
    assert lookup.find("rs") == "RS"


def test_the_annotated_copy_marks_the_cells_and_lists_the_errors_first():
    data = xlsx([["Name", "Start", "Amount"], ["a", "01/02/2021", 1]])
    problems = wb.read_workbook(data, [SHEET]).problems
    annotated = load_workbook(io.BytesIO(wb.annotate(data, problems)))
    assert annotated.sheetnames[0] == wb.ERRORS_SHEET
    cell = annotated["Things"]["B2"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "YYYY-MM-DD" in cell.comment.text
    errors = list(annotated[wb.ERRORS_SHEET].values)
    assert errors[0] == ("Sheet", "Row", "Column", "Cell", "Value", "Reason")
    assert errors[1][:5] == ("Things", 2, "Start", "B2", "01/02/2021")


def test_a_re_uploaded_annotated_copy_is_read_and_annotated_again():
    data = xlsx([["Name", "Start", "Amount"], ["a", "01/02/2021", 1]])
    annotated = wb.annotate(data, wb.read_workbook(data, [SHEET]).problems)
    problems = wb.read_workbook(annotated, [SHEET]).problems
    assert len(problems) == 1
    again = load_workbook(io.BytesIO(wb.annotate(annotated, problems)))
    assert again.sheetnames.count(wb.ERRORS_SHEET) == 1


def test_text_read_from_a_cell_goes_through_the_one_cleaning_step():
    from iisg.core.workbook.reading import CONVERTERS

    column = wb.Column("title", "Title", "")
    assert CONVERTERS[wb.TEXT]("  Cafe\u0301  ", column) == "Café"
    with pytest.raises(ValueError, match="U\\+001B"):
        CONVERTERS[wb.TEXT]("Border\x1bpolice", column)


def test_a_locked_column_is_read_back_as_a_whole_number():
    from iisg.core.workbook.reading import CONVERTERS

    column = wb.Column("version", "Version", "", kind=wb.WHOLE, locked=True)
    assert CONVERTERS[wb.WHOLE](3.0, column) == 3
    with pytest.raises(ValueError, match="whole number"):
        CONVERTERS[wb.WHOLE]("three", column)
