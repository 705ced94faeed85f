import datetime
import io
import re
import socket
from decimal import Decimal

import pytest
from pypdf import PdfReader

from iisg.analysis.charts import funding_chart
from iisg.analysis.selectors import YearFunding
from iisg.analysis.tables import COUNT, MONEY, SHARE, Column, Link, Table
from iisg.core.tests.factories import PartnerFactory
from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.reports.document import Chart, Document, Paragraph, Section
from iisg.reports.pdf import StaticOnlyFetcher, render_pdf

# WeasyPrint renders for seconds and no database is touched: one database's run is enough.
pytestmark = pytest.mark.same_on_every_database

ROWS = 160


def _document():
    partners = [PartnerFactory.build(code=code) for code in ("AL", "XK", "RS")]
    years = [
        YearFunding(year, Decimal(1_000_000 * (year - 2018)), Decimal(400_000 * (year - 2018)))
        for year in (2019, 2020, 2021, 2022)
    ]
    columns = [
        Column("need", "Need"),
        Column("partner", "Partner"),
        Column("committed", "Committed (EUR)", MONEY),
        Column("actions", "Actions", COUNT),
        Column("covered", "Covered", SHARE),
    ]
    rows = [
        [
            Link(f"Need {index:03d}", f"/needs/{index}/"),
            partners[index % 3],
            Decimal("1234.56") * index,
            index % 7,
            Decimal(index % 5) / 4,
        ]
        for index in range(1, ROWS + 1)
    ]
    funding = Table(
        "funding",
        "Funding by year",
        [Column("year", "Year"), Column("committed", "Committed", MONEY), Column("disbursed", "Disbursed", MONEY)],
        [[row.year, row.committed, row.disbursed] for row in years],
    )
    return Document(
        kind="analysis",
        name="iisg-analysis-test",
        title="Analysis report",
        subtitle="Support mapping for the Board",
        generated_at=datetime.datetime(2024, 5, 6, 10, 0, tzinfo=datetime.UTC),
        scope=["Cycle: 2021-2022", "Year: 2022"],
        sections=[
            Section("1 Overview", 1, [Paragraph("How far the support answers the needs of the partners.")]),
            Section("2 Funding", 1, [Chart("Funding over time", funding_chart(years), funding)]),
            Section("2.1 Needs by partner", 2, [Table("needs", "Needs and their support", columns, rows)]),
            Section("3 Method", 1, [Paragraph("Coverage counts confirmed responses.")]),
        ],
        footnote=str(KOSOVO_FOOTNOTE),
    )


@pytest.fixture(scope="module")
def pages():
    """The text of each page of the test document's PDF (rendered once: WeasyPrint takes seconds)."""
    reader = PdfReader(io.BytesIO(render_pdf(_document())))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def _page_of(pages, text):
    return next(index for index, page in enumerate(pages) if text in page)


def test_pdf_opens_with_the_title_on_the_cover_without_header_or_page_number(pages):
    cover = pages[0]
    assert "Analysis report" in cover
    assert "Support mapping for the Board" in cover
    assert "Cycle: 2021-2022" in cover
    assert "INTEGRATIVE INTERNAL SECURITY GOVERNANCE" in cover.upper()
    assert "6 May 2024" in cover
    assert "Page 1 of" not in cover
    assert cover.count("Analysis report") == 1


def test_every_page_after_the_cover_has_the_title_and_page_x_of_y(pages):
    for number, page in enumerate(pages[1:], start=2):
        assert "Analysis report" in page
        assert f"Page {number} of {len(pages)}" in page


def test_kosovo_carries_its_asterisk_and_the_footnote_is_once_on_every_page(pages):
    footnote = " ".join(str(KOSOVO_FOOTNOTE).split())
    assert any("Kosovo*" in page for page in pages)
    for page in pages:
        # In the footer only: the note the table carries for its CSV and XLSX files is not repeated.
        assert page.count(footnote) == 1


def test_sections_are_numbered_and_listed_in_the_contents_with_their_page(pages):
    toc = pages[1]
    assert "Contents" in toc
    for number, title in (("1", "Overview"), ("2", "Funding"), ("2.1", "Needs by partner"), ("3", "Method")):
        heading_page = next(index for index, page in enumerate(pages[2:], start=2) if f"{number} {title}" in page) + 1
        entry = re.search(rf"{re.escape(number)} {title}[ .]*?(\d+)", toc)
        assert entry, title
        assert int(entry[1]) == heading_page


