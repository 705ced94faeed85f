"""Jobs whose worker dies do not stay "running" for ever (iisg.core.jobs, manage.py job_worker): an
expired lease has the run marked failed by the next worker, a stop signal fails the running import at
once, and the Secretariat marks a stuck run failed from the back office."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from iisg.actions.models import Action
from iisg.core import jobs
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.iati.generator import generate
from iisg.iati.models import ImportRun
from iisg.iati.services import start_import
from iisg.iati.tasks import run_import

from .test_jobs import WORKED_EXAMPLE, queued_run, upload_of

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:iati_importrun_changelist")
LEASE = 2  # seconds, in these tests
STOP_BOUND = 10  # seconds: what the Makefile and docs/operations.md promise


@pytest.fixture(autouse=True)
def shared_cache(settings, tmp_path):
    """The cache the test and the worker processes share, in the test's own folder."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }
    settings.JOB_LEASE_SECONDS = LEASE


def running(run, *, lease_left):
    """`run` started by a worker whose lease ends `lease_left` from now (negative: expired)."""
    run = jobs.start(ImportRun, run.pk)
    jobs.forget(run)  # no renewal: the lease in force is the record's
    ImportRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() + lease_left)
    run.refresh_from_db()
    return run


# The recovery


def test_a_run_whose_lease_expired_is_marked_failed_by_the_recovery(django_capture_on_commit_callbacks):
    run = running(queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks), lease_left=timedelta(seconds=-1))

    assert jobs.fail_expired(ImportRun) == 1

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.error == "The worker running this stopped before it ended; nothing of it was kept. Start it again."
    assert run.finished_at is not None
    assert run.lease_expires_at is None


def test_a_run_with_a_live_lease_is_left_running(django_capture_on_commit_callbacks):
    run = running(queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks), lease_left=timedelta(seconds=30))

    assert jobs.fail_expired() == 0

    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING


def test_a_lease_renewed_by_the_heartbeat_keeps_the_run_running(django_capture_on_commit_callbacks):
    run = running(queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks), lease_left=timedelta(seconds=-1))
    jobs.renew(run)  # what the heartbeat thread does while the import holds its transaction open

    assert jobs.fail_expired() == 0
    assert ImportRun.objects.get(pk=run.pk).status == ImportRun.Status.RUNNING


def test_a_run_marked_failed_while_it_ran_keeps_nothing_of_what_it_did(django_capture_on_commit_callbacks, monkeypatch):
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)
    finish = jobs.finish

    def failed_meanwhile(job, **outcome):
        # The recovery of another worker, had this one's lease expired while it imported.
        ImportRun.objects.filter(pk=job.pk).update(status=ImportRun.Status.FAILED, error="stopped")
        finish(job, **outcome)

    monkeypatch.setattr(jobs, "finish", failed_meanwhile)
    with pytest.raises(jobs.JobLost):
        run_import.call(run.pk)

    assert not Action.objects.exists()
    assert ImportRun.objects.get(pk=run.pk).status == ImportRun.Status.FAILED


# A real worker, in its own process


@pytest.fixture(scope="session")
def large_file(tmp_path_factory):
    """A generated file that takes the worker a few seconds to import: time to stop it half-way."""
    path = tmp_path_factory.mktemp("iati") / "western-balkans-1500.xml"
    generate(path, count=1500)
    return path


class WorkerDatabase:
    """The test's database, as a worker process reaches it: PostgreSQL's test database itself; for
    SQLite's in-memory test database, a copy in a file, copied back once the worker is done."""

    def __init__(self, tmp_path):
        database = django_settings.DATABASES["default"]
        self.sqlite = database["ENGINE"].endswith("sqlite3")
        if self.sqlite:
            self.file = tmp_path / "worker.sqlite3"
            self.url = f"sqlite:///{self.file}"
        else:
            self.url = "postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(**database)

    def hand_over(self):
        if self.sqlite:
            connection.ensure_connection()
            with sqlite3.connect(self.file) as copy:
                connection.connection.backup(copy)

    def take_back(self):
        if self.sqlite:
            with sqlite3.connect(self.file) as copy:
                copy.backup(connection.connection)


