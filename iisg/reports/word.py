"""A report as a Word document (python-docx): a title page, a table of contents, the sections
with their headings, paragraphs and tables, the footnote, and page numbers in the footer.

Figures are formatted as the pages show them (iisg.analysis.templatetags.analysis). Word cannot
show the charts' SVG: a chart is a PNG drawn from the same SVG (iisg.reports.chart_images), with
the chart's title and description as its alternative text, followed by its table. Text is set in
Noto Sans, Chinese in Noto Sans SC (the PDF's fonts; Word uses them where they are installed).
Every text goes in through iisg.core.text.printable: a title holding a control character, stored
before text was cleaned on the way in, would otherwise make lxml refuse the whole document. The
same Document gives the same bytes (iisg.reports.reproducible)."""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from docx import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from iisg.analysis.tables import Link, Table
from iisg.analysis.templatetags.analysis import cell as shown
from iisg.core.text import printable

from .chart_images import chart_png
from .document import Chart, Paragraph
from .reproducible import with_fixed_dates

# The elements that follow w:updateFields in w:settings: Word wants them in schema order.
AFTER_UPDATE_FIELDS = (
    "w:hdrShapeDefaults",
    "w:footnotePr",
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:attachedSchema",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures",
    "w:forceUpgrade",
    "w:captions",
    "w:readModeInkLockDown",
    "w:smartTagType",
    "sl:schemaLibrary",
    "w:shapeDefaults",
    "w:doNotEmbedSmartTags",
    "w:decimalSymbol",
    "w:listSeparator",
)
TABLE_TEXT, NOTE = "Table Text", "Table Note"
RIGHT = '<w:jc w:val="right"/>'
# The PDF's fonts (reports/static/reports/fonts.css): Latin, Greek and Cyrillic, and Chinese.
FONT, EAST_ASIAN_FONT = "Noto Sans", "Noto Sans SC"
FONT_SLOTS = {"w:ascii": FONT, "w:hAnsi": FONT, "w:cs": FONT, "w:eastAsia": EAST_ASIAN_FONT}
THEME_FONT_SLOTS = ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme")
# The width of the text on the page (A4, 2 cm margins): a chart fills it.
TEXT_WIDTH = Cm(17)
SVG_DESC = "{http://www.w3.org/2000/svg}desc"


def render_docx(document):
    """The report as DOCX bytes."""
    word = WordDocument()
    _set_up(word, document)
    _title_page(word, document)
    _contents(word, document)
    for section in document.sections:
        word.add_heading(printable(section.title), level=min(max(section.level, 1), 3))
        for block in section.blocks:
            if isinstance(block, Paragraph):
                word.add_paragraph(printable(block.text))
            elif isinstance(block, Chart):
                _chart(word, block)
            elif isinstance(block, Table):
                _table(word, block)
    if document.footnote:
        word.add_paragraph(printable(document.footnote), style=NOTE)
    _footer(word, document)
    out = io.BytesIO()
    word.save(out)
    return with_fixed_dates(out.getvalue(), document.generated_at)


