"""The reports in the back office: the list, the "Generate a report" form and its checks, the
report's page with its progress bar, JSON endpoint and download, publishing, and who may see any of it."""

import pytest
from django.urls import reverse

from iisg.core import jobs
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.governance.choices import MeetingBody, ProductStatus
from iisg.governance.models import Product
from iisg.reports import tasks
from iisg.reports.models import Report
from iisg.reports.tasks import generate_report

from .test_jobs import generated, queued, w  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reports_report_changelist")
GENERATE = reverse("admin:reports_report_add")


@pytest.fixture(autouse=True)
def progress_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }


def page_url(report):
    return reverse("admin:reports_report_change", args=[report.pk])


def progress_url(report):
    return reverse("admin:reports_report_progress", args=[report.pk])


def publish_url(report):
    return reverse("admin:reports_report_publish", args=[report.pk])


def test_the_secretariat_generates_a_report_and_follows_it(w, client, django_capture_on_commit_callbacks):  # noqa: F811
    secretariat = login(client, Role.SECRETARIAT)
    page = client.get(GENERATE)
    assert page.status_code == 200
    assert "Generate a report" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            GENERATE, {"kind": "needs", "format": "docx", "cycle": w["cycle"].pk, "pillar": w["terrorism"].pk}
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(report)
    assert report.requested_by == secretariat
    assert (report.kind, report.format, report.cycle, report.pillar) == ("needs", "docx", w["cycle"], w["terrorism"])

    content = client.get(page_url(report)).content.decode()
    assert f'data-progress-url="{progress_url(report)}"' in content
    assert '<progress id="report-progress" max="100" aria-describedby="report-progress-text">' in content
    assert "Waiting for the worker to start the report." in content
    assert "core/progress.js" in content
    assert '<meta http-equiv="refresh" content="5">' in content
    assert client.get(progress_url(report)).json()["finished"] is False

    generate_report.call(report.pk)

    state = client.get(progress_url(report)).json()
    assert state["finished"] is True
    assert state["status"] == "done"
    content = client.get(page_url(report)).content.decode()
    assert "data-progress-url" not in content
    download = reverse("reports:download", kwargs={"pk": report.pk})
    assert f'<a href="{download}" id="report-download" download>' in content
    assert "iisg-needs-mapping-2021-2022-wbcti.docx" in content
    assert client.get(download).status_code == 200


def test_a_running_report_shows_its_phase(w, client, django_capture_on_commit_callbacks):  # noqa: F811
    secretariat = login(client, Role.SECRETARIAT)
    report = queued(django_capture_on_commit_callbacks, secretariat, kind="response", fmt="pdf", year=2022)
    report = jobs.start(Report, report.pk)
    jobs.record_progress(report, done=2, total=3, phase=Report.Phase.STORING)

    state = client.get(progress_url(report)).json()
    assert (state["status"], state["phase"], state["percent"]) == ("running", "storing", 66)
    assert state["text"] == "Storing the file"
    content = client.get(page_url(report)).content.decode()
    assert "Running — Storing the file" in content
    assert 'value="66"' in content


