"""What a workbook sheet is (its columns, how each is read and written) and how a problem with an
uploaded one is told: where (sheet, row, column, cell) and why."""

import datetime
from dataclasses import dataclass, field

ERRORS_SHEET = "Errors"

# A column holds text, a date, a positive amount (DECIMAL), an amount of either sign (MONEY: a
# transaction may return funds) or a whole number of 1 or more (WHOLE: ids and versions).
TEXT, DATE, DECIMAL, MONEY, WHOLE = "text", "date", "decimal", "money", "whole"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded workbook: where (sheet, row, column) and why."""

    sheet: str
    row: int | None
    column: str  # the header of the column, "" for a problem of the whole row or sheet
    value: str
    reason: str
    coordinate: str = ""  # the cell, e.g. "D7"


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its key in the rows, the header and note people see, how it is read."""

    key: str
    header: str
    note: str
    width: int = 18
    kind: str = TEXT
    required: bool = False
    max_length: int | None = None
    choices: str | None = None  # the name of the code list offered as a drop-down
    many: bool = False  # comma-separated values from the code list
    read_only: bool = False  # shown, never read back
    locked: bool = False  # written by the platform and read back: people keep it as it is (a version)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple

    def column(self, key):
        return next(column for column in self.columns if column.key == key)


@dataclass
class Outcome:
    """The result of an upload: the problems (nothing written while there is one), else the counts."""

    problems: list = field(default_factory=list)
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def ok(self):
        return not self.problems


class Problems(list):
    """The problems of one upload, with the helpers that word them alike."""

    def at(self, sheet, row, column, value, reason):
        self.append(
            Problem(
                sheet=sheet.name,
                row=row.number if row else None,
                column=column.header if column else "",
                value=shown(value),
                reason=reason,
                coordinate=row.cells.get(column.key, "") if row and column else "",
            )
        )


def shown(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()[:10] if not getattr(value, "hour", 0) else value.isoformat(sep=" ")
    return str(value)[:200]


def ordered(problems, sheets):
    """The problems in the order of the sheets, then rows, then cells."""
    order = {sheet.name: index for index, sheet in enumerate(sheets)}
    return sorted(
        problems,
        key=lambda p: (order.get(p.sheet, 99), p.row or 0, len(p.coordinate), p.coordinate, p.reason),
    )
