"""Reading an uploaded workbook: every sheet streamed (iisg.core.workbook.parts), its rows by column
key, each value turned into what its column holds, and every problem found on the way; and the
lookups that turn a name in a cell into the object it names."""

import datetime
import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl.utils import get_column_letter

# The limits (MAX_…) are stated once, in the package, and read from it at each use.
from iisg.core import workbook as limits
from iisg.core.text import clean_text

from .checks import WorkbookRejected, check_file, damaged, workbook_parts
from .parts import Formula, SheetStream, date_styles, shared_texts, unpack_budget
from .sheets import DATE, DECIMAL, ERRORS_SHEET, MONEY, TEXT, WHOLE, Problem, Problems, shown

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Row:
    """A data row of an uploaded sheet: the values read by column key, and where each cell is."""

    sheet: str
    number: int
    values: dict
    cells: dict  # column key → coordinate


@dataclass
class Reading:
    """What `read_workbook` found: the rows of each sheet and the problems of the whole file."""

    rows: dict = field(default_factory=dict)  # sheet name → [Row]
    problems: list = field(default_factory=list)


def read_workbook(data, sheets, optional=()):
    """Read the sheets described by `sheets` from an uploaded workbook: rows and problems.

    Raises WorkbookRejected when the file cannot be read at all, or holds more than the limits allow
    (WORKBOOK_MAX_ROWS data rows a sheet, WORKBOOK_MAX_CELLS cells a sheet, what its parts unpack
    to): such a file is refused whole, never read in part. A sheet named in `optional` may be
    missing; any other missing sheet is a problem.
    """
    check_file(data)
    reading = Reading()
    problems = Problems()
    budget = unpack_budget()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = workbook_parts(archive)
            present = list(parts["sheets"])
            wanted = [sheet for sheet in sheets if sheet.name in present]
            texts, dates, durations = [], set(), set()
            if wanted:
                texts = shared_texts(archive, parts["strings"], budget)
                dates, durations = date_styles(archive, parts["styles"], budget)
            for sheet in sheets:
                if sheet.name not in present:
                    if sheet.name not in optional:
                        problems.at(sheet, None, None, "", _missing_sheet(sheet.name, present))
                    continue
                stream = SheetStream(
                    archive,
                    parts["sheets"][sheet.name],
                    sheet.name,
                    texts=texts,
                    dates=dates,
                    durations=durations,
                    epoch=parts["epoch"],
                    budget=budget,
                )
                reading.rows[sheet.name] = _read_sheet(stream, sheet, problems)
                for cells in stream.merged:
                    problems.append(
                        Problem(
                            sheet=sheet.name,
                            row=_first_row(cells),
                            column="",
                            value=cells,
                            reason=_("cells %(cells)s are merged: unmerge them, one value a cell") % {"cells": cells},
                            coordinate=cells.split(":")[0],
                        )
                    )
    except (etree.XMLSyntaxError, zipfile.BadZipFile, KeyError, IndexError, ValueError, EOFError, OSError):
        # A part missing or that cannot be parsed, a cell naming a text the file does not have, a
        # part whose content does not match its checksum: the file is damaged (or forged).
        raise damaged() from None
    reading.problems = problems
    return reading


def _first_row(cells):
    return int(re.sub(r"[A-Z]", "", cells.split(":")[0]))


def _missing_sheet(name, present):
    others = [sheet for sheet in present if sheet not in (ERRORS_SHEET,)]
    guess = difflib.get_close_matches(name, others, n=1, cutoff=0.5)
    reason = _("the sheet “%(name)s” is missing (found: %(found)s)") % {
        "name": name,
        "found": ", ".join(others) or _("no sheets"),
    }
    if guess:
        reason += "; " + _("rename “%(guess)s” back to “%(name)s”") % {"guess": guess[0], "name": name}
    return reason


def _normal(text):
    return " ".join(str(text).split()).casefold()


