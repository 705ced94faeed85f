"""Charts of the support mapping as SVG, drawn on the server with pygal.

SVG from the server works without JavaScript, prints, and goes into the PDF reports unchanged.
Every chart is shown next to a table with the same figures (the text alternative), and carries a
title and a description for screen readers. pygal's inline configuration script is removed: the
charts need none, and pages allow no inline scripts.
"""

from django.utils.translation import gettext as _
from lxml import etree
from pygal import Bar
from pygal.style import Style

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
    tree.set("role", "img")
    tree.set("aria-labelledby", f"{tree.get('id')}-title {tree.get('id')}-desc")
    heading = etree.Element(f"{SVG}title", id=f"{tree.get('id')}-title")
    heading.text = title
    desc = etree.Element(f"{SVG}desc", id=f"{tree.get('id')}-desc")
    desc.text = description
    tree.insert(0, desc)
    tree.insert(0, heading)
    return etree.tostring(tree, encoding="unicode")


def funding_chart(years, *, title=None):
    """Committed and disbursed EUR per year, as grouped bars (`years`: selectors.YearFunding)."""
    title = title or _("Funding over time")
    chart = Bar(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=900,
        height=360,
        legend_at_bottom=True,
        show_y_guides=True,
        value_formatter=lambda value: f"€{value:,.0f}",
        y_title=_("EUR"),
        title=title,
        no_data_text=_("No money recorded"),
    )
    chart.x_labels = [str(row.year) for row in years]
    chart.add(_("Committed"), [float(row.committed) for row in years])
    chart.add(_("Disbursed"), [float(row.disbursed) for row in years])
    first, last = (years[0].year, years[-1].year) if years else ("", "")
    description = _(
        "Bar chart of committed and disbursed euros per year from %(first)s to %(last)s; "
        "the table below gives the same figures."
    ) % {"first": first, "last": last}
    return _svg(chart, title=title, description=description)
