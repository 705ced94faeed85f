"""Charts as PNG, for the formats that cannot show SVG (Word): drawn by CairoSVG from the very SVG
the pages and the PDF show (iisg.analysis.charts), so that every format shows the same chart.

The text is drawn in the PDF's vendored fonts (reports/static/reports/fonts/): Noto Sans, or Noto
Sans SC for a chart holding Chinese. CairoSVG draws a text in one font, the first of its
font-family, without falling back per character; the chart's own family (system-ui, for screens)
would be whatever the machine has, and Chinese would print as boxes.

Nothing is fetched: an image or stylesheet the SVG names by URL is drawn as nothing, as the PDF's
fetcher does (iisg.reports.pdf.StaticOnlyFetcher), except data: URIs, which are part of the SVG.
"""

import functools
import re
from pathlib import Path

from cairosvg.surface import PNGSurface
from cairosvg.url import fetch
from lxml import etree

# Twice the charts' 900 units: about 270 dpi across the 17 cm of text on an A4 page.
WIDTH = 1800
# The size of a chart that gives none (pygal's charts give their viewBox): the funding chart's.
DEFAULT_WIDTH, DEFAULT_HEIGHT = 900, 360
FONTS = Path(__file__).resolve().parent / "static" / "reports" / "fonts"
FONT, CHINESE_FONT = "Noto Sans", "Noto Sans SC"
# CJK punctuation, ideographs and full-width forms: what Noto Sans lacks and Noto Sans SC has.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
SVG = "{http://www.w3.org/2000/svg}"


@functools.cache
def _register_fonts():
    """Makes the vendored fonts known to the process's Fontconfig, which Cairo asks for a font.
    WeasyPrint's bindings are used: WeasyPrint has loaded Fontconfig already (its own font
    configurations, one per PDF, are separate from this one)."""
    from weasyprint.text.ffi import ffi, fontconfig

    for path in sorted(FONTS.glob("*.ttf")):
        if not fontconfig.FcConfigAppFontAddFile(ffi.NULL, str(path).encode()):
            raise RuntimeError(f"Fontconfig cannot read the font {path}")


def _data_only(url, resource_type):
    return fetch(url, resource_type) if url.startswith("data:") else b""


def _in_report_fonts(svg):
    """The SVG with a last stylesheet setting every text in the reports' font."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        tree = etree.fromstring(svg.encode() if isinstance(svg, str) else svg, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"The chart is not an SVG image that can be drawn: {error}") from error
    family = CHINESE_FONT if CHINESE.search("".join(tree.itertext())) else FONT
    style = etree.SubElement(tree, f"{SVG}style" if tree.tag.startswith(SVG) else "style")
    style.text = f'text, tspan {{ font-family: "{family}" !important; }}'
    return etree.tostring(tree)


def chart_png(svg, *, width=WIDTH):
    """The SVG chart as PNG bytes, `width` pixels wide and as high as the chart's proportions say,
    its text in the reports' fonts. Raises ValueError when `svg` is not SVG."""
    _register_fonts()
    svg = _in_report_fonts(svg)
    try:
        return PNGSurface.convert(
            svg,
            url_fetcher=_data_only,
            output_width=width,
            parent_width=DEFAULT_WIDTH,
            parent_height=DEFAULT_HEIGHT,
        )
    except ValueError as error:
        raise ValueError(f"The chart is not an SVG image that can be drawn: {error}") from error
