"""Charts of the support mapping as SVG, drawn on the server with pygal.

SVG from the server works without JavaScript, prints, and goes into the PDF reports unchanged.
Every chart is shown next to a table with the same figures (the text alternative), and carries a
title and a description for screen readers. pygal's inline configuration script is removed: the
charts need none, and pages allow no inline scripts.
"""

import hashlib

from django.utils.translation import gettext as _
from lxml import etree
from pygal import Bar, HorizontalBar, StackedBar
from pygal.style import Style

from .templatetags.analysis import heat, share

SVG = "{http://www.w3.org/2000/svg}"

STYLE = Style(
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#4a4f55",
    # EU blue and a dark amber: both distinct from each other for the common colour-vision
    # deficiencies, and at least 3:1 against white as WCAG asks of graphics.
    colors=("#003399", "#a15c00", "#4a4f55"),
    title_font_size=16,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
    opacity="1",
    opacity_hover=".85",
)


def _svg(chart, *, title, description):
    tree = chart.render_tree()
    for script in tree.xpath("//*[local-name()='script']"):
        script.getparent().remove(script)
    for comment in tree.xpath("//comment()"):
        comment.getparent().remove(comment)
    # The legend's ids serve the removed script, and repeat in every chart of a page or a report.
    for legend in tree.xpath("//*[starts-with(@id, 'activate-serie-')]"):
        del legend.attrib["id"]
    tree.set("role", "img")
    tree.set("aria-labelledby", f"{tree.get('id')}-title {tree.get('id')}-desc")
    heading = etree.Element(f"{SVG}title", id=f"{tree.get('id')}-title")
    heading.text = title
    desc = etree.Element(f"{SVG}desc", id=f"{tree.get('id')}-desc")
    desc.text = description
    tree.insert(0, desc)
    tree.insert(0, heading)
    return etree.tostring(tree, encoding="unicode")


def funding_chart(years, *, title=None, narrow=False):
    """Committed and disbursed EUR per year, as grouped bars (`years`: selectors.YearFunding).

    `narrow`: for a phone, horizontal bars one year a row, drawn at a phone's width so that its
    text keeps its size, with short sums (€12.5M) on the axis; otherwise columns 900 wide."""
    title = title or _("Funding over time")
    shape = (
        {
            "width": 360,
            "height": 130 + 44 * len(years),
            "value_formatter": short_euros,
            "legend_at_bottom_columns": 2,
            # At most 5 graduations, never cut short ("€1…" for €10M): they fit 360 wide whole.
            "max_scale": 5,
            "truncate_label": -1,
        }
        if narrow
        else {"width": 900, "height": 360, "value_formatter": lambda value: f"€{value:,.0f}", "y_title": _("EUR")}
    )
    chart = (HorizontalBar if narrow else Bar)(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        legend_at_bottom=True,
        show_y_guides=True,
        title=title,
        no_data_text=_("No money recorded"),
        **shape,
    )
    # pygal draws a horizontal chart's first label at the bottom: reversed, the years read downwards.
    rows = list(reversed(years)) if narrow else years
    chart.x_labels = [str(row.year) for row in rows]
    chart.add(_("Committed"), [float(row.committed) for row in rows])
    chart.add(_("Disbursed"), [float(row.disbursed) for row in rows])
    first, last = (years[0].year, years[-1].year) if years else ("", "")
    description = _(
        "Bar chart of committed and disbursed euros per year from %(first)s to %(last)s; "
        "the table below gives the same figures."
    ) % {"first": first, "last": last}
    return _svg(chart, title=title, description=description)


