"""The background jobs' kit: one record per job that a person follows, whichever job it is (an IATI
import, a report for the Board, a run of the matcher).

A job record (a model subclassing `Job`) is queued by a service, then `start()`ed by the worker,
which takes a lease on it: the record names the worker and the time the lease expires. While the job
runs, `heartbeat()` (a thread, every third of the lease) and `record_progress()` renew the lease; the
job ends with `finish()` or `fail()`. A worker that dies (killed, the machine gone) renews nothing:
once the lease has expired, `fail_expired()` — run by every job worker on start and once a lease
interval (`manage.py job_worker`) — marks the record failed, and the Secretariat can do the same from
the back office (`fail_stuck()`).

The renewals and the progress go through the cache the web and job workers share, not the database:
a job holds its own transaction open for minutes (an import's file is one transaction), and on
SQLite that transaction holds the only write lock, so no other connection could write a renewal.
The record keeps the lease taken at the start; the lease in force is the later of the two.
"""

import os
import socket
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import Step, Verb
from ..errors import InvalidTransition, NotAllowed
from ..events import announce
from ..permissions import can

PROGRESS_TIMEOUT = 24 * 60 * 60  # seconds: what a dead job left in the cache goes after a day
ERROR_LENGTH = 1000  # characters of a job's error for people
STOPPED = gettext_lazy("The worker running this stopped before it ended; nothing of it was kept. Start it again.")


class JobStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    RUNNING = "running", gettext_lazy("Running")
    DONE = "done", gettext_lazy("Done")
    FAILED = "failed", gettext_lazy("Failed")


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobLost(Exception):
    """The record of a running job was marked failed (its lease had expired) while the job went on:
    what the job did must not be kept, so its transaction is rolled back."""


