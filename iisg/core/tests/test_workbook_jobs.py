"""A big workbook checked in the background: the upload queues a run, the job worker checks and
applies it through the same upload function, and its page follows the progress to the outcome."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from iisg.actions.models import Action
from iisg.core import jobs
from iisg.core import workbook as wb
from iisg.core.choices import Role
from iisg.core.errors import NotAllowed
from iisg.core.models import WorkbookRun
from iisg.core.tests import factories as f
from iisg.core.workbook.jobs import UPLOADS, Meter, check_workbook, count_rows, start_run
from iisg.needs import workbook
from iisg.needs.choices import NeedStatus
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db

UPLOAD = "admin:needs_need_workbook_upload"


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    """Three data rows make a big workbook here; the progress goes to the test's own cache."""
    settings.WORKBOOK_BACKGROUND_ROWS = 2
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }


@pytest.fixture
def world():
    serbia = f.PartnerFactory(code="RS")
    pillar = f.PillarFactory(code="wbbsi")
    cycle = f.CycleFactory()
    area = f.AreaFactory(cycle=cycle, pillar=pillar, code="2.3")
    focal = f.UserFactory(roles=[Role.FOCAL_POINT])
    f.PersonFactory(user=focal, partner=serbia)
    other_focal = f.UserFactory(roles=[Role.FOCAL_POINT])
    f.PersonFactory(user=other_focal, partner=f.PartnerFactory(code="AL"))
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, area=area, reference="RS-1", status=NeedStatus.DRAFT)
    return {"cycle": cycle, "focal": focal, "other_focal": other_focal,
            "secretariat": f.UserFactory(roles=[Role.SECRETARIAT])}  # fmt: skip


def with_rows(world, *references, partner="Serbia"):
    """The focal point's download with a new need appended for each reference."""
    book = load_workbook(io.BytesIO(workbook.build_workbook(user=world["focal"], cycle=world["cycle"])))
    sheet = book["Needs"]
    headers = [cell.value for cell in sheet[1]]
    for reference in references:
        values = {"Reference": reference, "Partner": partner, "Pillar": "WBBSi", "Area code": "2.3",
                  "Title": f"Scanners {reference}", "Priority": "High"}  # fmt: skip
        sheet.append([values.get(header) for header in headers])
    return wb.to_bytes(book)


def upload(client, world, data, capture):
    client.force_login(world["focal"])
    with capture(execute=False):
        return client.post(
            reverse(UPLOAD),
            {"cycle": world["cycle"].pk, "file": SimpleUploadedFile("needs.xlsx", data, wb.XLSX_CONTENT_TYPE)},
        )


def run_page(run):
    return reverse("admin:core_workbookrun_change", args=[run.pk])


def test_the_rows_of_the_sheets_read_are_counted_without_their_header(world):
    data = with_rows(world, "RS-7", "RS-8")
    assert count_rows(data, ["Needs"]) == 3
    assert count_rows(data, ["Needs", "Areas"]) == 4


