"""The parts of an uploaded workbook read as streams, every limit enforced on the way.

openpyxl, even in read-only mode, holds every shared text and every style in memory and turns every
cell of a row into a Python object before it hands the row over: a file of a few hundred kilobytes
that unpacks to a few hundred megabytes took a worker to 1.85 GB. Here each part is inflated through
a counter (the ZIP directory may lie about what a part unpacks to), parsed by lxml with entities
left unexpanded, and freed as it is read; a cell beyond the template's columns is counted and
dropped without being read. What a hostile file costs is bounded by the limits, not by its size.
"""

import re

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601

from .checks import MAIN_NS, WorkbookRejected, damaged

MB = 1024 * 1024
# Excel's own limit of the cell formats of a workbook.
MAX_CELL_FORMATS = 64_000
# A cell is at most a handful of elements (the cell, its value or formula, an inline text and its
# runs); a part with more elements than four a cell is not a sheet, whatever else it is.
ELEMENTS_PER_CELL = 4
CELL_COLUMN = re.compile(r"^\$?([A-Za-z]{1,3})\$?\d*$")


def _tag(name):
    return f"{{{MAIN_NS}}}{name}"


ROW, CELL, VALUE, FORMULA, INLINE, TEXT, RUN, MERGE = map(_tag, ("row", "c", "v", "f", "is", "t", "r", "mergeCell"))
SHARED_TEXT, CELL_FORMATS, CELL_FORMAT, NUMBER_FORMAT = map(_tag, ("si", "cellXfs", "xf", "numFmt"))
# What a cell holds: kept until the cell ends. Any other element is freed as soon as it ends.
IN_CELL = frozenset({CELL, VALUE, FORMULA, INLINE, TEXT, RUN, SHARED_TEXT})


def max_elements():
    return ELEMENTS_PER_CELL * settings.WORKBOOK_MAX_CELLS


class Formula(str):
    """The text of a formula found in a cell ("=SUM(A1:A3)"): reported, never read as a value."""


def unpack_budget():
    """What the parts read from one upload may unpack to, together."""
    return {"left": settings.WORKBOOK_MAX_UNPACKED_SIZE}


class _Bounded:
    """A part of the ZIP as a stream that refuses to unpack past the limits, whatever the ZIP
    directory declared: the part's own limit and what is left of the whole upload's."""

    def __init__(self, stream, label, budget):
        self.stream = stream
        self.label = label
        self.budget = budget
        self.read_so_far = 0

    def read(self, size=-1):
        chunk = self.stream.read(1 * MB if size is None or size < 0 else size)
        self.read_so_far += len(chunk)
        self.budget["left"] -= len(chunk)
        if self.read_so_far > settings.WORKBOOK_MAX_PART_SIZE:
            raise WorkbookRejected(
                _("%(part)s unpacks to more than %(limit)s, more than its ZIP directory says: the file is forged.")
                % {"part": self.label, "limit": filesizeformat(settings.WORKBOOK_MAX_PART_SIZE)}
            )
        if self.budget["left"] < 0:
            raise WorkbookRejected(
                _("The file unpacks to more than %(limit)s, more than its ZIP directory says: the file is forged.")
                % {"limit": filesizeformat(settings.WORKBOOK_MAX_UNPACKED_SIZE)}
            )
        return chunk


def _events(archive, part, label, budget, tags=None):
    """The end of each element of a part, parsed without entities, DTD or network; each event counts
    toward the part's limit of elements."""
    limit = max_elements()
    with archive.open(part) as raw:
        events = etree.iterparse(
            _Bounded(raw, label, budget),
            events=("end",),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
        )
        for count, (_event, element) in enumerate(events, start=1):
            if count == 1 and element.getroottree().docinfo.doctype:
                # A DTD hidden where the check of the file did not look (behind a long prolog).
                raise damaged()
            if count > limit:
                raise WorkbookRejected(
                    _("%(part)s holds more than %(limit)s XML elements: it is not a workbook this platform reads.")
                    % {"part": label, "limit": f"{limit:,}"}
                )
            yield element


def _free(element):
    """Drop an element that has been read, and the siblings read before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None and parent.tag not in IN_CELL:
        while element.getprevious() is not None:
            del parent[0]


def _cell_text(element):
    """The text of a shared text or an inline one: its text, or its runs' (phonetic hints left out)."""
    parts = []
    for child in element:
        if child.tag == TEXT:
            parts.append(child.text or "")
        elif child.tag == RUN:
            parts.extend(t.text or "" for t in child.iterchildren(TEXT))
    return "".join(parts).replace("_x005F_", "_")