def test_the_form_says_what_is_missing(w, client):  # noqa: F811
    login(client, Role.SECRETARIAT)
    response = client.post(GENERATE, {"kind": "needs", "format": "pdf"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Please correct the error below." in content
    assert "The needs mapping report needs a needs-mapping cycle." in content
    assert response.context["form"].errors == {"cycle": ["The needs mapping report needs a needs-mapping cycle."]}

    response = client.post(GENERATE, {"kind": "response", "format": "pdf", "pillar": w["borders"].pk})
    assert response.context["form"].errors == {"year": ["The response mapping report needs a year."]}

    response = client.post(GENERATE, {"kind": "response", "format": "odt", "year": "twenty"})
    assert set(response.context["form"].errors) == {"format", "year"}
    assert not Report.objects.exists()


def test_a_failed_report_shows_its_error(w, client, django_capture_on_commit_callbacks, monkeypatch):  # noqa: F811
    secretariat = login(client, Role.SECRETARIAT)
    monkeypatch.setitem(tasks.WRITERS, "pdf", lambda document: 1 / 0)
    report = queued(django_capture_on_commit_callbacks, secretariat, kind="response", fmt="pdf", year=2022)
    with pytest.raises(ZeroDivisionError):
        generate_report.call(report.pk)
    content = client.get(page_url(report)).content.decode()
    assert '<p class="errornote" id="report-failure">' in content
    assert "ZeroDivisionError: division by zero" in content
    assert "Traceback" not in content
    assert "Publish as adopted" not in content


def test_the_list_shows_each_report_with_its_download(w, client, django_capture_on_commit_callbacks):  # noqa: F811
    secretariat = login(client, Role.SECRETARIAT)
    done = generated(django_capture_on_commit_callbacks, secretariat, kind="needs", fmt="pdf", cycle=w["cycle"])
    waiting = queued(django_capture_on_commit_callbacks, secretariat, kind="response", fmt="xlsx", year=2022)

    content = client.get(CHANGELIST).content.decode()
    assert "Generate a report" in content
    assert reverse("reports:download", kwargs={"pk": done.pk}) in content
    assert "iisg-needs-mapping-2021-2022.pdf" in content
    assert page_url(waiting) in content
    assert "Queued" in content
    assert "Done" in content
    assert "2021–2022" in content


def test_the_list_makes_as_many_queries_for_many_reports(
    w,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    secretariat = login(client, Role.SECRETARIAT)
    queued(django_capture_on_commit_callbacks, secretariat, kind="needs", fmt="pdf", cycle=w["cycle"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)
    for _ in range(5):
        queued(
            django_capture_on_commit_callbacks,
            secretariat,
            kind="needs",
            fmt="pdf",
            cycle=w["cycle"],
            pillar=w["borders"],
        )
    with django_assert_max_num_queries(len(few)):
        client.get(CHANGELIST)


def test_the_secretariat_publishes_a_report_with_the_boards_decision(w, client, django_capture_on_commit_callbacks):  # noqa: F811
    secretariat = login(client, Role.SECRETARIAT)
    report = generated(django_capture_on_commit_callbacks, secretariat, kind="needs", fmt="pdf", cycle=w["cycle"])
    decision = f.DecisionFactory(meeting=f.MeetingFactory(body=MeetingBody.BOARD))
    f.DecisionFactory(meeting=f.MeetingFactory(body=MeetingBody.SUPPORT_GROUP, pillar=w["borders"], number=None))

    assert publish_url(report) in client.get(page_url(report)).content.decode()
    page = client.get(publish_url(report))
    assert page.status_code == 200
    assert [choice.pk for choice in page.context["form"].fields["decision"].queryset] == [decision.pk]

    assert client.post(publish_url(report), {}).context["form"].errors == {"decision": ["This field is required."]}

    response = client.post(publish_url(report), {"decision": decision.pk, "title": "Needs of the Western Balkans"})
    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.title, product.status, product.adopted_by) == (
        "Needs of the Western Balkans",
        ProductStatus.ADOPTED,
        decision,
    )
    content = client.get(page_url(report)).content.decode()
    assert product.get_absolute_url() in content
    assert publish_url(report) not in content, "published once"
    again = client.post(publish_url(report), {"decision": decision.pk})
    assert "already published" in again.content.decode()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR])
def test_members_read_reports_but_neither_generate_nor_publish(w, client, role, django_capture_on_commit_callbacks):  # noqa: F811
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    report = generated(django_capture_on_commit_callbacks, secretariat, kind="needs", fmt="pdf", cycle=w["cycle"])
    login(client, role)

    content = client.get(CHANGELIST).content.decode()
    assert "Generate a report" not in content
    assert client.get(GENERATE).status_code == 403
    assert client.post(GENERATE, {"kind": "response", "format": "pdf", "year": 2022}).status_code == 403
    assert publish_url(report) not in client.get(page_url(report)).content.decode()
    assert client.get(publish_url(report)).status_code == 403
    assert client.post(publish_url(report), {"decision": f.DecisionFactory().pk}).status_code == 403
    assert client.post(reverse("admin:reports_report_delete", args=[report.pk])).status_code == 403
    assert Report.objects.count() == 1
    assert not Product.objects.exists()


def test_the_back_office_of_reports_is_closed_to_logins_without_a_role(w, client, django_capture_on_commit_callbacks):  # noqa: F811
    report = generated(
        django_capture_on_commit_callbacks,
        f.UserFactory(roles=[Role.SECRETARIAT]),
        kind="needs",
        fmt="pdf",
        cycle=w["cycle"],
    )
    login(client)
    for url in [CHANGELIST, GENERATE, page_url(report), progress_url(report), publish_url(report)]:
        assert client.get(url).status_code == 403, url
    client.logout()
    for url in [CHANGELIST, GENERATE, page_url(report), publish_url(report)]:
        assert client.get(url)["Location"].startswith(reverse("admin:login")), url