def test_a_long_table_spans_pages_and_repeats_its_header_row(pages):
    first, last = _page_of(pages, "Need 001"), _page_of(pages, f"Need {ROWS:03d}")
    assert last > first
    for page in pages[first : last + 1]:
        assert "Need Partner Committed (EUR) Actions Covered" in page


def test_figures_are_formatted_as_on_the_pages(pages):
    text = " ".join(pages)
    assert "€1,235" in text  # 1234.56 in whole euros
    assert "€197,530" in text  # 160 × 1234.56
    assert "75%" in text
    assert "/needs/1/" not in text  # a link is its text on paper


def test_chart_is_on_the_page_of_its_table(pages):
    page = pages[_page_of(pages, "Funding by year")]
    assert "Funding over time" in page  # the SVG's own title, drawn as text
    assert "2022 €4,000,000 €1,600,000" in page


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/logo.png",
        "http://127.0.0.1:8000/static/reports/report.css",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "file:///static/../../etc/passwd",
        "file:///static/reports/missing.css",
        "file://example.org/static/reports/report.css",
    ],
)
def test_fetcher_refuses_anything_but_static_files_and_data(url):
    with pytest.raises(ValueError, match="only its static files"):
        StaticOnlyFetcher().fetch(url)


def test_fetcher_serves_the_report_stylesheet_and_data_uris():
    css = StaticOnlyFetcher().fetch("file:///static/reports/report.css")
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    assert StaticOnlyFetcher().fetch("data:text/plain,hello").read() == b"hello"


def test_render_reaches_no_network_even_for_a_remote_image_in_a_chart(monkeypatch):
    attempts = []
    monkeypatch.setattr(socket, "create_connection", lambda *args, **kwargs: attempts.append(args))
    monkeypatch.setattr(socket.socket, "connect", lambda *args, **kwargs: attempts.append(args))
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<image href="https://example.org/x.png" width="10" height="10"/></svg>'
    )
    table = Table("t", "T", [Column("a", "A")], [["x"]])
    document = Document("analysis", "n", "Remote", "", datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    document.sections = [
        Section("1 One", 1, [Chart("Chart", svg, table), Paragraph('<img src="https://example.org/y.png">')])
    ]
    text = PdfReader(io.BytesIO(render_pdf(document))).pages[2].extract_text()
    assert attempts == []
    assert '<img src="https://example.org/y.png">' in text  # a paragraph is text, never markup


def test_a_table_too_wide_for_a_portrait_page_turns_its_section_to_landscape():
    columns = [Column(f"text{n}", f"Text {n}") for n in range(6)] + [Column(f"n{n}", f"N {n}", COUNT) for n in range(6)]
    wide = Table(
        name="wide", title="A wide table", columns=columns, rows=[[f"t{n}" for n in range(6)] + list(range(6))]
    )
    narrow = Table(name="narrow", title="A narrow table", columns=columns[:3], rows=[["a", "b", "c"]])
    document = Document(
        kind="analysis",
        name="layout",
        title="Layout",
        subtitle="",
        generated_at=datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC),
        sections=[
            Section("1 Narrow", blocks=[narrow], anchor="s-1"),
            Section("2 Wide", blocks=[wide], anchor="s-2"),
        ],
    )
    reader = PdfReader(io.BytesIO(render_pdf(document)))
    shapes = {}
    for page in reader.pages:
        box = page.mediabox
        for title in ("A narrow table", "A wide table"):
            if title in page.extract_text():
                shapes[title] = "landscape" if box.width > box.height else "portrait"
    assert shapes == {"A narrow table": "portrait", "A wide table": "landscape"}


def _embedded_fonts(pdf):
    """The base names of the fonts the PDF's pages embed, without their subset prefix ("ABCDEF+")."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def test_chinese_text_is_drawn_with_a_font_that_has_its_characters():
    """An organisation named in Chinese showed as empty boxes: DejaVu has no CJK glyphs. The reports
    carry their own Noto Sans SC (iisg/reports/static/reports/fonts/), whatever the system has."""
    document = Document(
        kind="analysis",
        name="iisg-cjk-test",
        title="Analysis report",
        subtitle="Donors",
        generated_at=datetime.datetime(2024, 5, 6, 10, 0, tzinfo=datetime.UTC),
        scope=[],
        sections=[Section("1 Donors", 1, [Paragraph("中国国家移民管理局 (北京) – Border police cooperation")])],
        footnote=str(KOSOVO_FOOTNOTE),
    )
    pdf = render_pdf(document)

    fonts = _embedded_fonts(pdf)
    assert any(name.replace("-", "").startswith("NotoSansSC") for name in fonts), fonts
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "中国国家移民管理局 (北京)" in text
