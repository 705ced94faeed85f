"""Each report generated from the demo and opened as its readers would: the PDF's text, the
workbook's sheets and cells, the Word document's headings and tables."""

import io

import docx
import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook
from pypdf import PdfReader

from iisg.directory.models import KOSOVO_FOOTNOTE, Partner, Pillar
from iisg.needs.choices import CycleKind
from iisg.needs.models import Cycle, Need
from iisg.reports.content import build
from iisg.reports.writers import WRITERS
from iisg.website.tests.fixtures import demo_site  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(demo_site):  # noqa: F811
    member = User.objects.get(username="member")
    cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022)
    given = {
        "needs": {"cycle": cycle},
        "response": {"year": 2022},
        "analysis": {"cycle": cycle, "year": 2022},
    }
    return {kind: build(kind, user=member, **arguments) for kind, arguments in given.items()}


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text):
    return " ".join(text.split())


@pytest.mark.parametrize("kind", ["needs", "response", "analysis"])
def test_the_pdf_names_the_partners_the_pillars_and_carries_the_footnote(documents, kind):
    text = flat(pdf_text(WRITERS["pdf"](documents[kind])))
    for partner in Partner.objects.all():
        assert partner.display_name in text
    for pillar in Pillar.objects.all():
        assert pillar.acronym in text
    assert flat(str(KOSOVO_FOOTNOTE)) in text


def test_the_needs_mapping_pdf_holds_a_known_need(documents):
    need = Need.objects.get(reference="AL-WBCTi-001", cycle__first_year=2021)  # the report's cycle
    text = flat(pdf_text(WRITERS["pdf"](documents["needs"])))
    assert need.reference in text
    assert flat(need.title) in text


@pytest.mark.parametrize("kind", ["needs", "response", "analysis"])
def test_the_workbook_has_a_sheet_per_table_with_its_rows_and_numbers(documents, kind):
    document = documents[kind]
    workbook = load_workbook(io.BytesIO(WRITERS["xlsx"](document)))
    tables = [table for _section, table in document.tables()]
    assert len(workbook.sheetnames) == 1 + len(tables)
    for sheet_name, table in zip(workbook.sheetnames[1:], tables, strict=True):
        sheet = workbook[sheet_name]
        assert [cell.value for cell in sheet[1]] == [str(column.label) for column in table.columns]
        body = list(sheet.iter_rows(min_row=2, max_row=1 + len(table.rows), values_only=True))
        assert len(body) == len(table.rows)
        for index, column in enumerate(table.columns):
            if column.numeric:
                assert all(isinstance(row[index], int | float) or row[index] is None for row in body)


def test_the_needs_workbook_lists_every_need_of_the_cycle(documents):
    workbook = load_workbook(io.BytesIO(WRITERS["xlsx"](documents["needs"])))
    annex = workbook["needs"]  # the annex's table; the summary's tables are named needs-…
    references = {row[0] for row in annex.iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(Need.objects.filter(cycle__first_year=2021).values_list("reference", flat=True)) <= references


@pytest.mark.parametrize("kind", ["needs", "response", "analysis"])
def test_the_word_document_opens_with_its_headings_and_tables(documents, kind):
    document = documents[kind]
    word = docx.Document(io.BytesIO(WRITERS["docx"](document)))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    for section in document.sections:
        assert section.title in headings
    assert len(word.tables) >= len(list(document.tables()))
