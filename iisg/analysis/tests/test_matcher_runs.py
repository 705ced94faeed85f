"""The runs of the matcher in the back office, and the progress view the three job admins share."""

import pytest
from django.contrib import admin
from django.urls import reverse

import iisg.iati.admin
import iisg.reports.admin
import iisg.reports.tasks
from iisg.analysis.models import MatcherRun
from iisg.analysis.services import start_matching
from iisg.analysis.tasks import propose_responses_job
from iisg.core import jobs
from iisg.core.choices import Role
from iisg.core.jobs.admin import JobAdminMixin
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.iati.models import ImportRun
from iisg.reports.models import Report

from .test_proposals import action, need

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def progress_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }


@pytest.fixture
def boats_cycle():
    montenegro, borders = f.PartnerFactory(code="ME"), f.PillarFactory(code="wbbsi")
    wanted = need(f.CycleFactory(), montenegro, borders, "Patrol boats on Lake Skadar")
    action("Patrol boats on Lake Skadar", partners=[montenegro], pillars=[borders])
    return wanted.cycle


def test_a_matcher_run_is_seen_starting_and_ending_with_its_counts(
    client, boats_cycle, django_capture_on_commit_callbacks
):
    user = login(client, Role.SECRETARIAT)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_matching(cycle=boats_cycle, user=user)
    page = reverse("admin:analysis_matcherrun_change", args=[run.pk])
    progress = reverse("admin:analysis_matcherrun_progress", args=[run.pk])

    queued = client.get(page).content.decode()
    assert "Waiting for the worker to start the matcher." in queued
    assert f'data-progress-url="{progress}"' in queued
    assert client.get(progress).json()["status"] == "queued"

    with django_capture_on_commit_callbacks(execute=True):
        propose_responses_job.call(run.pk)

    done = client.get(page).content.decode()
    assert "data-progress-url" not in done
    assert '<th scope="row">Responses proposed</th><td>1</td>' in done
    assert '<th scope="row">Needs considered</th><td>1</td>' in done
    assert 'id="matcher-responses"' in done
    assert client.get(progress).json()["finished"] is True
    listing = client.get(reverse("admin:analysis_matcherrun_changelist")).content.decode()
    assert "1 proposed for 1 needs" in listing
    assert str(user) in listing


def test_a_running_matcher_shows_its_phase(client, boats_cycle, django_capture_on_commit_callbacks):
    user = login(client, Role.SECRETARIAT)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_matching(cycle=boats_cycle, user=user)
    run = jobs.start(MatcherRun, run.pk)
    jobs.record_progress(run, done=1, total=2, phase=MatcherRun.Phase.SAVING)

    state = client.get(reverse("admin:analysis_matcherrun_progress", args=[run.pk])).json()
    assert (state["status"], state["phase"], state["percent"], state["text"]) == (
        "running",
        "saving",
        50,
        "Saving the proposals",
    )


@pytest.mark.parametrize("role", [Role.MEMBER, Role.DONOR])
def test_only_the_secretariat_sees_the_matcher_runs(client, role, boats_cycle):
    run = MatcherRun.objects.create(cycle=boats_cycle, created_by=f.UserFactory(roles=[Role.SECRETARIAT]))
    login(client, role)
    assert client.get(reverse("admin:analysis_matcherrun_change", args=[run.pk])).status_code in (302, 403)
    assert client.get(reverse("admin:analysis_matcherrun_progress", args=[run.pk])).status_code in (302, 403)


def test_the_import_report_and_matcher_admins_share_one_progress_view_and_page():
    for model in (ImportRun, Report, MatcherRun):
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, JobAdminMixin)
        assert type(model_admin).progress_view is JobAdminMixin.progress_view
        assert type(model_admin).progress_state is JobAdminMixin.progress_state
    assert not hasattr(iisg.iati.admin, "progress_state"), "the IATI copy is gone"
    assert not hasattr(iisg.reports.admin, "progress_state"), "the reports copy is gone"
    assert not hasattr(iisg.reports.tasks, "read_progress")
