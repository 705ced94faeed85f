"""The background job that generates a report for the Board: the worker (`manage.py db_worker`) runs it.

Its progress is a phase (building, writing, storing), kept in the cache that the web workers and the
job worker share, as the IATI import's is (iisg.iati.progress): the back office reads it back by the
id of the Report. An entry lives for a day at most.
"""

import hashlib
import logging

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from iisg.needs.errors import WorkflowError

from . import content
from .models import Report
from .writers import WRITERS

logger = logging.getLogger(__name__)

ERROR_LENGTH = 500
PROGRESS_TIMEOUT = 24 * 60 * 60  # seconds


class Phase(models.TextChoices):
    BUILDING = "building", gettext_lazy("Computing the figures")
    WRITING = "writing", gettext_lazy("Writing the file")
    STORING = "storing", gettext_lazy("Storing the file")


PHASES = list(Phase)


def _progress_key(report_id):
    return f"reports:report:{report_id}:progress"


def record_phase(report_id, phase):
    cache.set(_progress_key(report_id), str(phase), PROGRESS_TIMEOUT)


def read_progress(report_id):
    """The phase report `report_id` is in: `phase`, its `phase_label` and `percent` (the share of the
    phases before it, 0–100); None when nothing was recorded."""
    phase = cache.get(_progress_key(report_id))
    if phase not in Phase.values:
        return None
    return {
        "phase": phase,
        "phase_label": str(Phase(phase).label),
        "percent": PHASES.index(Phase(phase)) * 100 // len(PHASES),
    }


def forget_progress(report_id):
    cache.delete(_progress_key(report_id))


@task()
def generate_report(report_id):
    """Generate the file of Report `report_id` and record what came of it on the report.

    Only a queued report is started, so a job delivered twice generates once. The report is built
    with the rights of whoever asked for it (iisg.reports.content.build), written by its format's
    writer and stored with its size and SHA-256; it ends `done`, or `failed` with a short error for
    people and no file. The traceback goes to the worker's log and its task result, never to the
    page. Answers the report's final status.
    """
    started = Report.objects.filter(pk=report_id, status=Report.Status.QUEUED).update(
        status=Report.Status.RUNNING, started_at=timezone.now()
    )
    if not started:
        return None
    report = Report.objects.select_related("requested_by", "cycle", "pillar").get(pk=report_id)
    try:
        record_phase(report.pk, Phase.BUILDING)
        document = content.build(
            report.kind,
            user=report.requested_by,
            cycle=report.cycle,
            year=report.year,
            pillar=report.pillar,
            now=report.started_at,
        )
        record_phase(report.pk, Phase.WRITING)
        data = WRITERS[report.format](document)
        record_phase(report.pk, Phase.STORING)
        _store(report, document, data)
    except BaseException as error:
        # Also when the worker is stopped in the middle (SystemExit, KeyboardInterrupt): the report
        # must not stay "running" for ever.
        logger.exception("Report %s failed", report_id)
        report.file = ""
        _finish(report, Report.Status.FAILED, error=_failure_text(error))
        raise
    _finish(report, Report.Status.DONE)
    return report.status


def _store(report, document, data):
    report.name = document.name[: Report._meta.get_field("name").max_length]
    report.file.save(f"{report.name}.{report.format}", ContentFile(data), save=False)
    try:
        report.size = len(data)
        report.sha256 = hashlib.sha256(data).hexdigest()
        report.save(update_fields=["name", "file", "size", "sha256"])
    except BaseException:
        # No file without its record: a report either has both or neither.
        report.file.delete(save=False)
        raise


def _finish(report, status, *, error=""):
    report.status = status
    report.error = error
    report.finished_at = timezone.now()
    if status == Report.Status.FAILED:
        report.size, report.sha256 = 0, ""
    report._change_reason = str(Report.Status(status).label)
    report.save()
    forget_progress(report.pk)


def _failure_text(error):
    if isinstance(error, SystemExit | KeyboardInterrupt):
        return _("The report was stopped with the worker: generate it again.")
    if isinstance(error, WorkflowError):
        return str(error)
    text = _("The report could not be generated (%(kind)s: %(message)s).") % {
        "kind": type(error).__name__,
        "message": str(error).strip() or "—",
    }
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"
