"""Hostile workbooks sent to the back office's upload pages: each refused, quickly, with the sheet,
the limit and what was found, and nothing written. The files are made here, small, with the limits
lowered to match; one bomb is sent at the real limits."""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from iisg.core import workbook as wb
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs import workbook
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db
NEEDS_URL = "admin:needs_need_workbook_upload"


@pytest.fixture
def world():
    serbia = f.PartnerFactory(code="RS")
    pillar = f.PillarFactory(code="wbbsi")
    cycle = f.CycleFactory()
    f.AreaFactory(cycle=cycle, pillar=pillar, code="2.3")
    focal = f.UserFactory(roles=[Role.FOCAL_POINT])
    f.PersonFactory(user=focal, partner=serbia)
    return {"cycle": cycle, "focal": focal}


def template(world, rows=0, extra=()):
    """The needs workbook a focal point downloads, with `rows` new needs and `extra` cells per row
    beyond the template's columns."""
    book = load_workbook(io.BytesIO(workbook.build_workbook(user=world["focal"], cycle=world["cycle"])))
    sheet = book["Needs"]
    for n in range(rows):
        sheet.append([f"RS-{n}", "Serbia", "WBBSi", "2.3", None, None, f"Need {n}", None, "High", *extra])
    return wb.to_bytes(book)


