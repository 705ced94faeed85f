"""The Secretariat generates a report in the back office in a real browser (Debian's Chromium
through Playwright): the form, the progress of the job, the download; axe-core on each page."""

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from iisg.analysis.tests import world
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.iati.tests.test_jobs import run_worker
from iisg.reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_secretariat_generates_a_report_follows_it_and_downloads_it(live_server, page, assert_accessible):
    world.build()
    user = f.UserFactory(roles=[Role.SECRETARIAT], username="secretariat")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/admin/reports/report/add/")
    page.get_by_label("Report:", exact=True).select_option("needs")
    page.get_by_label("Format").select_option("xlsx")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("The needs mapping report needs a needs-mapping cycle.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Format").select_option("pdf")
    page.get_by_label("Needs-mapping cycle").select_option(label="Needs mapping 2021–2022")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_label("Progress of the report")).to_be_visible()
    assert_accessible(page)

    run_worker()

    # progress.js sees the job finished and reloads the page, which then offers the file.
    download_link = page.locator("#report-download")
    expect(download_link).to_be_visible(timeout=15_000)
    assert_accessible(page)
    with page.expect_download() as download:
        download_link.click()
    pdf = PdfReader(str(download.value.path()))
    assert "Needs mapping report" in pdf.pages[0].extract_text()
    assert Report.objects.get().status == Report.Status.DONE
