import io
import time

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm

from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.reports.document import Chart
from iisg.reports.word import render_docx

from .test_xlsx import sample_document

pytestmark = pytest.mark.django_db


def rendered():
    return docx.Document(io.BytesIO(render_docx(sample_document())))


def instructions(element):
    return [text.text.strip() for text in element.iter(qn("w:instrText"))]


def test_title_page_then_contents_then_the_headings_in_order_and_level():
    word = rendered()
    styled = [(paragraph.style.name, paragraph.text) for paragraph in word.paragraphs if paragraph.text]
    assert styled[:5] == [
        ("Title", "Needs mapping 2021–2022"),
        ("Subtitle", "Report to the Board"),
        ("Normal", "Cycle: 2021–2022"),
        ("Normal", "Year: 2022"),
        ("Normal", "Generated on 6 May 2024"),
    ]
    assert [(style, text) for style, text in styled if style.startswith("Heading")] == [
        ("Heading 1", "Needs and their coverage"),
        ("Heading 2", "By pillar"),
        ("Heading 3", "Method"),
    ]
    assert 'TOC \\o "1-3" \\h \\z \\u' in instructions(word.element.body)
    assert word.settings.element.find(qn("w:updateFields")) is not None


def test_tables_have_their_rows_a_repeated_header_and_numbers_formatted_as_on_the_pages():
    word = rendered()
    # The empty table is a line saying so, not a table with a header alone.
    assert [len(table.rows) for table in word.tables] == [4, 4, 2]  # the second with its totals row
    for table in word.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])
    coverage = word.tables[0]
    assert [cell.text for cell in coverage.rows[0].cells][:4] == ["Reference", "Partner", "Need", "Active responses"]
    assert [cell.text for cell in coverage.rows[1].cells] == [
        "N1",
        "Kosovo*",
        "Border crossing equipment",
        "2",
        "€1,234,568",
        "50%",
        "2022-03-01",
    ]
    assert coverage.rows[2].cells[2].text == '=HYPERLINK("http://evil.example","click")'
    assert coverage.rows[1].cells[4].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert coverage.rows[1].cells[1].paragraphs[0].alignment is None


def pictures(word):
    """The document's inline pictures as (image part, docPr element, paragraph index)."""
    found = []
    for index, paragraph in enumerate(word.paragraphs):
        for inline in paragraph._p.iter(qn("wp:inline")):
            blip = next(inline.iter(qn("a:blip")))
            found.append((word.part.related_parts[blip.get(qn("r:embed"))], inline.docPr, index, inline.extent))
    return found


def test_each_chart_is_a_png_the_width_of_the_text_with_alternative_text_then_its_table():
    document = sample_document()
    word = docx.Document(io.BytesIO(render_docx(document)))
    charts = [block for section in document.sections for block in section.blocks if isinstance(block, Chart)]
    found = pictures(word)
    assert len(found) == len(charts) == 1
    (image, properties, index, extent) = found[0]
    assert image.blob[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.content_type == "image/png"
    assert len(image.blob) > 1000
    assert extent.cx == Cm(17)
    assert 0 < extent.cy < extent.cx
    # The chart's title and its SVG's description for screen readers.
    assert properties.get("descr").startswith("Covered share by pillar. Bar chart of committed and disbursed euros")
    assert word.paragraphs[index - 1].style.name == "Caption"
    assert word.paragraphs[index - 1].text == "Covered share by pillar"
    assert [cell.text for cell in word.tables[1].rows[2].cells] == ["WBCTi", "7", "86%"]


def test_a_totals_row_closes_its_table_in_bold():
    word = rendered()
    pillars = word.tables[1]
    assert [cell.text for cell in pillars.rows[-1].cells] == ["Total", "19", "47%"]
    assert all(run.bold for cell in pillars.rows[-1].cells for run in cell.paragraphs[0].runs)
    assert not any(run.bold for cell in pillars.rows[1].cells for run in cell.paragraphs[0].runs)
    # A table without totals ends with its last row, not bold.
    assert not any(run.bold for cell in word.tables[0].rows[-1].cells for run in cell.paragraphs[0].runs)


def test_text_is_set_in_noto_sans_and_chinese_in_noto_sans_sc_headings_included():
    word = rendered()
    defaults = word.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for properties in [defaults, word.styles["Heading 1"].element.rPr, word.styles["Title"].element.rPr]:
        fonts = properties.find(qn("w:rFonts"))
        assert {slot: fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "cs", "eastAsia")} == {
            "ascii": "Noto Sans",
            "hAnsi": "Noto Sans",
            "cs": "Noto Sans",
            "eastAsia": "Noto Sans SC",
        }
        assert not [name for name in fonts.attrib if name.endswith("Theme") or name.endswith("theme")]


def test_a_chart_that_is_not_svg_is_refused_with_a_clear_error():
    document = sample_document()
    document.sections[1].blocks = [Chart("Broken", "not an image", document.sections[1].blocks[0].table)]
    with pytest.raises(ValueError, match="The chart is not an SVG image that can be drawn"):
        render_docx(document)


def test_notes_the_footnote_and_page_numbers_are_in_the_document_and_its_footer():
    word = rendered()
    texts = [paragraph.text for paragraph in word.paragraphs]
    assert str(KOSOVO_FOOTNOTE) in texts  # the note of the table that names Kosovo*
    assert "Nothing to show." in texts
    assert texts[-1] == str(KOSOVO_FOOTNOTE)
    footer = word.sections[0].footer
    assert str(KOSOVO_FOOTNOTE) in [paragraph.text for paragraph in footer.paragraphs]
    assert "PAGE" in instructions(footer._element)


def test_rendering_a_report_of_thousands_of_rows_takes_a_few_seconds_at_most():
    document = sample_document()
    table = next(table for _section, table in document.tables())
    table.rows = table.rows * 1000
    started = time.perf_counter()
    word = docx.Document(io.BytesIO(render_docx(document)))
    assert time.perf_counter() - started < 10
    assert len(word.tables[0].rows) == 3001