def shared_texts(archive, part, budget):
    """The shared texts of the workbook, at most WORKBOOK_MAX_CELLS of them."""
    if not part or part not in archive.namelist():
        return []
    limit = settings.WORKBOOK_MAX_CELLS
    texts = []
    for element in _events(archive, part, _("The list of texts of the file"), budget):
        if element.tag == SHARED_TEXT:
            if len(texts) >= limit:
                raise WorkbookRejected(
                    _("The file holds more than %(limit)s different texts: split it into several workbooks.")
                    % {"limit": f"{limit:,}"}
                )
            texts.append(_cell_text(element))
            _free(element)
        elif element.tag not in IN_CELL:
            _free(element)
    return texts


def date_styles(archive, part, budget):
    """The cell formats that show a number as a date, and those that show it as a duration."""
    if not part or part not in archive.namelist():
        return set(), set()
    custom, formats = {}, []
    for element in _events(archive, part, _("The styles of the file"), budget):
        if element.tag == NUMBER_FORMAT:
            custom[element.get("numFmtId")] = element.get("formatCode", "")
        elif element.tag == CELL_FORMAT and element.getparent().tag == CELL_FORMATS:
            if len(formats) >= MAX_CELL_FORMATS:
                raise WorkbookRejected(
                    _("The file has more than %(limit)s cell formats, more than Excel allows: save it again as .xlsx.")
                    % {"limit": f"{MAX_CELL_FORMATS:,}"}
                )
            formats.append(element.get("numFmtId", "0"))
        _free(element)
    dates, durations = set(), set()
    for index, number_format in enumerate(formats):
        code = custom.get(number_format)
        if code is None and number_format.isdigit():
            code = BUILTIN_FORMATS.get(int(number_format))
        if code and is_date_format(code):
            dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
    return dates, durations


class SheetStream:
    """The rows of one sheet as they are parsed: (row number, {column index: value}) for each row
    that has cells, a formula given as a Formula. Only the columns before `width` are read (set it
    once the header is read; None reads them all); every cell counts toward WORKBOOK_MAX_CELLS.
    `merged` holds the merged ranges once the rows are read."""

    def __init__(self, archive, part, name, *, texts, dates, durations, epoch, budget):
        self.archive, self.part, self.name = archive, part, name
        self.texts, self.dates, self.durations, self.epoch = texts, dates, durations, epoch
        self.budget = budget
        self.width = None
        self.merged = []

    def rows(self):
        limit = settings.WORKBOOK_MAX_CELLS
        label = _("The sheet “%(sheet)s”") % {"sheet": self.name}
        cells, values, number, column = 0, {}, 0, 0
        for element in _events(self.archive, self.part, label, self.budget):
            tag = element.tag
            if tag == CELL:
                cells += 1
                if cells > limit:
                    raise WorkbookRejected(
                        _(
                            "The sheet “%(sheet)s” has more than %(limit)s cells (every column counted, the "
                            "template's and any other): delete what the template does not have, or split it "
                            "into several workbooks."
                        )
                        % {"sheet": self.name, "limit": f"{limit:,}"}
                    )
                column = self._column(element, column)
                if self.width is None or column < self.width:
                    value = self._value(element)
                    if value is not None:
                        values[column] = value
                element.clear(keep_tail=False)
            elif tag == ROW:
                given = element.get("r")
                number = int(given) if given and given.isdigit() else number + 1
                if values:
                    yield number, values
                values, column = {}, 0
                _free(element)
            elif tag == MERGE:
                self.merged.append(element.get("ref", ""))
                _free(element)
            elif tag not in IN_CELL:
                _free(element)

    def _column(self, element, previous):
        """The index (0 for A) of a cell: from its reference, else the one after the previous cell."""
        reference = element.get("r")
        if not reference:
            return previous + 1 if previous or element.getprevious() is not None else 0
        match = CELL_COLUMN.match(reference)
        if not match:
            raise ValueError(reference)
        return column_index_from_string(match.group(1).upper()) - 1

    def _value(self, element):
        formula = element.find(FORMULA)
        if formula is not None:
            return Formula("=" + (formula.text or ""))
        kind = element.get("t", "n")
        if kind == "inlineStr":
            text = element.find(INLINE)
            return _cell_text(text) if text is not None else None
        raw = element.findtext(VALUE)
        if raw is None or raw == "":
            return None
        if kind == "s":
            return self.texts[int(raw)]
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind in ("str", "e"):
            return raw
        if kind == "d":
            return from_ISO8601(raw)
        number = float(raw) if any(mark in raw for mark in ".eE") else int(raw)
        style = element.get("s")
        if style and style.isdigit() and int(style) in self.dates:
            try:
                return from_excel(number, self.epoch, timedelta=int(style) in self.durations)
            except (OverflowError, ValueError):
                return raw
        return number
