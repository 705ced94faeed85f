"""The IATI import as a background job: an upload becomes a queued run, the worker imports it and
records what came of it, and its progress goes through the shared cache meanwhile."""

import signal
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from iisg.actions.models import Action
from iisg.core import jobs
from iisg.core.choices import Role
from iisg.core.storage import file_sha256
from iisg.core.tests import factories as f
from iisg.directory.models import Organisation
from iisg.iati import progress, tasks
from iisg.iati.models import ImportRun
from iisg.iati.services import start_import
from iisg.iati.tasks import run_import
from iisg.needs.errors import NotAllowed

pytestmark = pytest.mark.django_db

ACTIVITIES = settings.SHARED_DATA_DIR / "iati" / "activities"
WORKED_EXAMPLE = ACTIVITIES / "worked-example.xml"  # one activity, for Haiti
BROKEN = ACTIVITIES / "broken.xml"  # stops in the middle of its root element
CAFOD = ACTIVITIES / "cafod-drc-2013.xml"  # 57 activities, 265 KB


@pytest.fixture(autouse=True)
def progress_cache(settings, tmp_path):
    """The progress of a test's imports goes to its own cache folder, never to ./var."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }


def upload_of(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="application/xml")


@contextmanager
def own_signal_handlers():
    """The worker installs its own handlers for SIGINT and SIGTERM; the test run keeps its own."""
    names = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {name: signal.getsignal(name) for name in names}
    try:
        yield
    finally:
        for name, handler in saved.items():
            signal.signal(name, handler)


def run_worker():
    """Run the job worker until the queue is empty, as `make run` runs it but in this process."""
    with own_signal_handlers():
        call_command("job_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def queued_run(path, django_capture_on_commit_callbacks, **choices):
    """A run started by the Secretariat, its job enqueued as it is once the upload is committed."""
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    with django_capture_on_commit_callbacks(execute=True):
        run = start_import(upload_of(path), user=secretariat, **choices)
    return run


def stored_rows():
    return Action.objects.count(), Organisation.objects.count(), Action.history.count()


def test_an_upload_is_stored_with_its_hash_and_size_and_queued_once_committed(django_capture_on_commit_callbacks):
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    with django_capture_on_commit_callbacks() as callbacks:
        run = start_import(
            upload_of(WORKED_EXAMPLE, "Worked example (2013).xml"),
            countries=["al", "XK"],
            sector_prefixes=("152", "152", "15110"),
            user=secretariat,
        )
        assert not DBTaskResult.objects.exists(), "nothing is queued before the upload is committed"

    run.refresh_from_db()
    assert run.status == ImportRun.Status.QUEUED
    assert run.source_name == "Worked example (2013).xml"
    assert run.created_by == secretariat
    assert run.size == WORKED_EXAMPLE.stat().st_size
    assert run.sha256 == file_sha256(WORKED_EXAMPLE)
    assert run.countries == ["AL", "XK"]
    assert run.sector_prefixes == ["152", "15110"]
    assert run.upload.name.startswith("iati/")
    assert run.upload.name.endswith("-Worked-example-2013-.xml")
    assert run.upload.read() == WORKED_EXAMPLE.read_bytes()

    assert len(callbacks) == 1
    callbacks[0]()
    job = DBTaskResult.objects.get()
    assert job.task_path == "iisg.iati.tasks.run_import"
    assert job.args_kwargs == {"args": [run.pk], "kwargs": {}}


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_only_the_secretariat_starts_an_import(role):
    with pytest.raises(NotAllowed):
        start_import(upload_of(WORKED_EXAMPLE), user=f.UserFactory(roles=[role]))
    assert not ImportRun.objects.exists()


def test_the_job_imports_a_real_file_and_keeps_its_summary(django_capture_on_commit_callbacks):
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        assert run_import.call(run.pk) == ImportRun.Status.DONE

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert run.started_at is not None
    assert run.finished_at >= run.started_at
    assert run.error == ""
    assert run.summary["source"] == "worked-example.xml"
    assert run.summary["counts"]["read"] == 1
    assert run.summary["counts"]["imported"] == 1
    assert {"severity", "identifier", "line", "field", "reason"} <= set(run.summary["problems"][0])
    action = Action.objects.get(iati_identifier="http://www.example.org/activities/12345.xml")
    assert action.iati_source == "worked-example.xml"
    assert action.history.get().history_user == run.created_by
    assert jobs.read_progress(run) is None, "the progress is forgotten once the run has its outcome"
    assert run.lease_expires_at is None


def test_the_countries_chosen_for_the_upload_filter_the_import(django_capture_on_commit_callbacks):
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks, countries=["AL", "XK"])

    run_import.call(run.pk)

    run.refresh_from_db()
    assert run.summary["counts"]["filtered"] == 1
    assert not Action.objects.exists()


def test_a_broken_file_is_refused_with_its_line_and_reason_and_changes_nothing(django_capture_on_commit_callbacks):
    before = stored_rows()
    run = queued_run(BROKEN, django_capture_on_commit_callbacks)

    assert run_import.call(run.pk) == ImportRun.Status.REFUSED

    run.refresh_from_db()
    assert run.status == ImportRun.Status.REFUSED
    assert run.summary["refused"]["line"] == 4
    assert "Premature end of data" in run.summary["refused"]["reason"]
    assert run.error.startswith("The file was refused at line 4: Premature end of data")
    assert run.error.endswith("Nothing was imported.")
    assert run.finished_at is not None
    assert stored_rows() == before


def test_an_unexpected_error_fails_the_run_with_a_short_message_and_no_traceback(
    django_capture_on_commit_callbacks, monkeypatch
):
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)

    def broken_import(path, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(tasks, "import_file", broken_import)
    with pytest.raises(OSError, match="No space left"):
        run_import.call(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.error == (
        "The import stopped on an unexpected error (OSError: No space left on device). Nothing was imported."
    )
    assert "Traceback" not in run.error
    assert run.finished_at is not None


def test_a_worker_stopped_in_the_middle_leaves_the_run_failed_not_running(
    django_capture_on_commit_callbacks, monkeypatch
):
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)

    def stopped(path, **kwargs):
        raise SystemExit(1)

    monkeypatch.setattr(tasks, "import_file", stopped)
    with pytest.raises(SystemExit):
        run_import.call(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "stopped with the worker" in run.error


def test_a_job_delivered_twice_imports_once(django_capture_on_commit_callbacks):
    run = queued_run(WORKED_EXAMPLE, django_capture_on_commit_callbacks)
    run_import.call(run.pk)
    run.refresh_from_db()
    history = Action.history.count()

    assert run_import.call(run.pk) is None

    finished_at = run.finished_at
    run.refresh_from_db()
    assert run.finished_at == finished_at
    assert Action.history.count() == history


def test_the_progress_is_written_while_the_file_is_read(django_capture_on_commit_callbacks, monkeypatch):
    run = queued_run(CAFOD, django_capture_on_commit_callbacks)
    written = []
    record = jobs.record_progress

    def spy(job, **entry):
        written.append(entry)
        record(job, **entry)

    monkeypatch.setattr(jobs, "record_progress", spy)
    run_import.call(run.pk)

    size = CAFOD.stat().st_size
    assert written[0] == {"done": 0, "total": size, "phase": progress.Phase.STARTING}
    assert written[-1] == {"done": size, "total": size, "phase": progress.Phase.FINISHING}
    assert {entry["phase"] for entry in written[1:-1]} <= {progress.Phase.READING}
    assert [entry["done"] for entry in written] == sorted(entry["done"] for entry in written)


def test_the_meter_writes_at_most_twice_a_second_and_always_the_end():
    run = ImportRun.objects.create(source_name="meter.xml", size=100)
    now = [100.0]
    meter = progress.Meter(run, clock=lambda: now[0])
    seen = []
    for done, at in [(10, 100.0), (20, 100.2), (30, 100.4), (40, 100.5), (50, 100.6), (100, 100.7)]:
        now[0] = at
        meter(done, 100)
        seen.append(jobs.read_progress(run)["done"])

    assert seen == [10, 10, 10, 40, 40, 100]
    assert jobs.read_progress(run) == {
        "done": 100,
        "total": 100,
        "percent": 100,
        "phase": "finishing",
        "phase_label": "Saving",
    }


def test_the_progress_of_a_file_of_unknown_size_has_no_percentage():
    run = ImportRun.objects.create(source_name="stream.xml")
    jobs.record_progress(run, done=2048, total=None, phase=progress.Phase.READING)
    assert jobs.read_progress(run)["percent"] is None
    jobs.forget(run)
    assert jobs.read_progress(run) is None


@pytest.mark.django_db(transaction=True)
def test_the_job_worker_takes_the_queued_import_and_runs_it():
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    run = start_import(upload_of(WORKED_EXAMPLE), user=secretariat)  # committed: the job is queued
    assert DBTaskResult.objects.filter(task_path="iisg.iati.tasks.run_import").count() == 1

    run_worker()

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert run.summary["counts"]["imported"] == 1
    job = DBTaskResult.objects.get()
    assert job.status == "SUCCESSFUL"
    assert job.return_value == ImportRun.Status.DONE