def test_a_workbook_above_the_threshold_is_queued_not_applied_in_the_request(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(world["focal"])
        response = client.post(
            reverse(UPLOAD),
            {
                "cycle": world["cycle"].pk,
                "file": SimpleUploadedFile("needs.xlsx", with_rows(world, "RS-7", "RS-8"), wb.XLSX_CONTENT_TYPE),
            },
        )
    run = WorkbookRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run_page(run)
    assert (run.status, run.workbook, run.rows, run.created_by) == ("queued", "needs", 3, world["focal"])
    assert run.choices == {"cycle": {"model": "needs.cycle", "pk": world["cycle"].pk}}
    assert not Need.objects.filter(reference__in=["RS-7", "RS-8"]).exists()
    assert DBTaskResult.objects.get().task_path == "iisg.core.workbook.jobs.check_workbook"


def test_the_job_applies_the_workbook_through_the_services_and_records_the_counts(
    client, world, django_capture_on_commit_callbacks
):
    upload(client, world, with_rows(world, "RS-7", "RS-8"), django_capture_on_commit_callbacks)
    run = WorkbookRun.objects.get()
    assert check_workbook.call(run.pk) == WorkbookRun.Status.DONE
    run.refresh_from_db()
    assert (run.added, run.changed, run.unchanged, run.problems) == (2, 0, 1, [])
    added = Need.objects.get(reference="RS-7")
    assert added.history.first().history_user == world["focal"]
    page = client.get(run_page(run)).content.decode()
    assert "The workbook was applied." in page
    assert "Added: 2" in page
    assert "Unchanged: 1" in page
    assert check_workbook.call(run.pk) is None  # delivered twice, run once
    assert Need.objects.filter(reference="RS-7").count() == 1


def test_a_refused_workbook_records_its_problems_and_only_its_uploader_gets_the_annotated_copy(
    client, world, django_capture_on_commit_callbacks
):
    upload(client, world, with_rows(world, "RS-7", "RS-8", partner="Sebria"), django_capture_on_commit_callbacks)
    run = WorkbookRun.objects.get()
    assert check_workbook.call(run.pk) == WorkbookRun.Status.REFUSED
    run.refresh_from_db()
    assert not Need.objects.filter(reference__in=["RS-7", "RS-8"]).exists()
    assert {(p["row"], p["coordinate"]) for p in run.problems} == {(3, "B3"), (4, "B4")}
    page = client.get(run_page(run))
    assert "unknown partner “Sebria”; did you mean Serbia?" in page.content.decode()
    annotated = client.get(page.context["annotated_url"])
    book = load_workbook(io.BytesIO(b"".join(annotated.streaming_content)))
    assert book.sheetnames[0] == "Errors"
    other = client.__class__()
    other.force_login(world["secretariat"])
    assert "Sebria" in other.get(run_page(run)).content.decode()  # the Secretariat sees the run…
    assert other.get(page.context["annotated_url"]).status_code == 404  # …not the uploader's file


def test_a_run_whose_uploader_lost_their_login_is_refused_and_writes_nothing(
    client, world, django_capture_on_commit_callbacks
):
    upload(client, world, with_rows(world, "RS-7", "RS-8"), django_capture_on_commit_callbacks)
    run = WorkbookRun.objects.get()
    world["focal"].delete()
    assert check_workbook.call(run.pk) == WorkbookRun.Status.REFUSED
    run.refresh_from_db()
    assert run.error == "The person who uploaded the workbook no longer has a login."
    assert not Need.objects.filter(reference="RS-7").exists()


def test_another_focal_point_cannot_see_the_run(client, world, django_capture_on_commit_callbacks):
    upload(client, world, with_rows(world, "RS-7", "RS-8"), django_capture_on_commit_callbacks)
    run = WorkbookRun.objects.get()
    client.force_login(world["other_focal"])
    response = client.get(run_page(run))
    assert response.status_code in (302, 403, 404)
    assert "RS-7" not in response.content.decode()
    progress = client.get(reverse("admin:core_workbookrun_progress", args=[run.pk]))
    assert progress.status_code in (403, 404)


def test_the_page_shows_the_progress_while_the_workbook_is_checked(client, world, django_capture_on_commit_callbacks):
    upload(client, world, with_rows(world, "RS-7", "RS-8"), django_capture_on_commit_callbacks)
    run = WorkbookRun.objects.get()
    assert "Waiting for the worker to start checking the workbook." in client.get(run_page(run)).content.decode()
    run = jobs.start(WorkbookRun, run.pk)
    Meter(run)("checking", done=1, total=2)
    page = client.get(run_page(run)).content.decode()
    assert "Checking the rows: 3 rows" in page
    state = client.get(reverse("admin:core_workbookrun_progress", args=[run.pk])).json()
    assert (state["phase"], state["percent"], state["finished"]) == ("checking", 50, False)


def test_a_workbook_at_the_threshold_is_applied_in_the_request(client, world, settings):
    settings.WORKBOOK_BACKGROUND_ROWS = 3
    client.force_login(world["focal"])
    page = client.post(
        reverse(UPLOAD),
        {
            "cycle": world["cycle"].pk,
            "file": SimpleUploadedFile("needs.xlsx", with_rows(world, "RS-7", "RS-8"), wb.XLSX_CONTENT_TYPE),
        },
    )
    assert page.status_code == 200
    assert page.context["outcome"].added == 2
    assert Need.objects.filter(reference="RS-7").exists()
    assert not WorkbookRun.objects.exists()


def test_both_workbooks_are_registered_with_the_sheets_their_upload_reads():
    assert UPLOADS["needs"].sheets == ("Needs",)
    assert UPLOADS["actions"].sheets == ("Actions", "Budgets", "Transactions", "Responses")
    assert UPLOADS["needs"].model is Need
    assert UPLOADS["actions"].model is Action


def test_a_run_is_refused_to_who_may_not_upload_the_workbook_and_nothing_is_kept(world, tmp_path, settings):
    settings.DOCUMENTS_ROOT = tmp_path / "documents"
    donor = f.UserFactory(roles=[Role.DONOR])
    data = with_rows(world, "RS-2", "RS-3", "RS-4")

    with pytest.raises(NotAllowed):
        start_run(user=donor, workbook="needs", choices={"cycle": world["cycle"]}, name="needs.xlsx", data=data, rows=3)

    assert not WorkbookRun.objects.exists()
    assert not list((tmp_path / "documents").rglob("*.xlsx"))
    assert not DBTaskResult.objects.exists()
