"""The demo's needs mapping report as a Board member opens it: cover, contents on one page, the
executive summary next, the Kosovo* footnote once on every page, the Method quoting the adopted
decision in full, and totals rows in bold under their tables."""

import io
import re

import pytest
from django.contrib.auth.models import User
from pypdf import PdfReader

from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.governance.choices import ProductKind, ProductStatus
from iisg.governance.models import Product
from iisg.needs.choices import CycleKind
from iisg.needs.models import Cycle
from iisg.reports.content import build
from iisg.reports.pdf import _context, render_pdf
from iisg.website.tests.fixtures import demo_site  # noqa: F401

pytestmark = pytest.mark.django_db


def flat(text):
    return " ".join(text.split())


@pytest.fixture(scope="module")
def needs_report(demo_site, django_db_blocker):  # noqa: F811
    """The demo's needs report, its document and the text of each PDF page (WeasyPrint takes
    seconds: rendered once for the module)."""
    with django_db_blocker.unblock():
        member = User.objects.get(username="member")
        cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022)
        document = build("needs", user=member, cycle=cycle)
        pages = [flat(page.extract_text()) for page in PdfReader(io.BytesIO(render_pdf(document))).pages]
    return document, pages


def test_the_footnote_is_once_on_every_page_and_never_twice(needs_report):
    _document, pages = needs_report
    footnote = flat(str(KOSOVO_FOOTNOTE))
    naming_kosovo = [page for page in pages if "Kosovo*" in page.replace(footnote, "")]
    assert len(naming_kosovo) > 10
    for number, page in enumerate(pages, start=1):
        assert page.count(footnote) == 1, f"page {number}"


def test_the_contents_fit_one_page_and_the_summary_follows(needs_report):
    document, pages = needs_report
    assert pages[1].startswith("Contents")
    assert pages[2].startswith("1 Executive summary")
    chapters = [section.title for section in document.sections if section.level == 1]
    areas = [section.title for section in document.sections if section.level == 2]
    for title in chapters + areas:
        # Wrapped entries come back from the PDF with their line break as a space.
        assert flat(title) in pages[1], title
    # One entry per partner of each area would not fit: partners are not listed.
    partners = [section.title for section in document.sections if section.level == 3]
    assert partners
    assert not any(re.search(rf"{re.escape(title.split()[0])} ", pages[1]) for title in partners)


def test_the_method_quotes_the_adopting_decision_in_full(needs_report):
    document, pages = needs_report
    decision = (
        Product.objects.filter(
            kind=ProductKind.METHODOLOGY, status=ProductStatus.ADOPTED, title__icontains="needs mapping"
        )
        .select_related("adopted_by__meeting__event")
        .get()
        .adopted_by
    )
    assert len(decision.text) > 80  # what the back office's lists cut
    method = next(section for section in document.sections if section.title.endswith(" Method"))
    quoted = f"“{decision.meeting} – {decision.number}. {decision.text}”"
    assert quoted in method.blocks[0].text
    assert flat(quoted) in " ".join(pages)


def test_totals_rows_are_in_a_bold_table_footer(needs_report):
    document, _pages = needs_report
    summary = next(table for _section, table in document.tables() if table.name == "needs-summary")
    assert summary.totals[0] == "Total"
    assert summary.totals[-1] == sum(row[-1] for row in summary.rows) == 149
    context = _context(document)
    blocks = [block for section in context["sections"] for block in section["blocks"] if block.get("table")]
    footed = next(block["table"] for block in blocks if block["table"]["title"] == summary.title)
    assert footed["totals"][0] == ("Total", False)
    assert footed["totals"][-1] == ("149", True)