def _read_sheet(stream, sheet, problems):
    rows = stream.rows()
    first = next(rows, None)
    header = first[1] if first and first[0] == 1 else {}
    headers = [header.get(index) for index in range(max(header, default=-1) + 1)]
    if not any(value not in (None, "") for value in headers):
        problems.at(sheet, None, None, "", _("the sheet is empty: its first row must hold the column headers"))
        return []
    expected = {_normal(column.header): column for column in sheet.columns}
    positions, unknown = {}, []
    for index, value in enumerate(headers):
        if value in (None, ""):
            continue
        column = expected.get(_normal(value))
        if column is None:
            unknown.append((index, value))
        elif column.key in positions:
            problems.at(sheet, None, column, value, _("the column appears twice"))
        else:
            positions[column.key] = index
    # A renamed header is most likely one of the columns not found.
    missing = {_normal(c.header): c for c in sheet.columns if c.key not in positions and not c.read_only}
    for index, value in unknown:
        guess = difflib.get_close_matches(_normal(value), list(missing), n=1, cutoff=0.6)
        reason = _("unknown column “%(header)s”") % {"header": value}
        if guess:
            reason += "; " + _("did you mean “%(guess)s”?") % {"guess": missing[guess[0]].header}
        problems.append(Problem(sheet.name, 1, str(value), shown(value), reason, f"{get_column_letter(index + 1)}1"))
    for column in sheet.columns:
        if column.key not in positions and not column.read_only:
            problems.at(
                sheet,
                None,
                column,
                "",
                _("the column “%(header)s” is missing: keep the headers of the downloaded template")
                % {"header": column.header},
            )
    # The cells right of the template's last column are counted, never read.
    stream.width = max(positions.values(), default=-1) + 1
    letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
    result = []
    limit = settings.WORKBOOK_MAX_ROWS
    for number, cells in rows:
        values, coordinates, empty = {}, {}, True
        for key, index in positions.items():
            value = cells.get(index)
            coordinates[key] = f"{letters[key]}{number}"
            if isinstance(value, str) and not isinstance(value, Formula):
                value = value.strip()
                if value == "":
                    value = None
            if value is not None:
                empty = False
            # The cell's type, not its text, tells a formula: a title starting with "=" comes back
            # from a download as a text cell and is read as the text it is.
            if isinstance(value, Formula):
                values[key] = _FORMULA
                problems.append(
                    Problem(
                        sheet.name,
                        number,
                        sheet.column(key).header,
                        shown(value),
                        _("cell %(cell)s holds a formula; paste values") % {"cell": coordinates[key]},
                        coordinates[key],
                    )
                )
                continue
            values[key] = value
        if empty:
            continue
        if len(result) >= limit:
            raise WorkbookRejected(
                _(
                    "The sheet “%(sheet)s” has more than %(limit)s rows; a workbook may have at most %(limit)s "
                    "rows a sheet. Split it into several workbooks."
                )
                % {"sheet": sheet.name, "limit": f"{limit:,}"}
            )
        row = Row(sheet=sheet.name, number=number, values=values, cells=coordinates)
        _convert(sheet, row, problems)
        result.append(row)
    return result


class _Formula:
    """Stands for a value that was a formula: already reported, never checked again."""


_FORMULA = _Formula()


def _convert(sheet, row, problems):
    """Turn each read value into what its column holds (text, date, decimal), or report it."""
    for column in sheet.columns:
        if column.read_only:
            row.values.pop(column.key, None)
            continue
        if column.key not in row.values:
            continue
        value = row.values[column.key]
        if value is _FORMULA:
            continue
        if value is None:
            if column.required:
                problems.at(sheet, row, column, value, _("“%(header)s” is required") % {"header": column.header})
            continue
        try:
            row.values[column.key] = CONVERTERS[column.kind](value, column)
        except ValueError as error:
            problems.at(sheet, row, column, value, str(error))
            row.values[column.key] = _FORMULA