def rezip(data, change):
    """The same file with its parts changed by `change(name, content) → content`, and parts added by
    `change(None, None) → {name: content}`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, change(entry.filename, source.read(entry.filename)))
        for name, content in (change(None, None) or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def upload(client, world, data):
    """Post the file to the upload page; the refusal shown, how long it took; nothing written."""
    client.force_login(world["focal"])
    before = Need.objects.count()
    start = time.perf_counter()
    page = client.post(
        reverse(NEEDS_URL),
        {"cycle": world["cycle"].pk, "file": SimpleUploadedFile("needs.xlsx", data, content_type=wb.XLSX_CONTENT_TYPE)},
    )
    seconds = time.perf_counter() - start
    assert page.status_code == 200
    assert "outcome" not in page.context, "a hostile file is refused whole, never read in part"
    assert Need.objects.count() == before
    return " ".join(page.context["form"].errors["file"]), seconds


def test_a_sheet_that_unpacks_past_the_limit_is_refused_by_its_name(client, world, settings):
    settings.WORKBOOK_MAX_PART_SIZE = 2 * wb.MB

    def bomb(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"</sheetData>", b"</sheetData>" + b" " * (3 * wb.MB))
        return content

    message, _seconds = upload(client, world, rezip(template(world), bomb))
    assert message.startswith("The sheet “Needs” unpacks to 3.0")
    assert "a sheet may unpack to at most 2.0" in message


def test_parts_that_unpack_past_the_limit_together_are_refused(client, world, settings):
    settings.WORKBOOK_MAX_UNPACKED_SIZE = 1 * wb.MB

    def padding(name, content):
        return {f"xl/media/padding{n}.xml": b" " * (300 * 1024) for n in range(4)} if name is None else content

    message, _seconds = upload(client, world, rezip(template(world), padding))
    assert message.startswith("The file unpacks to 1.")
    assert "a workbook may unpack to at most 1.0" in message


def test_a_part_whose_zip_directory_lies_about_its_size_is_refused_as_damaged(client, world):
    data = bytearray(rezip(template(world), lambda name, content: content))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        entry = archive.getinfo("xl/worksheets/sheet1.xml")
    # The central directory declares the sheet 100 bytes long: zipfile inflates no further and the
    # checksum of what it inflated then fails.
    name = b"xl/worksheets/sheet1.xml"
    directory = bytes(data).rindex(b"PK\x01\x02", 0, bytes(data).rindex(name))
    assert int.from_bytes(data[directory + 24 : directory + 28], "little") == entry.file_size
    data[directory + 24 : directory + 28] = (100).to_bytes(4, "little")
    message, _seconds = upload(client, world, bytes(data))
    assert "damaged" in message


def test_more_rows_than_the_limit_are_refused_whole(client, world, settings):
    settings.WORKBOOK_MAX_ROWS = 50
    message, _seconds = upload(client, world, template(world, rows=51))
    assert message == (
        "The sheet “Needs” has more than 50 rows; a workbook may have at most 50 rows a sheet. "
        "Split it into several workbooks."
    )


def test_cells_beyond_the_template_count_toward_the_limit_without_being_read(client, world, settings):
    settings.WORKBOOK_MAX_CELLS = 2_000
    message, _seconds = upload(client, world, template(world, rows=20, extra=["x"] * 200))
    assert message.startswith("The sheet “Needs” has more than 2,000 cells (every column counted")


def test_cells_beyond_the_template_are_ignored_within_the_limit(world):
    data = template(world, rows=3, extra=[None] * 30 + ["a note"])
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data, apply=False)
    assert outcome.ok, outcome.problems
    assert outcome.added == 3


def test_too_many_shared_texts_are_refused(client, world, settings):
    settings.WORKBOOK_MAX_CELLS = 1_000

    def strings(name, content):
        if name is None:
            texts = "".join(f"<si><t>{n}</t></si>" for n in range(1_001))
            return {
                "xl/sharedStrings.xml": f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{texts}</sst>'
            }
        if name == "xl/_rels/workbook.xml.rels":
            return content.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
            )
        return content

    message, _seconds = upload(client, world, rezip(template(world), strings))
    assert message == "The file holds more than 1,000 different texts: split it into several workbooks."


def test_a_styles_part_with_more_cell_formats_than_excel_allows_is_refused(client, world):
    def styles(name, content):
        if name == "xl/styles.xml":
            head, tail = content.split(b"</cellXfs>", 1)
            return head + b'<xf numFmtId="0"/>' * 64_001 + b"</cellXfs>" + tail
        return content

    message, seconds = upload(client, world, rezip(template(world), styles))
    assert message.startswith("The file has more than 64,000 cell formats")
    assert seconds < 5


def test_a_workbook_of_many_sheets_is_refused(client, world):
    def sheets(name, content):
        if name == "xl/workbook.xml":
            relationships = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
            many = b"".join(
                b'<sheet xmlns:r="%s" name="S%d" sheetId="%d" r:id="rId1"/>' % (relationships, n, n + 10)
                for n in range(101)
            )
            return content.replace(b"</sheets>", many + b"</sheets>")
        return content

    message, _seconds = upload(client, world, rezip(template(world), sheets))
    assert message == "The file has 104 sheets; a workbook may have at most 100."


def test_an_element_bomb_in_a_sheet_is_refused(client, world, settings):
    settings.WORKBOOK_MAX_CELLS = 1_000

    def junk(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"</sheetData>", b"</sheetData><x/>" * 1 + b"<y>" + b"<z/>" * 5_000 + b"</y>")
        return content

    message, _seconds = upload(client, world, rezip(template(world), junk))
    assert "holds more than 4,000 XML elements" in message


def test_a_200_mb_bomb_is_refused_at_the_real_limits_in_seconds(client, world):
    def bomb(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"</sheetData>", b"</sheetData>" + b" " * (199 * wb.MB))
        return content

    data = rezip(template(world), bomb)
    assert len(data) < 1 * wb.MB
    message, seconds = upload(client, world, data)
    assert message.startswith("The sheet “Needs” unpacks to 199.")
    assert seconds < 5


def test_the_actions_upload_refuses_a_bomb_too(client, settings):
    settings.WORKBOOK_MAX_PART_SIZE = 1 * wb.MB
    donor = f.UserFactory(roles=[Role.DONOR])
    f.PersonFactory(user=donor, organisation=f.OrganisationFactory())
    cycle = f.CycleFactory()
    client.force_login(donor)
    data = client.get(reverse("admin:actions_action_workbook_download"), {"cycle": cycle.pk}).content

    def bomb(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"</sheetData>", b"</sheetData>" + b" " * (2 * wb.MB))
        return content

    page = client.post(
        reverse("admin:actions_action_workbook_upload"),
        {"cycle": cycle.pk, "file": SimpleUploadedFile("actions.xlsx", rezip(data, bomb))},
    )
    assert "outcome" not in page.context
    assert " ".join(page.context["form"].errors["file"]).startswith("The sheet “Actions” unpacks to 2.0")
