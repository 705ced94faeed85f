"""The same report gives the same bytes, whenever it is written: a Board pack rebuilt years later is
compared byte for byte with the file the Board read."""

import datetime
import io
import time
import zipfile

import docx
import pytest
from openpyxl import load_workbook

from iisg.reports.reproducible import with_fixed_dates, zip_date_time
from iisg.reports.word import render_docx
from iisg.reports.xlsx import render_xlsx

from .test_xlsx import every_kind_of_chart, sample_document

pytestmark = pytest.mark.django_db

GENERATED = (2024, 5, 6, 7, 8, 0)  # sample_document's generated_at, 07:08 UTC

# ZIP entries keep the time to two seconds: a wait longer than that gives the clock's time away.
LONGER_THAN_ZIP_RESOLUTION = 2.1


def entry_dates(archive):
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {entry.date_time for entry in opened.infolist()}


@pytest.mark.parametrize("render", [render_xlsx, render_docx], ids=["xlsx", "docx"])
def test_the_same_document_gives_the_same_bytes_a_moment_later(render):
    document = sample_document()
    document.sections.append(every_kind_of_chart().sections[0])
    first = render(document)
    time.sleep(LONGER_THAN_ZIP_RESOLUTION)
    assert render(document) == first
    assert entry_dates(first) == {GENERATED}


def test_the_workbook_and_the_word_document_are_dated_by_the_report_not_the_clock():
    document = sample_document()
    properties = load_workbook(io.BytesIO(render_xlsx(document))).properties
    assert properties.created == properties.modified == datetime.datetime(2024, 5, 6, 7, 8)
    core = docx.Document(io.BytesIO(render_docx(document))).core_properties
    assert core.created == core.modified == datetime.datetime(2024, 5, 6, 7, 8, tzinfo=datetime.UTC)


def test_zip_dates_are_utc_rounded_to_two_seconds_and_never_before_1980():
    paris = datetime.timezone(datetime.timedelta(hours=2))
    assert zip_date_time(datetime.datetime(2024, 5, 6, 9, 8, 7, tzinfo=paris)) == (2024, 5, 6, 7, 8, 6)
    assert zip_date_time(datetime.datetime(1970, 1, 1)) == (1980, 1, 1, 0, 0, 0)


def test_fixed_dates_keep_the_entries_their_order_and_their_compression():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("b.xml", "<b/>", compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("a.png", b"\x89PNG", compress_type=zipfile.ZIP_STORED)
    fixed = with_fixed_dates(out.getvalue(), datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC))
    with zipfile.ZipFile(io.BytesIO(fixed)) as archive:
        entries = [(entry.filename, entry.compress_type, entry.date_time) for entry in archive.infolist()]
        assert archive.read("b.xml") == b"<b/>"
    assert entries == [
        ("b.xml", zipfile.ZIP_DEFLATED, (2024, 5, 6, 7, 8, 8)),
        ("a.png", zipfile.ZIP_STORED, (2024, 5, 6, 7, 8, 8)),
    ]
