"""Excel workbooks in and out of the platform: what the needs and the actions workbooks share.

Download: `write_sheet` lays a sheet out from its `Sheet` description (headers with notes, a frozen
header row, widths, date formats, drop-downs fed by the "Code lists" sheet) and fills in the rows.

Upload: `read_workbook` judges the file before openpyxl opens it (size, kind, encryption, ZIP bomb),
then reads every sheet in read-only mode and returns its rows with every problem it found (missing
sheets or columns, merged cells, formulas, dates as text…), so a person sees them all at once. The
apps add the problems of their own checks and write nothing while there is one. `annotate` makes
the annotated copy of an uploaded workbook: the cells at fault in red with the reason as a comment,
and an "Errors" sheet first.

The limits are constants, not settings: changing them is a decision for the code.
"""

import datetime
import difflib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .uploads import describe, document_kind

MB = 1024 * 1024
MAX_FILE_SIZE = 10 * MB
# What the parts of the ZIP may unpack to, all together: a real 20,000-row workbook is far below.
MAX_UNPACKED_SIZE = 200 * MB
MAX_ROWS = 20_000
MAX_CELL_LENGTH = 32_767  # Excel's own limit of a cell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ERRORS_SHEET = "Errors"
CODE_LISTS_SHEET = "Code lists"
DATE_FORMAT = "yyyy-mm-dd"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

TEXT, DATE, DECIMAL = "text", "date", "decimal"

HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
READ_ONLY_FILL = PatternFill("solid", fgColor="EEEEEE")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
NOTE_AUTHOR = "IISG Platform"

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
# A safe parser for the few parts read here: no entities, no network.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class WorkbookRejected(Exception):
    """The upload is not a workbook that can be read at all; the message says why, for a person."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


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
    read_only: bool = False


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple

    def column(self, key):
        return next(column for column in self.columns if column.key == key)


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


# Reading ---------------------------------------------------------------------------------------


def check_size(size):
    """Refuse a file by its size, before anything reads it."""
    if size > MAX_FILE_SIZE:
        raise WorkbookRejected(
            _("The file is %(size)s; a workbook may be at most %(limit)s. Split it into smaller workbooks.")
            % {"size": filesizeformat(size), "limit": filesizeformat(MAX_FILE_SIZE)}
        )


def _looks_like_csv(head):
    if b"\x00" in head:
        return False
    try:
        first_line = head.decode("utf-8-sig", errors="strict").splitlines()[0] if head.strip() else ""
    except (UnicodeDecodeError, IndexError):
        return False
    return any(separator in first_line for separator in (",", ";", "\t"))


def check_file(data):
    """Raise WorkbookRejected unless `data` is an unencrypted .xlsx that unpacks to a sane size."""
    check_size(len(data))
    head = data[:2048]
    if not data:
        raise WorkbookRejected(_("The file is empty."))
    if head.startswith(OLE2):
        raise WorkbookRejected(
            _("The file is password-protected or an old .xls workbook: save it as an unprotected .xlsx workbook.")
        )
    if not head.startswith(b"PK\x03\x04"):
        if _looks_like_csv(head):
            raise WorkbookRejected(
                _(
                    "The file is a CSV text file, not an Excel workbook, whatever its name says: open it in Excel and "
                    "save it as an Excel Workbook (.xlsx)."
                )
            )
        raise WorkbookRejected(_("The file is %(found)s, not an Excel workbook (.xlsx).") % {"found": _describe(head)})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            declares_dtd = not any(entry.flag_bits & 0x1 for entry in entries) and any(
                _declares_dtd(archive, entry) for entry in entries
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise WorkbookRejected(_("The file is a damaged ZIP archive, not an Excel workbook (.xlsx).")) from None
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise WorkbookRejected(
            _("The file is password-protected or an old .xls workbook: save it as an unprotected .xlsx workbook.")
        )
    # zipfile never inflates an entry past the size its directory declares, so the sum bounds the work.
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_SIZE:
        raise WorkbookRejected(
            _("The file unpacks to more than %(limit)s: it is not a workbook this platform reads.")
            % {"limit": filesizeformat(MAX_UNPACKED_SIZE)}
        )
    if declares_dtd:
        raise WorkbookRejected(
            _("The file declares a DTD, which Excel never writes: it is not a workbook this platform reads.")
        )
    kind = document_kind(io.BytesIO(data))
    if kind != "xlsx":
        found = _("a %(kind)s document") % {"kind": kind.upper()} if kind else _("a ZIP archive")
        raise WorkbookRejected(_("The file is %(found)s, not an Excel workbook (.xlsx).") % {"found": found})


def _declares_dtd(archive, entry):
    """Does an XML part of the workbook start with a DTD (the way to entity expansion and external
    entities)? Read from the part's head: the prolog of a part Excel writes is a line."""
    if not entry.filename.endswith((".xml", ".rels", ".vml")) or entry.file_size > MAX_UNPACKED_SIZE:
        return False
    with archive.open(entry) as part:
        return b"<!DOCTYPE" in part.read(64 * 1024).upper()


