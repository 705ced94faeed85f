"""A report as an XLSX workbook: a Report sheet (title, scope, date, what each sheet holds, the
footnote), then one sheet per table, written as the single-table downloads are
(iisg.analysis.tables.write_table), with the table's notes and the footnote below it. Every cell
goes through iisg.core.spreadsheet.write_cell: text is text, never a formula."""

import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.hyperlink import Hyperlink

from iisg.analysis.tables import write_table
from iisg.core.spreadsheet import write_cell

# Excel refuses these characters in a sheet name, names longer than 31 characters, and
# "History", which it keeps for itself; names are unique regardless of case.
INVALID_IN_SHEET_NAME = re.compile(r"[\\/?*\[\]:]")
SHEET_NAME_LENGTH = 31
RESERVED_SHEET_NAMES = {"history"}


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
    for section, table in document.tables():
        sheet = workbook.create_sheet(sheet_name(table.name, taken))
        last_row = write_table(sheet, table)
        _write_notes(sheet, last_row + 2, [*table.notes, *_footnote_unless_in(document.footnote, table.notes)])
        sheets.append((sheet.title, table, section))
    _write_report_sheet(report, document, sheets)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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