def _set_up(word, document):
    page = word.sections[0]
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.left_margin = page.right_margin = Cm(2)
    page.top_margin = page.bottom_margin = Cm(2)
    word.core_properties.title = printable(document.title)
    word.core_properties.subject = printable(document.subtitle)
    word.core_properties.created = word.core_properties.modified = document.generated_at
    styles = word.styles
    _set_fonts(word)
    table_text = styles.add_style(TABLE_TEXT, WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = styles["Normal"]
    table_text.font.size = Pt(8)
    table_text.paragraph_format.space_after = Pt(0)
    note = styles.add_style(NOTE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = styles["Normal"]
    note.font.size = Pt(8)
    note.font.italic = True
    # Word fills in the table of contents and the page count when the file is opened.
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    word.settings.element.insert_element_before(update, *AFTER_UPDATE_FIELDS)


def _set_fonts(word):
    """Noto in the document's defaults and in every style that names a font of its own (the
    template's headings name the theme's fonts, which would win over the defaults)."""
    defaults = word.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    if defaults.find(qn("w:rFonts")) is None:
        defaults.insert(0, OxmlElement("w:rFonts"))
    named = [style.element.rPr.find(qn("w:rFonts")) for style in word.styles if style.element.rPr is not None]
    for fonts in [defaults.find(qn("w:rFonts")), *(fonts for fonts in named if fonts is not None)]:
        for slot in THEME_FONT_SLOTS:
            fonts.attrib.pop(qn(slot), None)
        for slot, name in FONT_SLOTS.items():
            fonts.set(qn(slot), name)


def _title_page(word, document):
    for _blank in range(6):
        word.add_paragraph()
    word.add_paragraph(printable(document.title), style="Title")
    if document.subtitle:
        word.add_paragraph(printable(document.subtitle), style="Subtitle")
    for line in document.scope:
        word.add_paragraph(printable(line))
    generated = document.generated_at
    if timezone.is_aware(generated):
        generated = timezone.localtime(generated)
    word.add_paragraph(_("Generated on %(date)s") % {"date": date_format(generated, "j F Y")})
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _contents(word, document):
    """A TOC field over Heading 1–3; until Word updates it, it shows the headings without pages."""
    word.add_paragraph(_("Contents"), style="TOC Heading")
    entries = [(section.title, section.level) for section in document.sections] or [
        (_("Update the field to show the table of contents."), 1)
    ]
    paragraphs = []
    for title, level in entries:
        paragraph = word.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.6 * (min(max(level, 1), 3) - 1))
        paragraphs.append((paragraph, title))
    first, last = paragraphs[0][0], paragraphs[-1][0]
    _field_start(first, r'TOC \o "1-3" \h \z \u')
    for paragraph, title in paragraphs:
        paragraph.add_run(printable(title))
    _field_char(last.add_run(), "end")
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _field_char(run, kind):
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run._r.append(char)


def _field_start(paragraph, instruction):
    _field_char(paragraph.add_run(), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    paragraph.add_run()._r.append(text)
    _field_char(paragraph.add_run(), "separate")


def _field(paragraph, instruction, shown_text):
    """A simple field (PAGE, NUMPAGES) showing `shown_text` until Word computes it."""
    _field_start(paragraph, instruction)
    paragraph.add_run(shown_text)
    _field_char(paragraph.add_run(), "end")


def _caption(word, text):
    caption = word.add_paragraph(printable(text), style="Caption")
    caption.paragraph_format.keep_with_next = True


def _chart(word, chart):
    """The chart's title, the chart as a PNG the width of the text, then its table."""
    _caption(word, chart.title)
    picture = word.add_paragraph()
    picture.paragraph_format.keep_with_next = True
    shape = picture.add_run().add_picture(io.BytesIO(chart_png(chart.svg)), width=TEXT_WIDTH)
    shape._inline.docPr.set("descr", printable(_alternative_text(chart)))
    _table(word, chart.table, caption=False)


def _alternative_text(chart):
    """The chart's title and the description its SVG carries for screen readers (iisg.analysis.charts)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    description = etree.fromstring(chart.svg.encode(), parser).findtext(SVG_DESC) or ""
    return f"{chart.title}. {description}" if description.strip() else chart.title


def _text(value, column):
    if isinstance(value, Link):
        return value.text
    return str(shown(value, column))


def _table(word, table, *, caption=True):
    if caption:
        _caption(word, table.title)
    if not table.rows:
        word.add_paragraph(_("None."), style=NOTE)
    else:
        grid = word.add_table(rows=0, cols=len(table.columns))
        grid.style = word.styles["Table Grid"]
        style = word.styles[TABLE_TEXT].style_id
        numeric = [column.numeric for column in table.columns]
        # Built as XML in one go: python-docx's cell API takes seconds for a few thousand rows.
        rows = [_row_xml([str(column.label) for column in table.columns], numeric, style, header=True)]
        rows += [
            _row_xml(
                [_text(value, column) for value, column in zip(values, table.columns, strict=True)], numeric, style
            )
            for values in table.rows
        ]
        if table.totals:
            rows.append(
                _row_xml(
                    [_text(value, column) for value, column in zip(table.totals, table.columns, strict=True)],
                    numeric,
                    style,
                    bold=True,
                )
            )
        grid._tbl.extend(parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(rows)}</w:tbl>"))
    for note in table.notes:
        word.add_paragraph(printable(note), style=NOTE)


def _row_xml(texts, numeric, style, *, header=False, bold=False):
    """A table row; the header row is bold, shaded, and repeated at the top of each page the
    table runs onto (w:tblHeader); a totals row is bold."""
    shading = '<w:shd w:val="clear" w:color="auto" w:fill="E7E9EE"/>' if header else ""
    bold = "<w:rPr><w:b/></w:rPr>" if header or bold else ""
    cells = "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/>{shading}</w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{RIGHT if right else ""}</w:pPr>'
        f'<w:r>{bold}<w:t xml:space="preserve">{escape(printable(text))}</w:t></w:r></w:p></w:tc>'
        for text, right in zip(texts, numeric, strict=True)
    )
    properties = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header else ""
    return f"<w:tr>{properties}{cells}</w:tr>"


def _footer(word, document):
    footer = word.sections[0].footer
    note = footer.paragraphs[0]
    if document.footnote:
        note.text = printable(document.footnote)
        note.style = NOTE
        pages = footer.add_paragraph()
    else:
        pages = note
    pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pages.add_run(f"{printable(document.title)} · {_('Page')} ")
    _field(pages, "PAGE", "1")
    pages.add_run(f" {_('of')} ")
    _field(pages, "NUMPAGES", "1")
    for run in pages.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x55, 0x5B, 0x66)
