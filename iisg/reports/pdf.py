"""The PDF of a report: the Document rendered with reports/report.html and printed by WeasyPrint.

The print design is CSS Paged Media (reports/static/reports/report.css): A4, a cover, a table of
contents with page numbers (chapters and their sections: one page), the report title in the
running header, "page X of Y" and the Kosovo* footnote in the running footer, once on every page.
WeasyPrint fetches nothing from the network: its fetcher serves the app's static files and data:
URIs, and refuses every other URL.
"""

import mimetypes
import re
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from weasyprint.urls import URLFetcher, URLFetcherResponse

from iisg.analysis.tables import Link, Table
from iisg.analysis.templatetags.analysis import cell
from iisg.core.text import printable

from .document import Chart, Paragraph

# The page is a file:// URL, so that /static/… references resolve to file:///static/…, which the
# fetcher maps to the app's static files (the sources, not STATIC_ROOT: no collectstatic needed).
BASE_URL = "file:///"
# How many entries the contents list in one column of an A4 page; more go in two columns.
TOC_ONE_COLUMN = 32


class StaticOnlyFetcher(URLFetcher):
    """Serves data: URIs and the project's static files; refuses everything else (http, https,
    ftp, and file:// outside STATIC_URL), so a report never reaches the network or the disk."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        static = urlsplit(settings.STATIC_URL).path
        if parts.scheme == "file" and not parts.netloc and parts.path.startswith(static):
            name = unquote(parts.path.removeprefix(static))
            path = finders.find(name) if ".." not in name.split("/") else None
            if path:
                with open(path, "rb") as file:
                    body = file.read()
                content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": content_type})
        raise ValueError(f"A report fetches only its static files, not {url}")


def render_pdf(document):
    """The Document as PDF bytes (A4, tagged for screen readers)."""
    # Text stored before the cleaning rule may hold control characters: a PDF would draw them as boxes.
    html = printable(render_to_string("reports/report.html", _context(document)))
    fetcher = StaticOnlyFetcher()
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(pdf_tags=True)


def _context(document):
    """The template's context. Section titles come numbered (content.py numbers them, so that the
    PDF, DOCX and XLSX show the same numbers); a section without an anchor gets one here."""
    sections = []
    anchors = set()
    for index, section in enumerate(document.sections, start=1):
        anchor = section.anchor or slugify(f"section-{index}-{section.title}")
        if anchor in anchors:
            anchor = f"{anchor}-{index}"
        anchors.add(anchor)
        blocks = [_block(block, document.footnote) for block in section.blocks]
        sections.append(
            {
                "title": section.title,
                "level": min(max(section.level, 1), 3),
                "anchor": anchor,
                "blocks": blocks,
                # A section that opens with a landscape table turns with it, heading included.
                "landscape": bool(blocks) and "landscape" in (blocks[0].get("table") or {}).get("layout", ""),
            }
        )
    listed = sum(1 for section in sections if section.get("level") < 3)
    return {
        "document": document,
        "sections": sections,
        # More entries than one column of the page holds: two columns.
        "toc_columns": 2 if listed > TOC_ONE_COLUMN else 1,
        "static_url": settings.STATIC_URL,
        "page_of_pages": _page_of_pages(),
        "language": get_language() or settings.LANGUAGE_CODE,
    }


def _page_of_pages():
    """The footer's translated "Page X of Y" as a CSS content value, the numbers as counters."""
    text = _("Page %(page)s of %(pages)s")
    parts = []
    for piece in re.split(r"(%\(pages?\)s)", text):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append('"{}"'.format(re.sub(r'["\\\n<]', lambda match: f"\\{ord(match[0]):x} ", piece)))
    return mark_safe(" ".join(parts))


def _block(block, footnote):
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "text": block.text}
    if isinstance(block, Chart):
        return {"kind": "chart", "title": block.title, "svg": block.svg, "table": _table(block.table, footnote)}
    if isinstance(block, Table):
        return {"kind": "table", "table": _table(block, footnote)}
    raise TypeError(f"A report section holds paragraphs, tables and charts, not {type(block).__name__}")


def _table(table, footnote):
    """The table's cells as the pages show them (same money and share formats), links as text:
    a link to the platform means nothing on paper. The Kosovo* footnote a table carries for its
    files is left out: the page's footer prints it, once per page."""
    return {
        "title": table.title,
        "columns": table.columns,
        "rows": [_cells(row, table.columns) for row in table.rows],
        "totals": _cells(table.totals, table.columns) if table.totals else None,
        "notes": [note for note in table.notes if not footnote or str(note) != footnote],
        "layout": _layout(table),
    }


def _cells(row, columns):
    return [
        (str(value) if isinstance(value, Link) else cell(value, column), column.numeric)
        for value, column in zip(row, columns, strict=True)
    ]


def _layout(table):
    """How much room a table needs: "landscape" (a page of its own turned sideways) when it has
    many columns or many columns of text, "wide" (smaller type) when it has more than seven."""
    texts = sum(1 for column in table.columns if not column.numeric and column.kind != "date")
    if len(table.columns) > 10 or (len(table.columns) > 8 and texts >= 5):
        return "wide landscape"
    return "wide" if len(table.columns) > 7 else ""