def short_euros(value):
    """€12.5M, €800k, €950: an axis label that fits a phone; the tables give the exact sums."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if round(value / size, 1) >= 1:  # 999,999 is €1M, not €1,000k
            return f"{sign}€{value / size:,.1f}".removesuffix(".0") + suffix
    return f"{sign}€{value:,.0f}"


def needs_by_priority_chart(priorities, series, *, title=None):
    """Needs per priority as stacked bars: `priorities` are the bars' labels, `series` (label,
    counts in the order of `priorities`) pairs stacked in each, e.g. by status or covered/gap."""
    title = title or _("Needs by priority")
    chart = StackedBar(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=900,
        height=340,
        legend_at_bottom=True,
        show_y_guides=True,
        value_formatter=lambda value: f"{value:,.0f}",
        y_title=_("Needs"),
        title=title,
        no_data_text=_("No needs"),
    )
    chart.x_labels = [str(priority) for priority in priorities]
    for label, counts in series:
        chart.add(str(label), list(counts))
    description = _(
        "Stacked bar chart of the needs per priority (%(priorities)s), split by %(series)s; "
        "the table below gives the same figures."
    ) % {
        "priorities": ", ".join(str(priority) for priority in priorities),
        "series": ", ".join(str(label) for label, _counts in series),
    }
    return _svg(chart, title=title, description=description)


def donor_shares_chart(shares, *, title=None):
    """Each donor's share of the committed EUR as horizontal bars, the largest on top (`shares`:
    (donor name, share between 0 and 1) pairs, largest first)."""
    title = title or _("Donors' shares of the committed EUR")
    chart = HorizontalBar(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=900,
        height=max(220, 90 + 30 * len(shares)),
        show_legend=False,
        show_x_guides=True,
        range=(0, 100),
        value_formatter=lambda value: f"{value:.0f}%",
        title=title,
        no_data_text=_("No money committed"),
    )
    # pygal draws the first label at the bottom: reversed, the largest share is on top.
    chart.x_labels = [name for name, _share in reversed(shares)]
    chart.add(_("Share of the committed EUR"), [float(value * 100) for _name, value in reversed(shares)])
    description = _(
        "Horizontal bar chart of %(count)s donors' shares of the euros committed, the largest %(largest)s "
        "(%(share)s); the table below gives the same figures."
    ) % {
        "count": len(shares),
        "largest": shares[0][0] if shares else "–",
        "share": share(shares[0][1]) if shares else "–",
    }
    return _svg(chart, title=title, description=description)


# The shades of the coverage heatmap, as the dashboard's (analysis.css): fill and text colour. Light
# fills are not 3:1 against white, so every cell has a dark outline and prints its value.
HEAT_COLOURS = {
    "heat-none": ("#ffffff", "#4a4f55"),
    "heat-0": ("#f3f5f8", "#1a1a1a"),
    "heat-1": ("#d6e0f5", "#1a1a1a"),
    "heat-2": ("#a9bde9", "#1a1a1a"),
    "heat-3": ("#3a5fb8", "#ffffff"),
    "heat-4": ("#003399", "#ffffff"),
}
OUTLINE = "#4a4f55"


def heatmap_chart(heatmap, *, title=None):
    """Coverage by partner (rows) and pillar (columns), with the totals of each partner in a last
    column: each cell shaded by its covered share, as on the dashboard, with the share and the
    needs it counts printed in it (`heatmap`: selectors.Heatmap)."""
    title = title or _("Coverage by partner and pillar")
    label_width, cell_width, cell_height, top = 240, 150, 46, 78
    columns = [(pillar.acronym, pillar) for pillar in heatmap.pillars] + [(_("All pillars"), None)]
    width = label_width + cell_width * len(columns) + 10
    height = top + cell_height * len(heatmap.partners) + 10
    figures = repr([(str(p), [(t.needs, t.covered) if t else None for t in cells]) for p, cells, _t in heatmap.rows()])
    chart_id = "heatmap-" + hashlib.sha256(f"{title}{figures}".encode()).hexdigest()[:12]
    svg = etree.Element(
        f"{SVG}svg",
        nsmap={None: SVG[1:-1]},
        id=chart_id,
        viewBox=f"0 0 {width} {height}",
        width=str(width),
        height=str(height),
    )
    svg.set("font-family", STYLE.font_family)
    etree.SubElement(svg, f"{SVG}rect", x="0", y="0", width=str(width), height=str(height), fill="#ffffff")
    _text(svg, title, x=width / 2, y=24, size=16, anchor="middle")
    for index, (label, _pillar) in enumerate(columns):
        x = label_width + cell_width * index + cell_width / 2
        _text(svg, label, x=x, y=top - 12, size=13, anchor="middle", bold=True)
    for row, (partner, cells, partner_total) in enumerate(heatmap.rows()):
        y = top + cell_height * row
        _text(svg, partner.display_name, x=label_width - 10, y=y + cell_height / 2 + 5, size=13, anchor="end")
        for index, tally in enumerate([*cells, partner_total]):
            fill, ink = HEAT_COLOURS[heat(tally)]
            x = label_width + cell_width * index
            etree.SubElement(
                svg,
                f"{SVG}rect",
                x=str(x + 1),
                y=str(y + 1),
                width=str(cell_width - 2),
                height=str(cell_height - 2),
                fill=fill,
                stroke=OUTLINE,
            )
            middle = x + cell_width / 2
            if tally is None or not tally.needs:
                _text(svg, "–", x=middle, y=y + cell_height / 2 + 5, size=13, anchor="middle", colour=ink)
                continue
            _text(svg, share(tally.covered_share), x=middle, y=y + 20, size=14, anchor="middle", colour=ink, bold=True)
            covered = _("%(covered)s of %(needs)s needs") % {"covered": tally.covered, "needs": tally.needs}
            _text(svg, covered, x=middle, y=y + 37, size=11, anchor="middle", colour=ink)
    svg.set("role", "img")
    svg.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    heading = etree.Element(f"{SVG}title", id=f"{chart_id}-title")
    heading.text = title
    desc = etree.Element(f"{SVG}desc", id=f"{chart_id}-desc")
    desc.text = _(
        "Heatmap of the share of needs with an active confirmed response, for %(partners)s partners (rows) "
        "and %(pillars)s pillars (columns) and each partner in all pillars; darker is more covered, each cell "
        "prints its share and its needs; the table below gives the same figures."
    ) % {"partners": len(heatmap.partners), "pillars": len(heatmap.pillars)}
    svg.insert(0, desc)
    svg.insert(0, heading)
    return etree.tostring(svg, encoding="unicode")


def _text(parent, text, *, x, y, size, anchor="start", colour="#1a1a1a", bold=False):
    element = etree.SubElement(
        parent, f"{SVG}text", x=f"{x:g}", y=f"{y:g}", fill=colour, attrib={"text-anchor": anchor}
    )
    element.set("font-size", str(size))
    if bold:
        element.set("font-weight", "bold")
    element.text = str(text)
    return element
