"""The IATI import in the back office: the upload form and its checks, the import's page with its
progress bar and JSON endpoint, the report once done, and who may see any of it."""

import codecs
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from iisg.actions.models import ExchangeRate
from iisg.core import jobs
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login, queries_for
from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.iati import progress
from iisg.iati.forms import ImportForm
from iisg.iati.models import CodelistEntry, ImportRun
from iisg.iati.tasks import run_import
from iisg.iati.tests.test_jobs import BROKEN, CAFOD, WORKED_EXAMPLE, queued_run, run_worker, upload_of

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:iati_importrun_changelist")
UPLOAD = reverse("admin:iati_importrun_add")
PARTNERS = ["AL", "BA", "XK", "ME", "MK", "RS"]


@pytest.fixture(autouse=True)
def progress_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }


@pytest.fixture
def partners():
    return [f.PartnerFactory(code=code) for code in PARTNERS]


def change_url(run):
    return reverse("admin:iati_importrun_change", args=[run.pk])


def progress_url(run):
    return reverse("admin:iati_importrun_progress", args=[run.pk])


def form_with(file, **data):
    return ImportForm({"countries": [], "sector_prefixes": "", **data}, {"file": file})


def file_errors(form):
    assert not form.is_valid()
    return form.errors["file"]


# The form


def test_the_form_offers_the_six_partners_ticked_with_kosovo_marked(partners):
    field = ImportForm()["countries"]
    assert field.field.choices == [
        ("AL", "Albania"),
        ("BA", "Bosnia and Herzegovina"),
        ("XK", "Kosovo*"),
        ("ME", "Montenegro"),
        ("MK", "North Macedonia"),
        ("RS", "Serbia"),
    ]
    assert field.initial == PARTNERS


def test_the_form_takes_an_iati_file_with_countries_and_sector_codes(partners):
    form = form_with(upload_of(WORKED_EXAMPLE), countries=["XK", "RS"], sector_prefixes=" 152, 15110 ,,152")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["countries"] == ["XK", "RS"]
    assert form.cleaned_data["sector_prefixes"] == ("152", "15110")


@pytest.mark.parametrize(
    "content",
    [
        codecs.BOM_UTF8 + b"\r\n\n  <?xml version='1.0'?><iati-activities/>",
        b"<iati-activities version='2.03'></iati-activities>",
        b"\n<iati-activity><iati-identifier>X</iati-identifier></iati-activity>",
        codecs.BOM_UTF16_LE + "\n<?xml version='1.0' encoding='UTF-16'?>".encode("utf-16-le"),
        codecs.BOM_UTF32_BE + "<iati-activities/>".encode("utf-32-be"),
    ],
    ids=["utf-8 bom and blank lines", "root", "single activity", "utf-16", "utf-32"],
)
def test_the_form_knows_an_xml_file_by_its_start(content):
    assert form_with(SimpleUploadedFile("activities.xml", content)).is_valid()