class Job(models.Model):
    """The record of a background job. A concrete job may add statuses to JobStatus (an import can
    be refused, rolled back) by declaring its own `status` field, and names its progress phases in
    `Phase`, a TextChoices."""

    # A job's record changes no public page (iisg.core.pagecache).
    shown_on_public_pages = False

    status = models.CharField(
        gettext_lazy("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    created_at = models.DateTimeField(gettext_lazy("created"), auto_now_add=True)
    started_at = models.DateTimeField(gettext_lazy("started"), null=True, blank=True)
    finished_at = models.DateTimeField(gettext_lazy("finished"), null=True, blank=True)
    error = models.TextField(gettext_lazy("error"), blank=True)
    worker = models.CharField(
        gettext_lazy("worker"), max_length=100, blank=True, help_text=gettext_lazy("The worker that runs the job.")
    )
    lease_expires_at = models.DateTimeField(
        gettext_lazy("lease expires"),
        null=True,
        blank=True,
        help_text=gettext_lazy("Taken when the job starts; the worker renews it while the job runs."),
    )

    Phase = None

    class Meta:
        abstract = True


def job_models():
    """Every concrete job model of the platform: the domain apps subclass Job, core knows none."""
    return [model for model in apps.get_models() if issubclass(model, Job)]


def lease_seconds():
    return settings.JOB_LEASE_SECONDS


def current_worker():
    """Who runs a job: this machine and process, as the record shows it."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def _key(job, what):
    return f"jobs:{job._meta.label_lower}:{job.pk}:{what}"


# Starting and running


def start(model, pk):
    """Mark the queued job `pk` of `model` running for this worker, taking its lease, in one
    statement: of two workers handed the same job, one starts it. Answers the job, or None when it
    is not queued (already run, failed by the Secretariat, gone)."""
    now = timezone.now()
    started = model.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        worker=current_worker(),
        lease_expires_at=now + timedelta(seconds=lease_seconds()),
    )
    if not started:
        return None
    job = model.objects.get(pk=pk)
    renew(job)
    return job


def renew(job):
    """Renew the lease of the running `job` for one more lease interval."""
    expires = timezone.now() + timedelta(seconds=lease_seconds())
    cache.set(_key(job, "lease"), {"worker": job.worker, "expires": expires}, PROGRESS_TIMEOUT)


@contextmanager
def heartbeat(job):
    """Renew the lease of `job` every third of the lease interval while the block runs, from a thread:
    the job itself may spend minutes in one step (a PDF, the matcher's ranking) without a word."""
    stop = threading.Event()
    interval = lease_seconds() / 3

    def beat():
        while not stop.wait(interval):
            renew(job)

    thread = threading.Thread(target=beat, name=f"heartbeat {job._meta.label_lower} {job.pk}", daemon=True)
    thread.start()
    try:
        yield job
    finally:
        stop.set()
        thread.join()


def record_progress(job, *, done, total, phase):
    """Record that `job` has done `done` of `total` (bytes, phases, needs: the job's own unit; `total`
    None while unknown), in `phase` (a value of the job's Phase), and renew its lease."""
    cache.set(_key(job, "progress"), {"done": done, "total": total, "phase": str(phase)}, PROGRESS_TIMEOUT)
    renew(job)


def read_progress(job):
    """How far `job` has got: `done`, `total`, `percent` (0–100, None while the total is unknown),
    `phase` and its `phase_label`; None when nothing was recorded."""
    entry = cache.get(_key(job, "progress"))
    if entry is None:
        return None
    done, total = entry["done"], entry["total"]
    phases = type(job).Phase
    phase = entry["phase"] if phases is not None and entry["phase"] in phases.values else ""
    return {
        "done": done,
        "total": total,
        "percent": min(100, done * 100 // total) if total else None,
        "phase": phase,
        "phase_label": str(phases(phase).label) if phase else "",
    }


def forget(job):
    cache.delete_many([_key(job, "progress"), _key(job, "lease")])


def lease_expiry(job):
    """When the lease in force on `job` expires: the later of the one its record took and the last
    renewal; None for a job that holds none."""
    renewed = cache.get(_key(job, "lease"))
    times = [job.lease_expires_at]
    if renewed is not None and renewed["worker"] == job.worker:
        times.append(renewed["expires"])
    return max((time for time in times if time is not None), default=None)


# Ending


def finish(job, *, status=JobStatus.DONE, error="", fields=()):
    """Record that `job` ended in `status` (done, or a job's own outcome such as refused), with its
    `error` for people and the other `fields` the job set on it, in one transaction. Raises JobLost,
    changing nothing, when the record is no longer running under this job's lease: within the job's
    own transaction, what it did is then rolled back with it. Announces RUN_FINISHED once the
    transaction commits."""
    with transaction.atomic():
        if not type(job).objects.select_for_update().filter(pk=job.pk, status=JobStatus.RUNNING, worker=job.worker):
            raise JobLost(f"{job._meta.label} {job.pk} was marked failed while it ran")
        _end(job, status, error, fields)
        # Whoever started the job is told it ended (iisg.workplace), once this commits.
        announce(Step.RUN_FINISHED, target=job)
    transaction.on_commit(lambda: forget(job))


def failure_text(error, *, stopped, unexpected):
    """The short error for people of a job that ended on `error`: `stopped` when its worker was
    stopped in the middle (SystemExit, KeyboardInterrupt), otherwise `unexpected` with the error's
    %(kind)s and %(message)s, cut to ERROR_LENGTH. The traceback goes to the worker's log."""
    if isinstance(error, SystemExit | KeyboardInterrupt):
        return str(stopped)
    text = str(unexpected) % {"kind": type(error).__name__, "message": str(error).strip() or "—"}
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


def fail(job, *, error):
    """Record that `job` failed with `error` (a short text for people). Answers False, changing
    nothing, when the record is no longer running under this job's lease (it was marked failed)."""
    try:
        finish(job, status=JobStatus.FAILED, error=error)
    except JobLost:
        return False
    return True


def _end(job, status, error, fields):
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    job.lease_expires_at = None
    job._change_reason = str(job.get_status_display())
    job.save(update_fields=["status", "error", "finished_at", "lease_expires_at", *fields])


# Jobs whose worker stopped


def fail_expired(*models, now=None):
    """Mark failed every running job of `models` (all the job models when none is given) whose lease
    expired: its worker stopped without ending it. Answers how many were marked failed."""
    now = now or timezone.now()
    failed = 0
    for model in models or job_models():
        running = model.objects.filter(status=JobStatus.RUNNING).filter(
            Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True)
        )
        dead = [job for job in running if (lease_expiry(job) or now) <= now]
        if not dead:
            continue
        failed += (
            model.objects.filter(pk__in=[job.pk for job in dead], status=JobStatus.RUNNING)
            .filter(Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))
            .update(status=JobStatus.FAILED, error=str(STOPPED), finished_at=now, lease_expires_at=None)
        )
        for job in dead:
            forget(job)
        for job in model.objects.filter(pk__in=[job.pk for job in dead], status=JobStatus.FAILED, finished_at=now):
            announce(Step.RUN_FINISHED, target=job)
    return failed


def stuck_reason(job, *, now=None):
    """Why `job` is stuck, for people, or None when it is not: running while its lease expired (its
    worker stopped), or queued for longer than JOB_QUEUED_STUCK_SECONDS (no worker takes it)."""
    now = now or timezone.now()
    if job.status == JobStatus.RUNNING and (lease_expiry(job) or now) <= now:
        return str(STOPPED)
    waited = timedelta(seconds=settings.JOB_QUEUED_STUCK_SECONDS)
    if job.status == JobStatus.QUEUED and job.created_at <= now - waited:
        return _("No worker took it in %(hours)s: it will not be run. Start it again.") % {"hours": _hours(waited)}
    return None


def _hours(duration):
    hours = duration.total_seconds() / 3600
    return _("%(count)s hours") % {"count": f"{hours:g}"} if hours != 1 else _("an hour")


def fail_stuck(*, job, user):
    """Mark the stuck `job` failed for `user`, saying why (see stuck_reason). Raises NotAllowed
    unless the user may start such jobs (the Secretariat), InvalidTransition, changing nothing, when
    the job is not stuck: done, failed, or its worker still alive."""
    model = type(job)
    if not can(user, Verb.ADD, model):
        raise NotAllowed(_("Only the Secretariat marks a job failed."))
    with transaction.atomic():
        job = model.objects.select_for_update().get(pk=job.pk)
        reason = stuck_reason(job)
        if reason is None:
            if job.status in ACTIVE:
                raise InvalidTransition(_("%(job)s is not stuck: its worker is still at it.") % {"job": job})
            raise InvalidTransition(
                _("%(job)s is not stuck: it already ended (%(status)s).")
                % {"job": job, "status": job.get_status_display()}
            )
        message = _("Marked failed by %(user)s. %(reason)s") % {"user": user.get_username(), "reason": reason}
        job._history_user = user
        _end(job, JobStatus.FAILED, message, ())
        announce(Step.RUN_FINISHED, target=job, actor=user)
    forget(job)
    return job
