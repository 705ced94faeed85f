"""A report as a Word document (python-docx): a title page, a table of contents, the sections
with their headings, paragraphs and tables, the footnote, and page numbers in the footer.

Figures are formatted as the pages show them (iisg.analysis.templatetags.analysis). Word cannot
show the charts' SVG, so a chart is its table, with a caption pointing to the PDF version. Every
text goes in through iisg.core.text.printable: a title holding a control character, stored before
text was cleaned on the way in, would otherwise make lxml refuse the whole document."""

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

from iisg.analysis.tables import Link, Table
from iisg.analysis.templatetags.analysis import cell as shown
from iisg.core.text import printable

from .document import Chart, Paragraph

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
                _caption(word, f"{block.title} ({_('chart in the PDF version')})")
                _table(word, block.table, caption=False)
            elif isinstance(block, Table):
                _table(word, block)
    if document.footnote:
        word.add_paragraph(printable(document.footnote), style=NOTE)
    _footer(word, document)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _set_up(word, document):
    page = word.sections[0]
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.left_margin = page.right_margin = Cm(2)
    page.top_margin = page.bottom_margin = Cm(2)
    word.core_properties.title = printable(document.title)
    word.core_properties.subject = printable(document.subtitle)
    word.core_properties.created = document.generated_at
    styles = word.styles
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
        grid._tbl.extend(parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(rows)}</w:tbl>"))
    for note in table.notes:
        word.add_paragraph(printable(note), style=NOTE)


def _row_xml(texts, numeric, style, *, header=False):
    """A table row; the header row is bold, shaded, and repeated at the top of each page the
    table runs onto (w:tblHeader)."""
    shading = '<w:shd w:val="clear" w:color="auto" w:fill="E7E9EE"/>' if header else ""
    bold = "<w:rPr><w:b/></w:rPr>" if header else ""
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