def test_the_form_refuses_a_file_that_is_not_xml_and_says_what_it_looks_like():
    pdf = SimpleUploadedFile("activities.xml", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert file_errors(form_with(pdf)) == [
        "“activities.xml” is not an IATI XML file: it looks like a PDF document. "
        "An activity file starts with <?xml or <iati-activities."
    ]
    html = SimpleUploadedFile("export.xml", b"<!DOCTYPE html><html><body>Sign in</body></html>")
    assert "it looks like an HTML or XML page" in file_errors(form_with(html))[0]
    spreadsheet = SimpleUploadedFile("activities.xlsx", b"PK\x03\x04" + b"\x00" * 40)
    assert "it looks like a ZIP archive" in file_errors(form_with(spreadsheet))[0]


def test_the_form_refuses_a_file_over_the_size_limit_by_its_size_alone(settings):
    settings.IATI_UPLOAD_MAX_BYTES = 1000
    assert file_errors(form_with(upload_of(WORKED_EXAMPLE))) == [
        "“worked-example.xml” is 2.6\xa0KB; an IATI file may be at most 1000\xa0bytes."
    ]
    # Not even its first bytes are judged: the size is the only reason given.
    big_pdf = SimpleUploadedFile("big.xml", b"%PDF-1.7\n" + b"0" * 2000)
    assert file_errors(form_with(big_pdf)) == ["“big.xml” is 2.0\xa0KB; an IATI file may be at most 1000\xa0bytes."]


def test_the_size_limit_is_said_next_to_the_file_field(settings):
    settings.IATI_UPLOAD_MAX_BYTES = 300 * 1024 * 1024
    assert ImportForm()["file"].help_text == "An XML file of IATI activities, at most 300.0\xa0MB."


def test_the_form_refuses_sector_codes_that_are_not_digits():
    form = form_with(upload_of(WORKED_EXAMPLE), sector_prefixes="152, 15a, 1234567, 110")
    assert not form.is_valid()
    assert form.errors["sector_prefixes"] == [
        "“15a”, “1234567”: a sector code is one to five digits, as in 15210 or 152."
    ]


# Uploading and following an import


def test_the_secretariat_uploads_a_file_and_follows_its_import(client, partners, django_capture_on_commit_callbacks):
    user = login(client, Role.SECRETARIAT)
    page = client.get(UPLOAD)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Upload IATI file" in content
    assert "Kosovo*" in content
    assert str(KOSOVO_FOOTNOTE) in content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(UPLOAD, {"file": upload_of(WORKED_EXAMPLE), "sector_prefixes": ""})

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == change_url(run)
    assert run.created_by == user
    assert run.countries == [], "no box ticked: every country"
    assert run.status == ImportRun.Status.QUEUED

    queued = client.get(change_url(run))
    content = queued.content.decode()
    assert "was uploaded; the import follows" in content
    assert '<label for="import-progress">Progress of the import</label>' in content
    assert '<progress id="import-progress" max="100" aria-describedby="import-progress-text">' in content
    assert "Waiting for the worker to start the import." in content
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in content
    assert re.search(r'<script src="[^"]*core/progress\.js" defer>', content)
    assert f'data-progress-url="{progress_url(run)}"' in content
    assert client.get(progress_url(run)).json()["status"] == "queued"

    run_import.call(run.pk)

    done = client.get(change_url(run))
    content = done.content.decode()
    assert "<progress" not in content
    assert "http-equiv" not in content
    assert 'id="import-counts"' in content
    assert re.search(r"<th scope=\"row\">Imported as new actions</th><td>1</td>", content)
    assert 'id="import-problems"' in content
    assert client.get(progress_url(run)).json() | {"text": ""} == {
        "status": "done",
        "status_label": "Done",
        "finished": True,
        "phase": "",
        "phase_label": "",
        "done": WORKED_EXAMPLE.stat().st_size,
        "total": WORKED_EXAMPLE.stat().st_size,
        "percent": 100,
        "text": "",
    }

    listing = client.get(CHANGELIST).content.decode()
    assert "worked-example.xml" in listing
    assert "1 new" in listing
    assert "Upload IATI file" in listing


def test_a_refused_upload_shows_nothing_but_the_form_again(client):
    login(client, Role.SECRETARIAT)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("notes.xml", b"Meeting notes"), "sector_prefixes": ""})
    assert response.status_code == 200
    assert "is not an IATI XML file" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_the_progress_endpoint_answers_how_far_a_running_import_has_got(client, django_capture_on_commit_callbacks):
    login(client, Role.SECRETARIAT)
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)
    run = jobs.start(ImportRun, run.pk)
    jobs.record_progress(run, done=1024 * 1024, total=4 * 1024 * 1024, phase=progress.Phase.READING)

    response = client.get(progress_url(run))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "status": "running",
        "status_label": "Running",
        "finished": False,
        "phase": "reading",
        "phase_label": "Reading the file",
        "done": 1024 * 1024,
        "total": 4 * 1024 * 1024,
        "percent": 25,
        "text": "Reading the file: 25% (1.0\xa0MB of 4.0\xa0MB)",
    }
    page = client.get(change_url(run)).content.decode()
    assert 'value="25"' in page
    assert "Reading the file: 25% (1.0\xa0MB of 4.0\xa0MB)" in page


def test_a_refused_file_shows_its_line_and_reason(client, django_capture_on_commit_callbacks):
    login(client, Role.SECRETARIAT)
    run = queued_run(BROKEN, django_capture_on_commit_callbacks)
    run_import.call(run.pk)

    content = client.get(change_url(run)).content.decode()
    assert 'id="import-refusal"' in content
    assert "The file was refused at line 4: Premature end of data" in content
    assert client.get(progress_url(run)).json()["status"] == "refused"