def is_bad(value):
    """Was this value already reported (a formula, a value that could not be read)?"""
    return value is _FORMULA


def _text(value, column):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    # The one cleaning step of text (NFC, trimmed); a control character is reported (UnsafeText).
    text = clean_text(str(value))
    limit = column.max_length or limits.MAX_CELL_LENGTH
    if len(text) > limit:
        raise ValueError(_("%(length)s characters; at most %(limit)s") % {"length": len(text), "limit": limit})
    return text


def _date(value, column):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(_("not a date: enter a date cell, or text as YYYY-MM-DD (e.g. 2021-03-01)"))


def _decimal(value, column):
    number = _money(value, column)
    if number < 0:
        raise ValueError(_("not an amount: enter a positive number"))
    return number


def _money(value, column):
    if isinstance(value, bool):
        raise ValueError(_("not a number"))
    try:
        number = (
            Decimal(str(value).replace(" ", "").replace("\u00a0", ""))
            if isinstance(value, str)
            else Decimal(str(value))
        )
    except InvalidOperation:
        raise ValueError(_("not a number: enter digits only, e.g. 250000.00")) from None
    if not number.is_finite() or abs(number) >= MAX_AMOUNT:
        raise ValueError(_("not an amount: enter a number such as 250000.00"))
    return number.quantize(Decimal("0.01"))


def _whole(value, column):
    if isinstance(value, bool):
        raise ValueError(_("not a whole number"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ValueError(_("not a whole number of 1 or more: keep the value as downloaded"))
    return int(text)


# The money columns hold 18 digits, 2 after the point.
MAX_AMOUNT = Decimal("1e16")

CONVERTERS = {TEXT: _text, DATE: _date, DECIMAL: _decimal, MONEY: _money, WHOLE: _whole}


class Lookup:
    """Finds a coded value (a partner, a pillar, a priority…) by any of its names, case-insensitively;
    an unknown one is reported with the closest known name."""

    def __init__(self, noun, entries):
        """`entries`: (object, shown name, [other names]) for each known value."""
        self.noun = noun
        self.index = {}
        self.names = {}
        for obj, name, *aliases in entries:
            self.names[_normal(name)] = name
            for alias in (name, *(aliases[0] if aliases else ())):
                self.index.setdefault(_normal(alias), obj)

    def find(self, text):
        """The object named `text`; raises ValueError with the reason for an unknown one."""
        found = self.index.get(_normal(text), _MISSING)
        if found is not _MISSING:
            return found
        reason = _("unknown %(noun)s “%(value)s”") % {"noun": self.noun, "value": text}
        guess = difflib.get_close_matches(_normal(text), list(self.names), n=1, cutoff=0.6)
        if guess:
            reason += "; " + _("did you mean %(guess)s?") % {"guess": self.names[guess[0]]}
        raise ValueError(reason)

    def find_many(self, text):
        """The objects of a comma-separated list; raises ValueError naming every unknown one."""
        found, reasons = [], []
        for part in str(text).split(","):
            if not part.strip():
                continue
            try:
                found.append(self.find(part.strip()))
            except ValueError as error:
                reasons.append(str(error))
        if reasons:
            raise ValueError("; ".join(reasons))
        return found


_MISSING = object()
NOT_FOUND = object()


def look_up(problems, sheet, row, key, lookup, *, many=False, default=None):
    """What the cell `key` of a row names through `lookup`: `default` when it is empty, NOT_FOUND
    when it names nothing known (the problem is then reported)."""
    value = row.values.get(key)
    if value is None or is_bad(value):
        return default
    try:
        return lookup.find_many(value) if many else lookup.find(value)
    except ValueError as error:
        problems.at(sheet, row, sheet.column(key), value, str(error))
        return NOT_FOUND


def choices_lookup(noun, choices):
    """A Lookup over Django choices: found by label or stored value, answers the stored value."""
    return Lookup(noun, [(value, str(label), [str(value)]) for value, label in choices])