def start_worker(database, tmp_path, *arguments):
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "IISG_CACHE_DIR": str(tmp_path / "cache"),
        "DOCUMENTS_ROOT": str(django_settings.DOCUMENTS_ROOT),
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "JOB_LEASE_SECONDS": str(LEASE),
        "JOB_STOP_SECONDS": str(STOP_BOUND),
    }
    command = [sys.executable, "manage.py", "job_worker", "--no-startup-delay", "--interval", "0.2", *arguments]
    return subprocess.Popen(
        command, cwd=django_settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def wait_until_importing(worker, run, *, timeout=120):
    """Wait until the worker has read part of the file (and not all of it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        measured = jobs.read_progress(run)
        if measured and measured["percent"] and 2 <= measured["percent"] < 90:
            return measured["percent"]
        assert worker.poll() is None, worker.stdout.read().decode()
        time.sleep(0.05)
    raise AssertionError("the worker never got into the import")


def queued_large_run(large_file, database):
    run = start_import(upload_of(large_file), user=f.UserFactory(roles=[Role.SECRETARIAT]))
    database.hand_over()
    return run


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_the_run_for_the_next_worker_to_mark_failed(tmp_path, large_file):
    database = WorkerDatabase(tmp_path)
    run = queued_large_run(large_file, database)
    worker = start_worker(database, tmp_path)
    try:
        wait_until_importing(worker, run)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(timeout=30)

    database.take_back()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING, "nobody was left to say otherwise"
    assert not Action.objects.exists(), "the import's transaction died with it"

    time.sleep(LEASE + 0.5)  # the dead worker renews nothing
    database.hand_over()
    following = start_worker(database, tmp_path, "--batch")
    assert following.wait(timeout=60) == 0, following.stdout.read().decode()

    database.take_back()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.error == "The worker running this stopped before it ended; nothing of it was kept. Start it again."
    assert not Action.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sigterm_to_a_worker_mid_import_marks_the_run_failed_within_the_bound(tmp_path, large_file):
    database = WorkerDatabase(tmp_path)
    run = queued_large_run(large_file, database)
    worker = start_worker(database, tmp_path)
    try:
        wait_until_importing(worker, run)
        asked = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=STOP_BOUND + 5)
        stopped_within = time.monotonic() - asked
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert stopped_within < STOP_BOUND
    database.take_back()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.error == "The import was stopped with the worker. Nothing was imported: upload the file again."
    assert not Action.objects.exists()


# The back office


def fail_stuck(client, runs):
    return client.post(
        CHANGELIST,
        {"action": "fail_stuck_selected", ACTION_CHECKBOX_NAME: [str(run.pk) for run in runs], "index": "0"},
    )


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_secretariat_marks_a_stuck_run_failed_and_not_a_live_one(client, django_capture_on_commit_callbacks):
    user = login(client, Role.SECRETARIAT)
    stuck = running(queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks), lease_left=timedelta(seconds=-5))
    live = running(queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks), lease_left=timedelta(seconds=30))
    page = client.get(reverse("admin:iati_importrun_change", args=[stuck.pk])).content.decode()
    assert 'id="import-stuck"' in page

    response = fail_stuck(client, [stuck, live])

    assert response.status_code == 302
    stuck.refresh_from_db()
    live.refresh_from_db()
    assert stuck.status == ImportRun.Status.FAILED
    assert stuck.error == (
        f"Marked failed by {user.username}. The worker running this stopped before it ended; nothing of it was "
        "kept. Start it again."
    )
    assert live.status == ImportRun.Status.RUNNING
    said = messages_of(response)
    assert len(said) == 2
    assert f"{stuck.source_name} (Failed) was marked failed." in said
    assert f"{live.source_name} (Running) is not stuck: its worker is still at it." in said


def test_a_run_queued_for_long_is_stuck_and_a_done_one_is_not(client, django_capture_on_commit_callbacks, settings):
    settings.JOB_QUEUED_STUCK_SECONDS = 3600
    login(client, Role.SECRETARIAT)
    waiting = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)
    ImportRun.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(hours=2))
    fresh = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)

    fail_stuck(client, [waiting, fresh])

    waiting.refresh_from_db()
    assert waiting.status == ImportRun.Status.FAILED
    assert "No worker took it in an hour" in waiting.error
    assert ImportRun.objects.get(pk=fresh.pk).status == ImportRun.Status.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        assert run_import.call(waiting.pk) is None, "a failed run is never started"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.DONOR])
def test_other_roles_cannot_mark_a_run_failed(client, role, django_capture_on_commit_callbacks):
    stuck = running(queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks), lease_left=timedelta(seconds=-5))
    login(client, role)
    fail_stuck(client, [stuck])
    assert ImportRun.objects.get(pk=stuck.pk).status == ImportRun.Status.RUNNING