def test_many_problems_are_shown_a_page_at_a_time(client, django_capture_on_commit_callbacks):
    login(client, Role.SECRETARIAT)
    run = queued_run(CAFOD, django_capture_on_commit_callbacks)
    run_import.call(run.pk)
    run.refresh_from_db()
    problems = len(run.summary["problems"])
    assert problems > 200

    first = client.get(change_url(run))
    assert first.context["problems"].paginator.count == problems
    assert len(first.context["problems"].object_list) == 100
    content = first.content.decode()
    assert f"{problems} problems" in content
    assert f"Page 1 of {-(-problems // 100)}" in content
    assert content.count("<tr><td>Warning</td>") + content.count("<tr><td>Error</td>") == 100
    last = client.get(change_url(run), {"page": 99})
    assert last.context["problems"].number == -(-problems // 100)
    assert len(last.context["problems"].object_list) == (problems % 100 or 100)


def test_the_list_of_imports_costs_the_same_queries_for_many_rows(client):
    def make_runs(count):
        for n in range(count):
            user = f.UserFactory(roles=[Role.SECRETARIAT])
            ImportRun.objects.create(
                source_name=f"file-{n}.xml",
                created_by=user,
                status=ImportRun.Status.DONE,
                summary={"counts": {"read": 3, "imported": 2, "rejected": 1}, "problems": []},
            )

    login(client, Role.SECRETARIAT)
    make_runs(3)
    few = queries_for(client, CHANGELIST)
    make_runs(27)
    assert queries_for(client, CHANGELIST) == few
    assert "2 new, 1 rejected" in client.get(CHANGELIST).content.decode()


def test_an_import_is_not_edited_nor_deleted(client, django_capture_on_commit_callbacks):
    login(client, Role.SECRETARIAT)
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)
    page = client.get(change_url(run))
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    assert client.post(reverse("admin:iati_importrun_delete", args=[run.pk])).status_code == 403
    assert ImportRun.objects.filter(pk=run.pk).exists()


# Who may


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_other_roles_cannot_see_or_start_imports(client, role, django_capture_on_commit_callbacks):
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)
    login(client, role, partner=f.PartnerFactory(code="AL"), organisation=f.OrganisationFactory())

    for url in [CHANGELIST, UPLOAD, change_url(run), progress_url(run)]:
        assert client.get(url).status_code == 403, url
    assert client.post(UPLOAD, {"file": upload_of(WORKED_EXAMPLE)}).status_code == 403
    assert ImportRun.objects.count() == 1
    index = client.get(reverse("admin:index")).content.decode()
    assert CHANGELIST not in index


def test_anonymous_visitors_are_sent_to_the_login(client, django_capture_on_commit_callbacks):
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)
    for url in [CHANGELIST, UPLOAD, progress_url(run)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


# Codelists and exchange rates


def test_codelists_and_exchange_rates_are_read_with_search_and_filters_but_not_edited(client):
    CodelistEntry.objects.create(codelist="Sector", code="15210", name="Security system management and reform")
    CodelistEntry.objects.create(codelist="Sector", code="15110", name="Public sector policy")
    CodelistEntry.objects.create(codelist="Currency", code="EUR", name="Euro")
    ExchangeRate.objects.create(currency="USD", month="2024-01-01", value="1.09")
    ExchangeRate.objects.create(currency="GBP", month="2024-01-01", value="0.86")
    login(client, Role.MEMBER)

    codes = client.get(reverse("admin:iati_codelistentry_changelist"), {"codelist": "Sector", "q": "security"})
    assert [entry.code for entry in codes.context["cl"].result_list] == ["15210"]
    assert codes.context["has_add_permission"] is False
    rates = client.get(reverse("admin:actions_exchangerate_changelist"), {"currency": "USD"})
    assert [rate.currency for rate in rates.context["cl"].result_list] == ["USD"]
    entry = CodelistEntry.objects.get(code="EUR")
    assert (
        client.get(reverse("admin:iati_codelistentry_change", args=[entry.pk])).context["has_change_permission"]
        is False
    )
    assert client.get(reverse("admin:iati_codelistentry_add")).status_code == 403


# In a browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_secretariat_uploads_a_file_in_the_browser_and_reads_the_summary(
    live_server, page, assert_accessible, partners
):
    user = f.UserFactory(roles=[Role.SECRETARIAT], username="secretariat")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}{CHANGELIST}")
    page.get_by_role("link", name="Upload IATI file").click()
    expect(page.get_by_role("heading", name="Upload IATI file")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Kosovo*")).to_be_checked()
    assert_accessible(page)

    page.get_by_label("IATI activity file").set_input_files(str(WORKED_EXAMPLE))
    for code in PARTNERS:  # the worked example is for Haiti: every country
        page.locator(f"input[name=countries][value={code}]").uncheck()
    page.get_by_label("Sector codes").fill("")
    page.get_by_role("button", name="Upload and import").click()

    expect(page.get_by_label("Progress of the import")).to_be_visible()
    expect(page.locator("#import-state")).to_have_text("Queued")
    assert_accessible(page)

    run_worker()

    # progress.js sees the import finished and reloads the page, which then shows the report.
    expect(page.locator("#import-counts")).to_be_visible(timeout=10_000)
    expect(page.locator("#import-state")).to_have_text("Done")
    expect(page.get_by_role("row", name="Imported as new actions 1")).to_be_visible()
    expect(page.locator("#import-problems")).to_be_visible()
    assert_accessible(page)
    assert ImportRun.objects.get().status == ImportRun.Status.DONE
