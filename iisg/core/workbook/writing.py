"""Writing a workbook to download: each entity sheet laid out from its `Sheet` (headers with notes,
a frozen header row, widths, date formats, drop-downs fed by the "Code lists" sheet), the code lists
and the reference sheets people read. Every cell goes through iisg.core.spreadsheet.write_cell, so
a title starting with "=" is written as text and reads back as the same text."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..spreadsheet import write_cell
from .sheets import DATE, DECIMAL, MONEY

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CODE_LISTS_SHEET = "Code lists"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
READ_ONLY_FILL = PatternFill("solid", fgColor="EEEEEE")
NOTE_AUTHOR = "IISG Platform"


def new_workbook():
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def add_code_lists(workbook, lists):
    """Write the code lists on their sheet, one a column; answer each list's range for drop-downs."""
    worksheet = workbook.create_sheet(CODE_LISTS_SHEET)
    ranges = {}
    for index, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        header = write_cell(worksheet, 1, index, name)
        header.font = Font(bold=True)
        header.fill = HEADER_FILL
        for row, value in enumerate(values, start=2):
            write_cell(worksheet, row, index, value)
        worksheet.column_dimensions[letter].width = max([len(name), *(len(str(v)) for v in values)], default=10) + 2
        if values:
            ranges[name] = f"{quote_sheetname(CODE_LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    worksheet.freeze_panes = "A2"
    worksheet.protection.sheet = True  # a reference: read, not edited
    return ranges


def write_reference_sheet(workbook, name, headers, rows):
    """A sheet people read (the thematic areas): headers, rows, protected against edits."""
    worksheet = workbook.create_sheet(name)
    for position, header in enumerate(headers, start=1):
        cell = write_cell(worksheet, 1, position, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for number, row in enumerate(rows, start=2):
        for position, value in enumerate(row, start=1):
            write_cell(worksheet, number, position, value)
    for index, header in enumerate(headers, start=1):
        longest = max([len(header), *(len(str(row[index - 1] or "")) for row in rows)], default=10)
        worksheet.column_dimensions[get_column_letter(index)].width = min(longest + 2, 60)
    worksheet.freeze_panes = "A2"
    worksheet.protection.sheet = True
    return worksheet


def write_sheet(workbook, sheet, rows, ranges, index=None):
    """Lay out an entity sheet: headers with notes, frozen header row, widths, formats, drop-downs, rows."""
    worksheet = workbook.create_sheet(sheet.name, index)
    for position, column in enumerate(sheet.columns, start=1):
        cell = write_cell(worksheet, 1, position, column.header)
        cell.font = Font(bold=True)
        cell.fill = READ_ONLY_FILL if column.read_only or column.locked else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        note = column.note + ("\n" + _("Required.") if column.required else "")
        if column.read_only:
            note += "\n" + _("Read-only: changes here are ignored.")
        if column.locked:
            note += "\n" + _("Keep it as downloaded: the platform reads it back.")
        cell.comment = Comment(note, NOTE_AUTHOR, width=320, height=140)
        worksheet.column_dimensions[get_column_letter(position)].width = column.width
    for number, values in enumerate(rows, start=2):
        for position, column in enumerate(sheet.columns, start=1):
            write_cell(worksheet, number, position, values.get(column.key))
    last = max(len(rows) + 1, 2)
    for position, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(position)
        area = f"{letter}2:{letter}{max(last, 1) + 1000}"
        if column.kind == DATE:
            for (cell,) in worksheet.iter_rows(min_row=2, max_row=last, min_col=position, max_col=position):
                cell.number_format = DATE_FORMAT
            validation = DataValidation(
                type="date",
                operator="greaterThan",
                formula1="1",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("Date"),
                error=_("Enter a date, e.g. 2021-03-01."),
            )
        elif column.kind == DECIMAL:
            validation = DataValidation(
                type="decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                showErrorMessage=True,
                error=_("Enter an amount, e.g. 250000.00."),
            )
        elif column.kind == MONEY:
            validation = DataValidation(
                type="decimal",
                operator="between",
                formula1="-1E+16",
                formula2="1E+16",
                allow_blank=True,
                showErrorMessage=True,
                error=_("Enter an amount, e.g. 250000.00 (negative for returned funds)."),
            )
        elif column.choices and column.choices in ranges:
            validation = DataValidation(
                type="list",
                formula1=ranges[column.choices],
                allow_blank=True,
                # A list of several values ("AL, RS") is not one of the list: offer, do not refuse.
                showErrorMessage=not column.many,
                errorTitle=column.header,
                error=_("Choose a value from the list."),
            )
        else:
            continue
        validation.add(area)
        worksheet.add_data_validation(validation)
    worksheet.freeze_panes = "A2"
    worksheet.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{last}"
    return worksheet


def to_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
