"""A report as an XLSX workbook: a Report sheet (title, scope, date, what each sheet holds, the
footnote), then one sheet per table, written as the single-table downloads are
(iisg.analysis.tables.write_table), with the table's notes and the footnote below it. Every cell
goes through iisg.core.spreadsheet.write_cell: text is text, never a formula.

A chart's table carries a native Excel chart beside it, drawn from the table's cells (so it follows
them when a reader corrects a figure), or, for a heatmap, a colour scale on the cells themselves.
The same Document gives the same bytes (iisg.reports.reproducible)."""

import datetime
import io
import re
import zipfile

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter

from iisg.analysis.tables import COUNT, MONEY, NUMBER_FORMATS, SHARE, write_table
from iisg.core.spreadsheet import write_cell
from iisg.core.text import printable

from .document import Chart
from .reproducible import with_fixed_dates

# Excel refuses these characters in a sheet name, names longer than 31 characters, and
# "History", which it keeps for itself; names are unique regardless of case.
INVALID_IN_SHEET_NAME = re.compile(r"[\\/?*\[\]:]")
SHEET_NAME_LENGTH = 31
RESERVED_SHEET_NAMES = {"history"}
# How a Chart's kind is drawn: chart class and its settings.
CHART_KINDS = {
    "bar": (BarChart, {"type": "col", "grouping": "clustered"}),
    "barh": (BarChart, {"type": "bar", "grouping": "clustered"}),
    "stacked": (BarChart, {"type": "col", "grouping": "stacked", "overlap": 100}),
    "line": (LineChart, {}),
    "pie": (PieChart, {}),
}
HEATMAP = "heatmap"
# The heatmap's scale: white for the lowest value, a light EU blue for the highest (black text stays
# readable on both).
HEATMAP_COLOURS = ("FFFFFF", "8FA8E0")
# A chart's size in centimetres (openpyxl's default is 15 × 7.5).
CHART_WIDTH, CHART_HEIGHT = 18, 9


def sheet_name(name, taken):
    """A valid sheet name derived from `name`, not in `taken` (lower-cased names), which it joins."""
    base = INVALID_IN_SHEET_NAME.sub("-", str(name)).strip().strip("'")[:SHEET_NAME_LENGTH] or _("Table")
    candidate, number = base, 1
    while candidate.lower() in taken or candidate.lower() in RESERVED_SHEET_NAMES:
        number += 1
        suffix = f"-{number}"
        candidate = f"{base[: SHEET_NAME_LENGTH - len(suffix)]}{suffix}"
    taken.add(candidate.lower())
    return candidate


def _local(moment):
    # Excel has no time zones: the date is written as the reader's clock showed it.
    return timezone.localtime(moment).replace(tzinfo=None) if timezone.is_aware(moment) else moment


def render_xlsx(document):
    """The report as XLSX bytes. Every figure is a typed cell; no cell is a formula."""
    workbook = Workbook()
    report = workbook.active
    report.title = _("Report")
    taken = {report.title.lower()}
    sheets = []
    charts = {
        id(block.table): block for section in document.sections for block in section.blocks if isinstance(block, Chart)
    }
    for section, table in document.tables():
        sheet = workbook.create_sheet(sheet_name(table.name, taken))
        last_row = write_table(sheet, table)
        if id(table) in charts:
            _draw(sheet, charts[id(table)])
        _write_notes(sheet, last_row + 2, [*table.notes, *_footnote_unless_in(document.footnote, table.notes)])
        sheets.append((sheet.title, table, section))
    _write_report_sheet(report, document, sheets)
    # The report's date, not the clock's: openpyxl's save() would stamp the time of writing.
    workbook.properties.created = workbook.properties.modified = _utc(document.generated_at)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return with_fixed_dates(out.getvalue(), document.generated_at)


def _utc(moment):
    return moment.astimezone(datetime.UTC).replace(tzinfo=None) if timezone.is_aware(moment) else moment


def _column_number(table, key, chart):
    for number, column in enumerate(table.columns, start=1):
        if column.key == key:
            return number
    raise ValueError(f"The chart {chart.title!r} draws the column {key!r}, which its table {table.name!r} lacks.")


