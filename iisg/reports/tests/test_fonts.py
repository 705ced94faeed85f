"""The reports print every script of the region, and Chinese, in the vendored Noto fonts
(reports/static/reports/fonts.css, `make vendor-fonts`), whatever fonts the machine has."""

import datetime
import io
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from iisg.analysis.tables import COUNT, Column, Table
from iisg.reports.chart_images import chart_png
from iisg.reports.document import Document, Paragraph, Section
from iisg.reports.pdf import StaticOnlyFetcher, render_pdf

# WeasyPrint renders for seconds and no database is touched: one database's run is enough.
pytestmark = pytest.mark.same_on_every_database

STATIC = Path(__file__).resolve().parents[1] / "static" / "reports"
SERBIAN = "Министарство унутрашњих послова"
GREEK = "Υπουργείο Προστασίας του Πολίτη"
CHINESE = "边境安全"
ALBANIAN = "Ministria e Punëve të Brendshme"
TEXTS = (SERBIAN, GREEK, CHINESE, ALBANIAN)


def font_urls():
    return re.findall(r'url\("([^"]+)"\)', (STATIC / "fonts.css").read_text())


def many_scripts():
    table = Table(
        name="ministries",
        title=f"{CHINESE} {GREEK}",
        columns=[Column("name", "Ministry"), Column("needs", "Needs", COUNT)],
        rows=[[text, number] for number, text in enumerate(TEXTS, start=1)],
    )
    return Document(
        kind="analysis",
        name="scripts",
        title=SERBIAN,
        subtitle=ALBANIAN,
        generated_at=datetime.datetime(2024, 5, 6, 7, 8, tzinfo=datetime.UTC),
        sections=[Section(f"1 {CHINESE}", 1, [Paragraph(" · ".join(TEXTS)), table], anchor="s-1")],
    )


def embedded_fonts(reader):
    """{name: how the font file is embedded} of every font on the pages."""
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            files = [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor]
            # "ABCDEF+Noto-Sans-Bold": the subset's tag, then the family and weight.
            fonts[str(font["/BaseFont"]).split("+")[-1]] = files
    return fonts


def test_every_script_is_printed_in_noto_and_its_text_is_in_the_pdf():
    reader = PdfReader(io.BytesIO(render_pdf(many_scripts())))
    fonts = embedded_fonts(reader)
    assert {"Noto-Sans", "Noto-Sans-Bold", "Noto-Sans-SC"} <= set(fonts)
    # Nothing else (no DejaVu for a missing glyph), and TrueType throughout: the vendored files, not
    # the OpenType CJK fonts a Debian machine may have installed.
    assert all(name.startswith("Noto-Sans") for name in fonts), fonts
    assert set(map(tuple, fonts.values())) == {("/FontFile2",)}
    text = " ".join(page.extract_text() for page in reader.pages)
    for words in TEXTS:
        assert words in text


def test_the_fonts_stylesheet_names_files_the_pdf_fetcher_serves():
    urls = font_urls()
    assert len(urls) == 5
    for url in urls:
        response = StaticOnlyFetcher().fetch(f"file:///static/reports/{url}")
        assert response.read(4) == b"\x00\x01\x00\x00"  # TrueType, read by WeasyPrint as it is


def test_the_vendored_fonts_cover_the_texts_and_stay_small():
    covered = {}
    for url in font_urls():
        font = TTFont(STATIC / url)
        covered[url] = set(font.getBestCmap())
    latin = covered["fonts/NotoSans-Regular.ttf"]
    chinese = covered["fonts/NotoSansSC-Regular.ttf"]
    assert all(ord(char) in latin for char in SERBIAN + GREEK + ALBANIAN)
    assert all(ord(char) in chinese for char in CHINESE)
    licences = sorted(path.name for path in (STATIC / "fonts").glob("*-OFL.txt"))
    assert licences == ["NotoSans-OFL.txt", "NotoSansSC-OFL.txt"]
    size = sum(path.stat().st_size for path in (STATIC / "fonts").iterdir())
    assert size < 15 * 1024 * 1024


def label(text):
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60">'
        "<style>text { font-family: system-ui, sans-serif; }</style>"
        f'<text x="5" y="40" font-size="24">{text}</text></svg>'
    )


def test_a_chart_drawn_for_word_shows_chinese_and_cyrillic_not_boxes():
    # A missing character is drawn as the same box whatever it is: two orders of the same
    # characters then give the same image.
    assert chart_png(label("边境安全")) != chart_png(label("安全边境"))
    assert chart_png(label("Министарство")) != chart_png(label("Ministarstvo"))
    assert chart_png(label("Министарство")) != chart_png(label("отсвратсиниМ"))