def _describe(head):
    if head.startswith(b"%PDF-"):
        return _("a PDF document")
    return describe(head)


def _sheet_parts(archive):
    """The name of each sheet → its part in the ZIP."""
    workbook = etree.fromstring(archive.read("xl/workbook.xml"), XML_PARSER)
    relationships = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), XML_PARSER)
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relationships.iter(f"{{{PACKAGE_NS}}}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{RELATIONSHIP_NS}}}id"), "")
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return parts


def merged_ranges(data, names):
    """The merged ranges of the named sheets, read from the XML: openpyxl's read-only mode skips them."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = _sheet_parts(archive)
        for name in names:
            part = parts.get(name)
            if not part:
                continue
            ranges, tail = [], b""
            with archive.open(part) as stream:
                while chunk := stream.read(1 * MB):
                    text = tail + chunk
                    ranges += [match.decode() for match in MERGE_CELL.findall(text)]
                    # Keep the end of the chunk: a tag may straddle two chunks (and is then found once).
                    cut = text.rfind(b"<")
                    tail = text[cut:] if cut >= 0 and b">" not in text[cut:] else b""
            found[name] = ranges
    return found


def open_workbook(data):
    """Check the file and open it with openpyxl in read-only mode, formulas kept as formulas."""
    check_file(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds (KeyError, ValueError, XML errors) for a damaged file
        raise WorkbookRejected(_("The file is damaged: Excel may repair it; save it again as .xlsx.")) from None


def read_workbook(data, sheets, optional=()):
    """Read the sheets described by `sheets` from an uploaded workbook: rows and problems.

    Raises WorkbookRejected when the file cannot be read at all. A sheet named in `optional` may be
    missing; any other missing sheet is a problem.
    """
    workbook = open_workbook(data)
    reading = Reading()
    problems = Problems()
    try:
        present = workbook.sheetnames
        merged = merged_ranges(data, [sheet.name for sheet in sheets if sheet.name in present])
        for sheet in sheets:
            if sheet.name not in present:
                if sheet.name not in optional:
                    problems.at(sheet, None, None, "", _missing_sheet(sheet.name, present))
                continue
            for cells in merged.get(sheet.name, []):
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
            reading.rows[sheet.name] = _read_sheet(workbook[sheet.name], sheet, problems)
    except (ParseError, etree.XMLSyntaxError):
        # openpyxl streams the sheets: a part it cannot parse (bad XML, entities past expat's
        # limits) shows only now.
        raise WorkbookRejected(_("The file is damaged: Excel may repair it; save it again as .xlsx.")) from None
    finally:
        workbook.close()
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


def _read_sheet(worksheet, sheet, problems):
    rows = worksheet.iter_rows()
    header = next(rows, None)
    headers = [cell.value for cell in header] if header else []
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
    letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
    result = []
    for number, cells in enumerate(rows, start=2):
        values, coordinates, empty = {}, {}, True
        for key, index in positions.items():
            cell = cells[index] if index < len(cells) else None
            value = cell.value if cell is not None else None
            coordinates[key] = f"{letters[key]}{number}"
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    value = None
            if value is not None:
                empty = False
            if (cell is not None and cell.data_type == "f") or _is_formula(value):
                values[key] = _FORMULA
                problems.append(
                    Problem(
                        sheet.name,
                        number,
                        sheet.column(key).header,
                        shown(getattr(value, "text", value)),
                        _("cell %(cell)s holds a formula; paste values") % {"cell": coordinates[key]},
                        coordinates[key],
                    )
                )
                continue
            values[key] = value
        if empty:
            continue
        if len(result) >= MAX_ROWS:
            problems.at(
                sheet,
                None,
                None,
                "",
                _("the sheet has more than %(limit)s rows: split it into several workbooks")
                % {"limit": f"{MAX_ROWS:,}"},
            )
            break
        row = Row(sheet=sheet.name, number=number, values=values, cells=coordinates)
        _convert(sheet, row, problems)
        result.append(row)
    return result


class _Formula:
    """Stands for a value that was a formula: already reported, never checked again."""


_FORMULA = _Formula()


def _is_formula(value):
    return type(value).__name__ in {"ArrayFormula", "DataTableFormula"}


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
    text = str(value)
    limit = column.max_length or MAX_CELL_LENGTH
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
    if not number.is_finite() or number < 0:
        raise ValueError(_("not an amount: enter a positive number"))
    return number.quantize(Decimal("0.01"))


CONVERTERS = {TEXT: _text, DATE: _date, DECIMAL: _decimal}


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


# Writing ---------------------------------------------------------------------------------------


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
        header = worksheet.cell(row=1, column=index, value=name)
        header.font = Font(bold=True)
        header.fill = HEADER_FILL
        for row, value in enumerate(values, start=2):
            worksheet.cell(row=row, column=index, value=value)
        worksheet.column_dimensions[letter].width = max([len(name), *(len(str(v)) for v in values)], default=10) + 2
        if values:
            ranges[name] = f"{quote_sheetname(CODE_LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    worksheet.freeze_panes = "A2"
    worksheet.protection.sheet = True  # a reference: read, not edited
    return ranges


def write_reference_sheet(workbook, name, headers, rows):
    """A sheet people read (the thematic areas): headers, rows, protected against edits."""
    worksheet = workbook.create_sheet(name)
    worksheet.append(headers)
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        worksheet.append(list(row))
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
        cell = worksheet.cell(row=1, column=position, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = READ_ONLY_FILL if column.read_only else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        note = column.note + ("\n" + _("Required.") if column.required else "")
        if column.read_only:
            note += "\n" + _("Read-only: changes here are ignored.")
        cell.comment = Comment(note, NOTE_AUTHOR, width=320, height=140)
        worksheet.column_dimensions[get_column_letter(position)].width = column.width
    for values in rows:
        worksheet.append([values.get(column.key) for column in sheet.columns])
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


# The report ------------------------------------------------------------------------------------


def annotate(data, problems):
    """An annotated copy of the uploaded workbook: each cell at fault filled red with the reason as a
    comment, and a first sheet "Errors" listing every problem. None if openpyxl cannot open the file."""
    try:
        workbook = load_workbook(io.BytesIO(data))
    except Exception:  # a file refused before it was read has no copy to annotate
        return None
    if ERRORS_SHEET in workbook.sheetnames:
        workbook.remove(workbook[ERRORS_SHEET])  # a re-uploaded annotated copy: the old list is stale
    reasons = {}
    for problem in problems:
        if problem.coordinate and problem.sheet in workbook.sheetnames:
            reasons.setdefault((problem.sheet, problem.coordinate), []).append(problem.reason)
    for (sheet, coordinate), texts in reasons.items():
        cell = workbook[sheet][coordinate]
        cell.fill = ERROR_FILL
        cell.comment = Comment("\n".join(texts), NOTE_AUTHOR, width=320, height=120)
    errors = workbook.create_sheet(ERRORS_SHEET, 0)
    errors.append([_("Sheet"), _("Row"), _("Column"), _("Cell"), _("Value"), _("Reason")])
    for cell in errors[1]:
        cell.font = Font(bold=True)
        cell.fill = ERROR_FILL
    for problem in problems:
        errors.append([problem.sheet, problem.row, problem.column, problem.coordinate, problem.value, problem.reason])
    for letter, width in zip("ABCDEF", (14, 8, 24, 8, 30, 80), strict=True):
        errors.column_dimensions[letter].width = width
    errors.freeze_panes = "A2"
    workbook.active = 0
    for worksheet in workbook.worksheets:
        worksheet.sheet_view.tabSelected = worksheet.title == ERRORS_SHEET
    return to_bytes(workbook)


def ordered(problems, sheets):
    """The problems in the order of the sheets, then rows, then cells."""
    order = {sheet.name: index for index, sheet in enumerate(sheets)}
    return sorted(
        problems,
        key=lambda p: (order.get(p.sheet, 99), p.row or 0, len(p.coordinate), p.coordinate, p.reason),
    )
