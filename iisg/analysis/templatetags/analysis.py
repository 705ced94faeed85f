"""How the support-mapping pages show figures: money, shares, table cells and heatmap shades."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from iisg.directory.models import Partner

from ..tables import COUNT, MONEY, SHARE, Link

register = template.Library()

# Heatmap shades by covered share: the upper bounds of each shade, lowest first (analysis.css).
SHADES = (Decimal("0.2"), Decimal("0.4"), Decimal("0.6"), Decimal("0.8"))


@register.filter
def money(value):
    """€1,234,567 (whole euros: the tables carry the cents)."""
    if value is None:
        return ""
    return f"€{Decimal(value).quantize(Decimal(1), ROUND_HALF_UP):,}"


@register.filter
def money_short(value):
    """€165.1 million, €950,000: for key figures, where the exact sum is in the tables."""
    if value is None:
        return ""
    value = Decimal(value)
    if abs(value) >= 1_000_000:
        millions = (value / 1_000_000).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return _("€%(amount)s million") % {"amount": f"{millions:,}"}
    return money(value)


@register.filter
def share(value):
    if value is None:
        return "–"
    return f"{(Decimal(value) * 100).quantize(Decimal(1), ROUND_HALF_UP)}%"


@register.filter
def heat(tally):
    """The shade class of a heatmap cell: `heat-none` for no needs, else heat-0 … heat-4."""
    if tally is None or not tally.needs:
        return "heat-none"
    return f"heat-{sum(tally.covered_share > bound for bound in SHADES)}"


def _plain(value):
    if isinstance(value, Partner):
        return value.display_name
    if isinstance(value, datetime.date):
        return date_format(value, "Y-m-d")
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value)
    return "" if value is None else str(value)


@register.filter
def with_columns(row, columns):
    """(column, value) pairs of a table row."""
    return zip(columns, row, strict=True)


@register.simple_tag
def cell(value, column):
    """A table cell as the page shows it; numbers are formatted, links are links."""
    if isinstance(value, Link):
        return format_html('<a href="{}">{}</a>', value.url, value.text)
    if column.kind == MONEY:
        return money(value)
    if column.kind == SHARE:
        return share(value)
    if column.kind == COUNT and value is not None:
        return f"{value:,}"
    return _plain(value)


@register.simple_tag
def export_links(table, query):
    """Links to download `table` as CSV and XLSX for the same filters."""
    suffix = f"?{query}" if query else ""
    return format_html_join(
        " ",
        '<a class="download" href="{}" download>{}<span class="visually-hidden"> {}</span></a>',
        (
            (f"{reverse('analysis:export', args=[table.name, fmt])}{suffix}", label, table.title)
            for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX"))
        ),
    )
