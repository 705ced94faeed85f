"""A person uploads a big workbook in the browser and follows its check to the end."""

import pytest
from playwright.sync_api import expect

from iisg.core.choices import Role
from iisg.core.models import WorkbookRun
from iisg.core.tests import factories as f
from iisg.core.tests.test_workbook_jobs import with_rows
from iisg.iati.tests.test_jobs import run_worker
from iisg.needs.choices import NeedStatus
from iisg.needs.models import Need


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    """Three data rows make a big workbook here; the progress goes to the test's own cache."""
    settings.WORKBOOK_BACKGROUND_ROWS = 2
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_focal_point_uploads_a_big_workbook_and_follows_its_check_to_done(
    live_server, page, assert_accessible, tmp_path
):
    serbia = f.PartnerFactory(code="RS")
    pillar = f.PillarFactory(code="wbbsi")
    cycle = f.CycleFactory()
    area = f.AreaFactory(cycle=cycle, pillar=pillar, code="2.3")
    focal = f.UserFactory(roles=[Role.FOCAL_POINT], username="focal")
    f.PersonFactory(user=focal, partner=serbia)
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, area=area, reference="RS-1", status=NeedStatus.DRAFT)
    workbook = tmp_path / "needs.xlsx"
    workbook.write_bytes(with_rows({"focal": focal, "cycle": cycle}, "RS-7", "RS-8"))

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(focal.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/needs/need/workbook/upload/")
    page.get_by_label("Workbook").set_input_files(str(workbook))
    page.get_by_role("button", name="Upload workbook").click()

    expect(page.get_by_label("Progress of the check")).to_be_visible()
    expect(page.locator("#workbook-state")).to_have_text("Queued")
    assert_accessible(page)
    assert not Need.objects.filter(reference="RS-7").exists()

    run_worker()

    # progress.js sees the check finished and reloads the page, which then shows the counts.
    expect(page.locator("#workbook-counts")).to_be_visible(timeout=10_000)
    expect(page.locator("#workbook-state")).to_have_text("Done")
    expect(page.locator("#workbook-counts")).to_contain_text("Added: 2")
    assert_accessible(page)
    assert WorkbookRun.objects.get().status == WorkbookRun.Status.DONE
    assert Need.objects.filter(reference__in=["RS-7", "RS-8"]).count() == 2