def _draw(sheet, chart):
    """The chart of `chart.table`, written on `sheet` by write_table: a native chart anchored to
    the right of the table, or a colour scale over the cells of a heatmap. The totals row is no
    category: it is left out."""
    table = chart.table
    if chart.kind != HEATMAP and chart.kind not in CHART_KINDS:
        raise ValueError(f"The chart {chart.title!r} is of an unknown kind {chart.kind!r}.")
    if not table.rows:
        return
    category = _column_number(table, chart.category, chart) if chart.category else 1
    if chart.series:
        series = [_column_number(table, key, chart) for key in chart.series]
    else:
        numbers = enumerate(table.columns, start=1)
        series = [number for number, column in numbers if column.numeric and number != category]
    if not series:
        raise ValueError(f"The chart {chart.title!r} has no numeric column to draw in its table {table.name!r}.")
    last_row = len(table.rows) + 1
    if chart.kind == HEATMAP:
        # One rule over every column drawn: one scale for the whole grid.
        cells = " ".join(f"{get_column_letter(number)}2:{get_column_letter(number)}{last_row}" for number in series)
        low, high = HEATMAP_COLOURS
        sheet.conditional_formatting.add(
            cells, ColorScaleRule(start_type="min", start_color=low, end_type="max", end_color=high)
        )
        return
    if chart.kind == "pie" and len(series) != 1:
        raise ValueError(f"The pie chart {chart.title!r} draws one column, not {len(series)}.")
    kind, settings = CHART_KINDS[chart.kind]
    drawn = kind()
    for name, value in settings.items():
        setattr(drawn, name, value)
    drawn.title = printable(chart.title)
    drawn.width, drawn.height = CHART_WIDTH, CHART_HEIGHT
    for number in series:
        drawn.add_data(Reference(sheet, min_col=number, min_row=1, max_row=last_row), titles_from_data=True)
    drawn.set_categories(Reference(sheet, min_col=category, min_row=2, max_row=last_row))
    if chart.kind != "pie":
        # openpyxl marks the axes deleted unless told otherwise: Excel would draw none.
        drawn.x_axis.delete = drawn.y_axis.delete = False
        kinds = {table.columns[number - 1].kind for number in series}
        if len(kinds) == 1 and kinds <= {COUNT, MONEY, SHARE}:
            drawn.y_axis.number_format = "0%" if kinds == {SHARE} else NUMBER_FORMATS[COUNT]
    sheet.add_chart(drawn, f"{get_column_letter(len(table.columns) + 2)}2")


def _footnote_unless_in(footnote, notes):
    return [footnote] if footnote and not any(str(footnote) in str(note) for note in notes) else []


def _write_notes(sheet, row, lines):
    for offset, line in enumerate(lines):
        write_cell(sheet, row + offset, 1, line)


def _write_report_sheet(sheet, document, sheets):
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 70
    sheet.column_dimensions["C"].width = 40
    sheet.column_dimensions["D"].width = 10
    write_cell(sheet, 1, 1, document.title).font = Font(bold=True, size=14)
    if document.subtitle:
        write_cell(sheet, 2, 1, document.subtitle).font = Font(size=12)
    row = 4
    for line in document.scope:
        write_cell(sheet, row, 1, line)
        row += 1
    write_cell(sheet, row, 1, _("Generated"))
    generated = write_cell(sheet, row, 2, _local(document.generated_at))
    generated.number_format = "yyyy-mm-dd hh:mm"
    generated.alignment = Alignment(horizontal="left")
    row += 2
    for column, label in enumerate((_("Sheet"), _("Contents"), _("Section"), _("Rows")), start=1):
        write_cell(sheet, row, column, label).font = Font(bold=True)
    for title, table, section in sheets:
        row += 1
        link = write_cell(sheet, row, 1, title)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{title}'!A1")
        link.font = Font(color="0563C1", underline="single")
        write_cell(sheet, row, 2, table.title)
        write_cell(sheet, row, 3, section.title)
        write_cell(sheet, row, 4, len(table.rows)).number_format = "#,##0"
    if document.footnote:
        write_cell(sheet, row + 2, 1, document.footnote)
