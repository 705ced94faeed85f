"""The background job that generates a report for the Board: the job worker (`manage.py job_worker`)
runs it. Its progress is a phase (building, writing, storing), recorded on the job (iisg.core.jobs)."""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from iisg.core import jobs
from iisg.needs.errors import WorkflowError

from . import content
from .models import Report
from .writers import WRITERS

logger = logging.getLogger(__name__)

PHASES = list(Report.Phase)


@task()
def generate_report(report_id):
    """Generate the file of Report `report_id` and record what came of it on the report.

    Only a queued report is started (iisg.core.jobs.start), so a job delivered twice generates once.
    The report is built with the rights of whoever asked for it (iisg.reports.content.build),
    written by its format's writer and stored with its size and SHA-256, its phases recorded on the
    job as they go; it ends `done`, or `failed` with a short error for people and no file. The
    traceback goes to the worker's log and its task result, never to the page. Answers the report's
    final status.
    """
    report = jobs.start(Report, report_id)
    if report is None:
        return None
    report = Report.objects.select_related("requested_by", "cycle", "pillar").get(pk=report.pk)
    try:
        with jobs.heartbeat(report):
            _phase(report, Report.Phase.BUILDING)
            document = content.build(
                report.kind,
                user=report.requested_by,
                cycle=report.cycle,
                year=report.year,
                pillar=report.pillar,
                now=report.started_at,
            )
            _phase(report, Report.Phase.WRITING)
            data = WRITERS[report.format](document)
            _phase(report, Report.Phase.STORING)
            _store(report, document, data)
    except BaseException as error:
        # Also when the worker is stopped in the middle (SystemExit, KeyboardInterrupt): the report
        # must not stay "running" for ever.
        logger.exception("Report %s failed", report_id)
        jobs.fail(report, error=_failure_text(error))
        raise
    return report.status


def _phase(report, phase):
    jobs.record_progress(report, done=PHASES.index(phase), total=len(PHASES), phase=phase)


def _store(report, document, data):
    """Store the file and mark the report done in one transaction; no file without its record: a
    report either has both or neither."""
    report.name = document.name[: Report._meta.get_field("name").max_length]
    report.file.save(f"{report.name}.{report.format}", ContentFile(data), save=False)
    try:
        report.size = len(data)
        report.sha256 = hashlib.sha256(data).hexdigest()
        with transaction.atomic():
            report.save(update_fields=["name", "file", "size", "sha256"])
            jobs.finish(report)
    except BaseException:
        report.file.delete(save=False)
        report.size, report.sha256 = 0, ""
        raise


def _failure_text(error):
    if isinstance(error, WorkflowError):
        return str(error)
    return jobs.failure_text(
        error,
        stopped=_("The report was stopped with the worker: generate it again."),
        unexpected=_("The report could not be generated (%(kind)s: %(message)s)."),
    )
