import datetime
import io
import time
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from iisg.analysis.tables import COUNT, DATE, MONEY, SHARE, Column, Link, Table
from iisg.core.tests import factories as f
from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.reports.document import Chart, Document, Paragraph, Section
from iisg.reports.xlsx import render_xlsx, sheet_name

pytestmark = pytest.mark.django_db

PARTNER_COLUMNS = [
    Column("reference", "Reference"),
    Column("partner", "Partner"),
    Column("title", "Need"),
    Column("responses", "Active responses", COUNT),
    Column("committed", "Committed (EUR)", MONEY),
    Column("covered_share", "Covered share", SHARE),
    Column("start", "Start", DATE),
]


def sample_document():
    """A small report with every kind of cell, a chart and the Kosovo* footnote."""
    kosovo, albania = f.PartnerFactory(code="XK"), f.PartnerFactory(code="AL")
    needs = Table(
        name="coverage",
        title="Coverage of each need",
        columns=PARTNER_COLUMNS,
        rows=[
            [
                Link("N1", "/admin/needs/need/1/"),
                kosovo,
                "Border crossing equipment",
                2,
                Decimal("1234567.891"),
                Decimal("0.5"),
                datetime.date(2022, 3, 1),
            ],
            [
                Link("N2", "/admin/needs/need/2/"),
                albania,
                '=HYPERLINK("http://evil.example","click")',
                0,
                Decimal("0"),
                Decimal("0"),
                None,
            ],
            [Link("N3", "/admin/needs/need/3/"), albania, "Training", 1, Decimal("950000"), Decimal("1"), None],
        ],
    )
    pillars = Table(
        name="pillars",
        title="Coverage by pillar",
        columns=[Column("pillar", "Pillar"), Column("needs", "Needs", COUNT), Column("share", "Covered share", SHARE)],
        rows=[["WBBSi", 12, Decimal("0.25")], ["WBCTi", 7, Decimal("0.8571")]],
    )
    # Same name as the first table, and a name Excel would refuse as it stands.
    again = Table(name="coverage", title="Coverage again", columns=[Column("pillar", "Pillar")], rows=[["WBCTi"]])
    awkward = Table(
        name="gaps: adopted/without [any] response in the whole cycle",
        title="Gaps",
        columns=[Column("reference", "Reference")],
        rows=[],
        notes=["Nothing to show."],
    )
    return Document(
        kind="needs-mapping",
        name="iisg-needs-mapping-2021-2022",
        title="Needs mapping 2021–2022",
        subtitle="Report to the Board",
        generated_at=datetime.datetime(2024, 5, 6, 7, 8, tzinfo=datetime.UTC),
        scope=["Cycle: 2021–2022", "Year: 2022"],
        sections=[
            Section("Needs and their coverage", 1, [Paragraph("What the partners asked for."), needs]),
            Section("By pillar", 2, [Chart("Covered share by pillar", "<svg></svg>", pillars)]),
            Section("Method", 3, [Paragraph("How we count."), again, awkward]),
        ],
        footnote=KOSOVO_FOOTNOTE,
    )


def rendered():
    document = sample_document()
    return document, load_workbook(io.BytesIO(render_xlsx(document)))


def test_report_sheet_comes_first_then_one_sheet_per_table_with_valid_unique_names():
    _document, workbook = rendered()
    assert workbook.sheetnames == ["Report", "coverage", "pillars", "coverage-2", "gaps- adopted-without -any- res"]
    assert all(len(name) <= 31 for name in workbook.sheetnames)


def test_sheet_names_stay_unique_when_truncated_names_collide():
    taken = {"report"}
    names = [sheet_name("x" * 40, taken) for _ in range(3)]
    assert names == ["x" * 31, "x" * 29 + "-2", "x" * 29 + "-3"]
    assert sheet_name("History", taken) == "History-2"
    assert sheet_name("REPORT", taken) == "REPORT-2"


def test_table_sheet_has_typed_cells_a_frozen_bold_header_and_filters():
    document, workbook = rendered()
    sheet = workbook["coverage"]
    table = next(table for _section, table in document.tables())
    assert [cell.value for cell in sheet[1]] == [str(column.label) for column in table.columns]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G4"
    data = list(sheet.iter_rows(min_row=2, max_row=1 + len(table.rows), values_only=True))
    assert len(data) == len(table.rows) == 3
    assert sheet.cell(len(table.rows) + 2, 1).value is None  # the table ends where the filter does
    assert [row[0] for row in data] == ["N1", "N2", "N3"]
    assert data[0][1] == "Kosovo*"
    responses, committed, share, start = (sheet.cell(2, column) for column in (4, 5, 6, 7))
    assert (responses.value, responses.number_format) == (2, "#,##0")
    assert (committed.value, committed.number_format) == (1234567.89, "#,##0.00")
    assert (share.value, share.number_format) == (0.5, "0.0%")
    assert start.value == datetime.datetime(2022, 3, 1)
    assert start.number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["E"].width >= len("1,234,567.89")


def test_text_that_looks_like_a_formula_is_a_string_cell():
    _document, workbook = rendered()
    cell = workbook["coverage"].cell(3, 3)
    assert cell.value == '=HYPERLINK("http://evil.example","click")'
    assert cell.data_type == "s"


def test_notes_and_the_footnote_follow_each_table_and_close_the_report_sheet():
    _document, workbook = rendered()
    coverage = [row[0] for row in workbook["coverage"].iter_rows(min_row=5, values_only=True) if row[0]]
    assert coverage == [str(KOSOVO_FOOTNOTE)]  # the table's own note carries it: not twice
    gaps = [row[0] for row in workbook.worksheets[4].iter_rows(min_row=2, values_only=True) if row[0]]
    assert gaps == ["Nothing to show.", str(KOSOVO_FOOTNOTE)]
    report = [row[0] for row in workbook["Report"].iter_rows(values_only=True)]
    assert report[-1] == str(KOSOVO_FOOTNOTE)


def test_report_sheet_says_what_the_report_covers_and_what_each_sheet_holds():
    _document, workbook = rendered()
    sheet = workbook["Report"]
    rows = list(sheet.iter_rows(values_only=True))
    firsts = [row[0] for row in rows]
    assert firsts[:2] == ["Needs mapping 2021–2022", "Report to the Board"]
    assert "Cycle: 2021–2022" in firsts
    assert "Year: 2022" in firsts
    generated = next(row for row in rows if row[0] == "Generated")
    assert generated[1].date() == datetime.date(2024, 5, 6)
    listing = rows[firsts.index("Sheet") + 1 : firsts.index("Sheet") + 5]
    assert listing == [
        ("coverage", "Coverage of each need", "Needs and their coverage", 3),
        ("pillars", "Coverage by pillar", "By pillar", 2),
        ("coverage-2", "Coverage again", "Method", 1),
        ("gaps- adopted-without -any- res", "Gaps", "Method", 0),
    ]
    link = sheet.cell(firsts.index("Sheet") + 2, 1).hyperlink
    assert link.location == "'coverage'!A1"


def test_rendering_a_report_of_thousands_of_rows_takes_well_under_a_few_seconds():
    document = sample_document()
    table = next(table for _section, table in document.tables())
    table.rows = table.rows * 1000
    started = time.perf_counter()
    workbook = load_workbook(io.BytesIO(render_xlsx(document)), read_only=True)
    assert time.perf_counter() - started < 5
    assert workbook["coverage"].max_row >= 3001
