import datetime
import io
import time
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from iisg.analysis.charts import funding_chart
from iisg.analysis.selectors import YearFunding
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
        totals=["Total", 19, Decimal("0.4737")],
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
            Section("By pillar", 2, [Chart("Covered share by pillar", pillar_chart(), pillars, series=("share",))]),
            Section("Method", 3, [Paragraph("How we count."), again, awkward]),
        ],
        footnote=KOSOVO_FOOTNOTE,
    )


def pillar_chart():
    """A real chart's SVG (the XLSX draws its own chart; the DOCX draws this one)."""
    return funding_chart(
        [YearFunding(2021, Decimal("25"), Decimal("10")), YearFunding(2022, Decimal("86"), Decimal("40"))],
        title="Covered share by pillar",
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


CHART_COLUMNS = [
    Column("partner", "Partner"),
    Column("wbbsi", "WBBSi", COUNT),
    Column("wbcti", "WBCTi", COUNT),
    Column("committed", "Committed (EUR)", MONEY),
]


def chart_table(name):
    return Table(
        name=name,
        title=f"Table {name}",
        columns=CHART_COLUMNS,
        rows=[["Albania", 3, 1, Decimal(100)], ["Kosovo*", 0, 2, Decimal(50)], ["Serbia", 5, 4, Decimal(75)]],
        totals=["Total", 8, 7, Decimal(225)],
    )


def chart_document(*charts):
    return Document(
        kind="analysis",
        name="charts",
        title="Charts",
        subtitle="",
        generated_at=datetime.datetime(2024, 5, 6, 7, 8, tzinfo=datetime.UTC),
        sections=[Section("Charts", 1, list(charts))],
    )


def every_kind_of_chart():
    return chart_document(
        Chart("Needs by pillar", "<svg/>", chart_table("bar"), kind="bar", series=("wbbsi", "wbcti")),
        Chart(
            "Money by partner", "<svg/>", chart_table("barh"), kind="barh", category="partner", series=("committed",)
        ),
        Chart("Everything stacked", "<svg/>", chart_table("stacked"), kind="stacked"),
        Chart("Money over partners", "<svg/>", chart_table("line"), kind="line", series=("committed",)),
        Chart("Shares of the money", "<svg/>", chart_table("pie"), kind="pie", series=("committed",)),
        Chart(
            "Needs by partner and pillar", "<svg/>", chart_table("heatmap"), kind="heatmap", series=("wbbsi", "wbcti")
        ),
    )


def chart_title(chart):
    return "".join(run.t for paragraph in chart.title.tx.rich.p for run in paragraph.r or [])


def drawn(series):
    """What a series draws: its name's cell, its values' cells, its categories' cells."""
    categories = series.cat.strRef or series.cat.numRef
    return series.tx.strRef.f, series.val.numRef.f, categories.f


def test_each_chart_is_a_native_chart_of_its_kind_beside_its_table_without_the_totals_row():
    workbook = load_workbook(io.BytesIO(render_xlsx(every_kind_of_chart())))
    shapes = {}
    for name in ("bar", "barh", "stacked", "line", "pie"):
        charts = workbook[name]._charts
        assert len(charts) == 1
        chart = charts[0]
        shapes[name] = (chart.tagname, getattr(chart, "type", None), getattr(chart, "grouping", None))
        assert chart.anchor._from.col == len(CHART_COLUMNS) + 1  # column F: one empty column after the table
        assert workbook[name].cell(5, 1).value == "Total"  # written, and below every series' cells
    assert shapes == {
        "bar": ("barChart", "col", "clustered"),
        "barh": ("barChart", "bar", "clustered"),
        "stacked": ("barChart", "col", "stacked"),
        "line": ("lineChart", None, "standard"),
        "pie": ("pieChart", None, None),
    }
    bar = workbook["bar"]._charts[0]
    assert chart_title(bar) == "Needs by pillar"
    assert [drawn(series) for series in bar.series] == [
        ("'bar'!B1", "'bar'!$B$2:$B$4", "'bar'!$A$2:$A$4"),
        ("'bar'!C1", "'bar'!$C$2:$C$4", "'bar'!$A$2:$A$4"),
    ]
    assert [drawn(series) for series in workbook["barh"]._charts[0].series] == [
        ("'barh'!D1", "'barh'!$D$2:$D$4", "'barh'!$A$2:$A$4")
    ]
    # Without series named, every numeric column is drawn.
    assert [drawn(series)[1] for series in workbook["stacked"]._charts[0].series] == [
        "'stacked'!$B$2:$B$4",
        "'stacked'!$C$2:$C$4",
        "'stacked'!$D$2:$D$4",
    ]
    assert len(workbook["pie"]._charts[0].series) == 1
    assert workbook["heatmap"]._charts == []


def test_a_heatmap_colours_its_cells_on_one_scale_and_leaves_the_totals_row_alone():
    workbook = load_workbook(io.BytesIO(render_xlsx(every_kind_of_chart())))
    formats = list(workbook["heatmap"].conditional_formatting)
    assert len(formats) == 1
    assert str(formats[0].sqref) == "B2:B4 C2:C4"
    (rule,) = formats[0].rules
    assert rule.type == "colorScale"
    assert [value.type for value in rule.colorScale.cfvo] == ["min", "max"]
    assert [colour.rgb for colour in rule.colorScale.color] == ["00FFFFFF", "008FA8E0"]


def test_a_chart_of_an_empty_table_draws_nothing():
    empty = Table(name="empty", title="Empty", columns=CHART_COLUMNS, rows=[])
    workbook = load_workbook(io.BytesIO(render_xlsx(chart_document(Chart("Nothing", "<svg/>", empty)))))
    assert workbook["empty"]._charts == []


@pytest.mark.parametrize(
    ("chart", "message"),
    [
        (Chart("Odd", "<svg/>", chart_table("t"), kind="radar"), "unknown kind 'radar'"),
        (Chart("Odd", "<svg/>", chart_table("t"), series=("missing",)), "draws the column 'missing'"),
        (Chart("Odd", "<svg/>", chart_table("t"), category="missing"), "draws the column 'missing'"),
        (Chart("Odd", "<svg/>", chart_table("t"), kind="pie"), "draws one column, not 3"),
        (
            Chart("Odd", "<svg/>", Table(name="t", title="T", columns=[Column("a", "A")], rows=[["x"]])),
            "has no numeric column",
        ),
    ],
)
def test_a_chart_that_cannot_be_drawn_is_refused_with_a_clear_error(chart, message):
    with pytest.raises(ValueError, match=message):
        render_xlsx(chart_document(chart))
