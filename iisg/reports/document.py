"""What a report says, independent of its format: a title page, sections with their paragraphs,
tables and charts. iisg.reports.content builds it from the selectors; pdf.py, xlsx.py and docx.py
write it. A writer never queries the database: every figure is in the document already.
"""

import datetime
from dataclasses import dataclass, field

from iisg.analysis.tables import Table


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Chart:
    """A chart as SVG (iisg.analysis.charts), with the table that carries the same figures.

    The PDF draws `svg`; the DOCX shows a PNG rendered from the same chart; the XLSX draws a native
    chart of `table` on the table's sheet. `kind` says which: "bar" (vertical bars, one per series),
    "barh" (horizontal bars), "stacked" (stacked vertical bars), "line", "pie" (one series) or
    "heatmap" (categories down, series across, each cell coloured by its value; the XLSX colours the
    cells). `category` is the key of the table column holding the categories (the first column when
    empty); `series` the keys of the numeric columns drawn (every numeric column when empty)."""

    title: str
    svg: str
    table: Table
    kind: str = "bar"
    category: str = ""
    series: tuple = ()


@dataclass
class Section:
    """A numbered part of the report. `level` 1 is a chapter, 2 and 3 are sub-sections; `blocks`
    are Paragraph, Table (iisg.analysis.tables) and Chart objects, in reading order."""

    title: str
    level: int = 1
    blocks: list = field(default_factory=list)
    anchor: str = ""


@dataclass
class Document:
    """A whole report. `name` is the file name without extension (e.g. iisg-needs-mapping-2021-2022);
    `scope` lines say what it covers (cycle, year, pillar); `footnote` is the Kosovo* designation,
    set when the name appears anywhere in the report."""

    kind: str
    name: str
    title: str
    subtitle: str
    generated_at: datetime.datetime
    scope: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    footnote: str = ""

    def tables(self):
        """Every table of the report, in reading order, charts' tables included."""
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Table):
                    yield section, block
                elif isinstance(block, Chart):
                    yield section, block.table
