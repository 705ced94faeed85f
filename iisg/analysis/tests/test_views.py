"""The support-mapping pages and downloads: who sees what, and that page, CSV and XLSX agree."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from iisg.analysis import selectors, tables
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.directory.models import KOSOVO_FOOTNOTE

from . import world

pytestmark = pytest.mark.django_db

MEMBER_PAGES = ["gaps", "overlaps", "donors", "priorities", "needs"]


@pytest.fixture
def w():
    return world.build()


@pytest.fixture
def member_client(client):
    client.force_login(f.UserFactory(roles=[Role.MEMBER]))
    return client


def scope_query(w, **extra):
    return {"cycle": w["cycle"].pk, "year": 2022, **extra}


def csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_public_dashboard_shows_aggregates_of_adopted_needs_only(client, w):
    response = client.get(reverse("analysis:dashboard"), scope_query(w))
    assert response.status_code == 200
    page = response.content.decode()
    total = response.context["total"]
    assert (total.needs, total.covered, total.gaps, total.overlaps) == (5, 2, 3, 1)
    assert "Need N3" not in page  # no need titles for the public
    assert reverse("analysis:gaps") not in page
    assert 'name="donor"' not in page
    assert "Kosovo*" in page
    assert str(KOSOVO_FOOTNOTE) in page


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_pages_ask_the_public_to_sign_in(client, w, name):
    response = client.get(reverse(f"analysis:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_partner_page_asks_the_public_to_sign_in(client, w):
    assert client.get(reverse("analysis:partner", args=["al"])).status_code == 302


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_pages_show_the_detail(member_client, w, name):
    response = member_client.get(reverse(f"analysis:{name}"), scope_query(w))
    assert response.status_code == 200


def test_gaps_page_lists_the_gaps_high_priority_first(member_client, w):
    response = member_client.get(reverse("analysis:gaps"), scope_query(w))
    rows = response.context["table"].rows
    assert [str(row[0]) for row in rows] == ["N3", "N6", "N4"]
    assert "Need N6" in response.content.decode()


def test_overlaps_page_shows_the_donors_side_by_side(member_client, w):
    page = member_client.get(reverse("analysis:overlaps"), scope_query(w)).content.decode()
    assert "Need N2" in page
    assert page.index("Border police training") < page.index("Green border surveillance")
    assert "Need N1" not in page


def test_partner_page_says_what_was_asked_who_answered_and_what_is_open(member_client, w):
    response = member_client.get(reverse("analysis:partner", args=["al"]), scope_query(w))
    page = response.content.decode()
    assert [need.reference for need in response.context["gaps"]] == ["N3"]
    assert "Border crossing equipment" in page
    assert "Need N2" in page
    assert "Need N6" not in page  # Kosovo*'s


def test_unknown_partner_is_not_found(member_client, w):
    assert member_client.get(reverse("analysis:partner", args=["zz"])).status_code == 404


def test_filters_that_do_not_exist_are_ignored(member_client, w):
    response = member_client.get(reverse("analysis:gaps"), {"cycle": "999", "year": "abc", "pillar": "nope"})
    assert response.status_code == 200
    assert response.context["scope"].cycle == w["cycle"]


def test_the_public_downloads_aggregates_but_not_the_detail(client, w):
    assert client.get(reverse("analysis:export", args=["partner-pillar", "csv"]), scope_query(w)).status_code == 200
    assert client.get(reverse("analysis:export", args=["gaps", "csv"]), scope_query(w)).status_code == 302
    assert client.get(reverse("analysis:export", args=["nothing", "csv"])).status_code == 404
    assert client.get(reverse("analysis:export", args=["funding", "pdf"])).status_code == 404


def test_page_csv_xlsx_and_selector_agree(member_client, w):
    """One calculation layer: the gaps page, its CSV, its XLSX and the selector give the same rows."""
    mapping = selectors.support_mapping(
        f.UserFactory(roles=[Role.MEMBER]), selectors.Scope(cycle=w["cycle"], year=2022)
    )
    expected = [need.reference for need in selectors.sort_by_priority(mapping.gaps)]
    page_rows = member_client.get(reverse("analysis:gaps"), scope_query(w)).context["table"].rows
    csv_file = csv_rows(member_client.get(reverse("analysis:export", args=["gaps", "csv"]), scope_query(w)))
    xlsx = load_workbook(
        io.BytesIO(member_client.get(reverse("analysis:export", args=["gaps", "xlsx"]), scope_query(w)).content)
    )
    sheet = xlsx.worksheets[0]
    assert [str(row[0]) for row in page_rows] == expected
    assert [row[0] for row in csv_file[1 : 1 + len(expected)]] == expected
    assert [sheet.cell(row, 1).value for row in range(2, 2 + len(expected))] == expected


def test_xlsx_has_typed_cells_a_frozen_header_filters_and_notes(member_client, w):
    response = member_client.get(reverse("analysis:export", args=["donors", "xlsx"]), scope_query(w))
    assert response["Content-Disposition"] == 'attachment; filename="iisg-donors-2021-2022-2022.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    sheet, notes = workbook.worksheets
    assert [cell.value for cell in sheet[1]][:2] == ["Donor", "Needs responded to"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"
    assert [sheet.cell(row, 1).value for row in (2, 3)] == ["Donor One", "Donor Two"]
    assert sheet.cell(2, 2).value == 2
    assert isinstance(sheet.cell(2, 6).value, float | int | Decimal)
    assert sheet.cell(2, 6).value == 500_000
    assert sheet.cell(2, 6).number_format == "#,##0.00"
    lines = [row[0].value for row in notes.iter_rows()]
    assert "Year: 2022" in lines


def test_csv_carries_the_scope_and_the_kosovo_footnote(member_client, w):
    rows = csv_rows(member_client.get(reverse("analysis:export", args=["gaps", "csv"]), scope_query(w)))
    assert rows[0][:3] == ["Reference", "Need", "Partner"]
    assert [row[2] for row in rows[1:4] if row[0] == "N6"] == ["Kosovo*"]
    assert [str(KOSOVO_FOOTNOTE)] in rows
    assert ["Year: 2022"] in rows


def test_text_that_a_spreadsheet_would_run_is_written_as_text(member_client, w):
    need = w["needs"]["N6"]
    need.title = '=HYPERLINK("http://evil.example","click")'
    need.save()
    rows = csv_rows(member_client.get(reverse("analysis:export", args=["gaps", "csv"]), scope_query(w)))
    assert [row[1] for row in rows if row and row[0] == "N6"] == ['\'=HYPERLINK("http://evil.example","click")']
    workbook = load_workbook(
        io.BytesIO(member_client.get(reverse("analysis:export", args=["gaps", "xlsx"]), scope_query(w)).content)
    )
    cell = next(row[1] for row in workbook.worksheets[0].iter_rows(min_row=2) if row[0].value == "N6")
    assert cell.data_type == "s"


def test_dashboard_chart_is_inline_svg_without_scripts_or_outside_links(client, w):
    page = client.get(reverse("analysis:dashboard"), scope_query(w)).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<script" not in svg
    assert "http://" not in svg.replace("http://www.w3.org", "")
    assert "https://" not in svg
    assert 'role="img"' in svg
    assert "<title" in svg
    assert "<desc" in svg


@pytest.mark.parametrize("name", ["dashboard", *MEMBER_PAGES])
def test_page_queries_stay_flat_as_the_data_grows(member_client, w, name, django_assert_max_num_queries):
    url = reverse(f"analysis:{name}")
    member_client.get(url, scope_query(w))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    selectors.forget_computed()  # measure the page that computes the mapping, not one that reuses it
    with CaptureQueriesContext(connection) as before:
        member_client.get(url, scope_query(w))
    for n in range(15):
        need = f.NeedFactory(cycle=w["cycle"], partner=w["kosovo"], pillar=w["borders"], area=None, status="adopted")
        action = f.ActionFactory()
        f.ActionOrganisationFactory(action=action)
        world._confirm(action, need)
        world._money(action, 2, 2022, 1000 + n)
    selectors.forget_computed()
    with django_assert_max_num_queries(len(before)):
        member_client.get(url, scope_query(w))


def test_long_tables_are_paged_on_screen_and_whole_in_downloads(member_client, w, monkeypatch):
    monkeypatch.setattr("iisg.analysis.views.ROWS_PER_PAGE", 2)
    first = member_client.get(reverse("analysis:gaps"), scope_query(w))
    assert [str(row[0]) for row in first.context["rows_page"]] == ["N3", "N6"]
    assert "Rows 1–2 of 3" in first.content.decode()
    second = member_client.get(reverse("analysis:gaps"), scope_query(w, page=2))
    assert [str(row[0]) for row in second.context["rows_page"]] == ["N4"]
    assert "page=2" not in second.context["query"]
    rows = csv_rows(member_client.get(reverse("analysis:export", args=["gaps", "csv"]), scope_query(w, page=2)))
    assert [row[0] for row in rows[1:4]] == ["N3", "N6", "N4"]


@pytest.mark.parametrize("name", sorted(tables.BUILDERS))
def test_every_table_downloads_as_csv_and_xlsx_with_its_columns(member_client, w, name):
    table = tables.BUILDERS[name](selectors.support_mapping(f.UserFactory(roles=[Role.MEMBER]), scope_of(w)))
    labels = [str(column.label) for column in table.columns]
    rows = csv_rows(member_client.get(reverse("analysis:export", args=[name, "csv"]), scope_query(w)))
    assert rows[0] == labels
    assert len(rows[1 : 1 + len(table.rows)]) == len(table.rows)
    response = member_client.get(reverse("analysis:export", args=[name, "xlsx"]), scope_query(w))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == labels
    assert sheet.max_row == 1 + len(table.rows) + (1 if table.totals else 0)  # the totals under the rows


def scope_of(w):
    return selectors.Scope(cycle=w["cycle"], year=2022)
