"""The tables of the support mapping, shown on the dashboards and downloaded as CSV or XLSX.

Each builder turns a selectors.SupportMapping into a `Table`: named columns of a kind (text,
count, money in EUR, share, date) and rows of plain values, so that the page, the CSV and the
XLSX file show the same figures. `Link` cells are links on the page and their text in files.
The files write every cell through iisg.core.spreadsheet: text is text, never a formula.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from iisg.actions.choices import Coverage, OrganisationRole
from iisg.core.spreadsheet import csv_field, write_cell
from iisg.directory.models import KOSOVO_FOOTNOTE, Partner
from iisg.needs.choices import NeedStatus, Priority

from . import selectors

TEXT, COUNT, MONEY, SHARE, DATE = "text", "count", "money", "share", "date"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT

    @property
    def numeric(self):
        return self.kind in (COUNT, MONEY, SHARE)


@dataclass(frozen=True)
class Link:
    text: str
    url: str

    def __str__(self):
        return self.text


@dataclass
class Table:
    name: str
    title: str
    columns: list
    rows: list
    notes: list = field(default_factory=list)
    # The totals row, shown under the rows in bold (same columns; the first cell says "Total"), or
    # None. Files keep it apart from the rows: below the filtered range in XLSX, last in CSV.
    totals: list | None = None

    def __post_init__(self):
        if any(isinstance(cell, Partner) and cell.has_designation_footnote for row in self.rows for cell in row):
            self.notes.append(str(KOSOVO_FOOTNOTE))

    def __len__(self):
        return len(self.rows)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_text(item) for item in value)
    return str(value)


def _cell(value, column):
    """The value as a file holds it: numbers as numbers, dates as dates, the rest as text."""
    if value is None:
        return None
    if column.kind in (COUNT, MONEY, SHARE) and isinstance(value, int | Decimal | float):
        return round(value, 2) if column.kind == MONEY else (round(value, 4) if column.kind == SHARE else value)
    if column.kind == DATE and isinstance(value, datetime.date):
        return value
    return _text(value)


def to_csv(table, scope_lines=()):
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read the accents), the header
    row, the rows, then a blank line and the notes."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([csv_field(column.label) for column in table.columns])
    for row in [*table.rows, *([table.totals] if table.totals else [])]:
        writer.writerow([csv_field(_cell(value, column)) for value, column in zip(row, table.columns, strict=True)])
    notes = [*scope_lines, *table.notes]
    if notes:
        writer.writerow([])
        for note in notes:
            writer.writerow([csv_field(note)])
    return out.getvalue().encode("utf-8")


NUMBER_FORMATS = {COUNT: "#,##0", MONEY: "#,##0.00", SHARE: "0.0%", DATE: "yyyy-mm-dd"}


def _width(value, column):
    """About how many characters the cell shows once formatted (thousands separators, two decimals)."""
    if column.kind == MONEY and isinstance(value, int | Decimal | float):
        return len(f"{value:,.2f}")
    if column.kind == COUNT and isinstance(value, int):
        return len(f"{value:,}")
    if column.kind == SHARE and isinstance(value, int | Decimal | float):
        return 6
    return len(_text(value))


def write_table(sheet, table):
    """Writes `table` at the top of `sheet`: a bold frozen header row, typed cells (numbers as
    numbers with a number format, dates as dates, text as text cells: never a formula), filters
    over the rows and column widths that fit the first 500 rows. Returns the last row written."""
    for index, column in enumerate(table.columns, start=1):
        write_cell(sheet, 1, index, column.label).font = Font(bold=True)
    for number, row in enumerate(table.rows, start=2):
        for index, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
            cell = write_cell(sheet, number, index, _cell(value, column))
            if column.kind in NUMBER_FORMATS and not isinstance(cell.value, str):
                cell.number_format = NUMBER_FORMATS[column.kind]
    for index, column in enumerate(table.columns, start=1):
        width = max([len(str(column.label))] + [_width(row[index - 1], column) for row in table.rows[:500]])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    last_row = len(table.rows) + 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{last_row}"
    if table.totals:
        # Outside the filtered range: sorting or filtering the rows leaves the totals where they are.
        last_row += 1
        for index, (value, column) in enumerate(zip(table.totals, table.columns, strict=True), start=1):
            cell = write_cell(sheet, last_row, index, _cell(value, column))
            cell.font = Font(bold=True)
            if column.kind in NUMBER_FORMATS and not isinstance(cell.value, str):
                cell.number_format = NUMBER_FORMATS[column.kind]
    return last_row


def to_xlsx(table, scope_lines=()):
    """An XLSX workbook: the table on its first sheet (typed cells, bold frozen header, filters),
    and a Notes sheet with the scope, the rules and the footnote."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.name[:31]
    write_table(sheet, table)
    notes = workbook.create_sheet(_("Notes"))
    notes.column_dimensions["A"].width = 120
    for row, line in enumerate([table.title, *scope_lines, *RULES, *table.notes], start=1):
        write_cell(notes, row, 1, line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


RULES = (
    gettext_lazy("Only actions benefiting one of the six partners or the Western Balkans as a region count."),
    gettext_lazy(
        "Coverage counts confirmed responses whose action is active in the year (not withdrawn, "
        "pipeline, cancelled or suspended; dates overlapping the year; without a start date, in no year)."
    ),
    gettext_lazy("A gap is an adopted need without such a response; an overlap, a need with two or more donors."),
    gettext_lazy(
        "Money is in EUR at the rate of each transaction's value date; an action responding to "
        "several needs is shared equally among them."
    ),
)


def scope_lines(scope):
    """What a downloaded table was computed for, in words."""
    lines = [
        _("Cycle: %(cycle)s") % {"cycle": scope.cycle},
        _("Year: %(year)s") % {"year": scope.year},
    ]
    for label, value in (
        (_("Pillar"), scope.pillar),
        (_("Partner"), scope.partner),
        (_("Area"), scope.area),
        (_("Priority"), Priority(scope.priority).label if scope.priority else None),
        (_("Donor"), scope.donor),
    ):
        if value:
            lines.append(f"{label}: {value}")
    return lines


# Builders ---------------------------------------------------------------------------------------


def need_links():
    """A function giving a need's link to its page in the back office; reverse() is called once
    per table, not once per row: thousands of rows would spend tens of milliseconds in it."""
    pattern = reverse("admin:needs_need_change", args=[0])
    return lambda need: Link(need.reference, pattern.replace("/0/", f"/{need.id}/"))


def _area(need):
    return f"{need.area.code} {need.area.name}" if need.area else ""


# The columns that say which need a row is about, first in every table of needs.
NEED_COLUMNS = [
    Column("reference", gettext_lazy("Reference")),
    Column("title", gettext_lazy("Need")),
    Column("partner", gettext_lazy("Partner")),
    Column("pillar", gettext_lazy("Pillar")),
    Column("area", gettext_lazy("Area")),
]


def _need_cells(need, need_link):
    return [need_link(need), need.title, need.partner, need.pillar.acronym, _area(need)]


def _yes(flag):
    return _("yes") if flag else ""


def coverage_table(mapping):
    need_link = need_links()
    rows = [
        [
            *_need_cells(need, need_link),
            Priority(need.priority).label,
            NeedStatus(need.status).label,
            need.coverage_label,
            len(need.active_responses),
            [donor.short_name for donor in need.donors],
            [implementer.short_name for implementer in need.implementers],
            need.committed,
            need.disbursed,
            _yes(need.is_gap),
            _yes(need.is_overlap),
        ]
        for need in mapping.needs
    ]
    return Table(
        name="coverage",
        title=_("Coverage of each need"),
        columns=[
            *NEED_COLUMNS,
            Column("priority", _("Priority")),
            Column("status", _("Status")),
            Column("coverage", _("Coverage")),
            Column("responses", _("Active responses"), COUNT),
            Column("donors", _("Donors")),
            Column("implementers", _("Implementers")),
            Column("committed", _("Committed (EUR)"), MONEY),
            Column("disbursed", _("Disbursed (EUR)"), MONEY),
            Column("gap", _("Gap")),
            Column("overlap", _("Overlap")),
        ],
        rows=rows,
    )


def gaps_table(mapping):
    need_link = need_links()
    gaps = selectors.sort_by_priority(mapping.gaps)
    rows = [
        [
            *_need_cells(need, need_link),
            Priority(need.priority).label,
            len(need.responses),
        ]
        for need in gaps
    ]
    return Table(
        name="gaps",
        title=_("Gaps: adopted needs with no active confirmed response in %(year)s") % {"year": mapping.scope.year},
        columns=[
            *NEED_COLUMNS,
            Column("priority", _("Priority")),
            Column("inactive", _("Responses active in other years"), COUNT),
        ],
        rows=rows,
    )


def overlaps_table(mapping):
    need_link = need_links()
    """One row per active response of each overlapping need, donors side by side on the page."""
    rows = []
    for need in mapping.overlaps:
        for line in need.active_responses:
            rows.append(
                [
                    *_need_cells(need, need_link),
                    len(need.donors),
                    [donor.short_name for donor in line.donors],
                    line.title,
                    [implementer.short_name for implementer in line.implementers],
                    Coverage(line.coverage).label,
                    line.start,
                    line.end,
                    line.committed,
                ]
            )
    return Table(
        name="overlaps",
        title=_("Overlaps: needs with active actions of two or more donors in %(year)s") % {"year": mapping.scope.year},
        columns=[
            *NEED_COLUMNS,
            Column("donor_count", _("Donors"), COUNT),
            Column("donors", _("Donor")),
            Column("action", _("Action")),
            Column("implementers", _("Implementers")),
            Column("coverage", _("Coverage")),
            Column("start", _("Start"), DATE),
            Column("end", _("End"), DATE),
            Column("committed", _("Committed (EUR)"), MONEY),
        ],
        rows=rows,
    )


TALLY_COLUMNS = [
    Column("needs", gettext_lazy("Needs"), COUNT),
    Column("covered", gettext_lazy("Covered"), COUNT),
    Column("covered_share", gettext_lazy("Covered share"), SHARE),
    Column("gaps", gettext_lazy("Gaps"), COUNT),
    Column("high_priority_gaps", gettext_lazy("High-priority gaps"), COUNT),
    Column("overlaps", gettext_lazy("Overlaps"), COUNT),
    Column("committed", gettext_lazy("Committed (EUR)"), MONEY),
    Column("disbursed", gettext_lazy("Disbursed (EUR)"), MONEY),
]


def _tally_cells(tally):
    return [getattr(tally, column.key) for column in TALLY_COLUMNS]


def heatmap_table(mapping):
    """Partner × pillar in long form: one row per partner and pillar."""
    heat = selectors.heatmap(mapping)
    rows = [
        [partner, pillar.acronym, *_tally_cells(heat.cells.get((partner, pillar), selectors.Tally()))]
        for partner in heat.partners
        for pillar in heat.pillars
    ]
    return Table(
        name="partner-pillar",
        title=_("Coverage by partner and pillar"),
        columns=[Column("partner", _("Partner")), Column("pillar", _("Pillar")), *TALLY_COLUMNS],
        rows=rows,
        totals=[_("Total"), "", *_tally_cells(heat.total)],
    )


def priority_table(mapping):
    tallies = selectors.by_priority(mapping)
    rows = [[Priority(priority).label, *_tally_cells(tally)] for priority, tally in tallies.items()]
    return Table(
        name="priorities",
        title=_("Coverage by priority"),
        columns=[Column("priority", _("Priority")), *TALLY_COLUMNS],
        rows=rows,
        totals=[_("Total"), *_tally_cells(sum(tallies.values(), selectors.Tally()))],
    )


def area_table(mapping):
    tallies = selectors.by_area(mapping)
    rows = [
        [pillar.acronym, f"{area.code} {area.name}" if area else _("No area"), *_tally_cells(tally)]
        for (pillar, area), tally in tallies.items()
    ]
    return Table(
        name="areas",
        title=_("Coverage by pillar and area"),
        columns=[Column("pillar", _("Pillar")), Column("area", _("Area")), *TALLY_COLUMNS],
        rows=rows,
        totals=[_("Total"), "", *_tally_cells(sum(tallies.values(), selectors.Tally()))],
    )


def contributors_table(mapping, *, role):
    donors = role == OrganisationRole.FUNDING
    rows = [
        [
            row.organisation.name,
            row.needs,
            row.overlapping_needs,
            row.actions,
            list(row.partners),
            row.committed,
            row.disbursed,
        ]
        for row in selectors.contributors(mapping, role=role)
    ]
    return Table(
        name="donors" if donors else "implementers",
        title=_("Donors") if donors else _("Implementers"),
        columns=[
            Column("organisation", _("Donor") if donors else _("Implementer")),
            Column("needs", _("Needs responded to"), COUNT),
            Column("overlapping_needs", _("Of which overlaps"), COUNT),
            Column("actions", _("Active actions"), COUNT),
            Column("partners", _("Partners")),
            Column("committed", _("Committed (EUR)"), MONEY),
            Column("disbursed", _("Disbursed (EUR)"), MONEY),
        ],
        rows=rows,
        notes=[_("An action with several donors counts in full for each of them.")] if donors else [],
    )


def funding_table(mapping):
    years = selectors.funding_over_time(mapping)
    rows = [[row.year, row.actions, row.committed, row.disbursed] for row in years]
    return Table(
        name="funding",
        title=_("Funding over time"),
        columns=[
            Column("year", _("Year")),
            Column("actions", _("Actions with transactions"), COUNT),
            Column("committed", _("Committed (EUR)"), MONEY),
            Column("disbursed", _("Disbursed (EUR)"), MONEY),
        ],
        rows=rows,
        # An action with money in several years is in each: the actions do not add up.
        totals=[
            _("Total"),
            None,
            sum((row.committed for row in years), selectors.ZERO),
            sum((row.disbursed for row in years), selectors.ZERO),
        ],
        notes=[
            _("%(count)s transactions without a EUR figure (no currency or no exchange rate) are not counted.")
            % {"count": mapping.transactions_without_eur}
        ]
        if mapping.transactions_without_eur
        else [],
    )


def concentration_table(mapping):
    rows = [
        [
            row.partner,
            row.pillar.acronym,
            row.donors,
            row.committed,
            row.largest_donor.short_name if row.largest_donor else "",
            row.largest_share,
            row.herfindahl,
        ]
        for row in selectors.concentration(mapping)
    ]
    return Table(
        name="concentration",
        title=_("Donor concentration by partner and pillar"),
        columns=[
            Column("partner", _("Partner")),
            Column("pillar", _("Pillar")),
            Column("donors", _("Donors"), COUNT),
            Column("committed", _("Committed (EUR)"), MONEY),
            Column("largest_donor", _("Largest donor")),
            Column("largest_share", _("Largest donor's share"), SHARE),
            Column("herfindahl", _("Herfindahl index"), SHARE),
        ],
        rows=rows,
        notes=[
            _(
                "The Herfindahl index is the sum of the donors' squared shares: 100% is a single donor, "
                "above 25% is highly concentrated."
            )
        ],
    )


def priority_without_money_table(mapping):
    need_link = need_links()
    rows = [
        [
            *_need_cells(need, need_link),
            need.uncovered_share,
            need.coverage_label,
            need.committed,
        ]
        for need in selectors.priority_without_money(mapping)
    ]
    return Table(
        name="priority-without-money",
        title=_("High-priority needs by the share still uncovered"),
        columns=[
            *NEED_COLUMNS,
            Column("uncovered_share", _("Uncovered share"), SHARE),
            Column("coverage", _("Coverage")),
            Column("committed", _("Committed (EUR)"), MONEY),
        ],
        rows=rows,
        notes=[_("Uncovered share: 100% with no active response, 50% when partly covered, 0% when fully covered.")],
    )


# The tables members may download by name, and those the public may (aggregates only).
BUILDERS = {
    "coverage": coverage_table,
    "gaps": gaps_table,
    "overlaps": overlaps_table,
    "partner-pillar": heatmap_table,
    "priorities": priority_table,
    "areas": area_table,
    "donors": lambda mapping: contributors_table(mapping, role=OrganisationRole.FUNDING),
    "implementers": lambda mapping: contributors_table(mapping, role=OrganisationRole.IMPLEMENTING),
    "funding": funding_table,
    "concentration": concentration_table,
    "priority-without-money": priority_without_money_table,
}
PUBLIC_TABLES = ("partner-pillar", "priorities", "funding")
