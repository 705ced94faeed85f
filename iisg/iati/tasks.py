"""The background job of the IATI import: the job worker (`manage.py job_worker`) runs it."""

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from iisg.core import jobs

from . import progress
from .importer import import_file
from .models import ImportRun
from .parser import BrokenFile


@task()
def run_import(run_id):
    """Import the file of ImportRun `run_id` and record what came of it on the run.

    Only a queued run is started (iisg.core.jobs.start), so a job delivered twice imports once. The
    run is marked running under this worker's lease (and committed) before the import, which
    reports its progress through iisg.iati.progress and records what it changes under the run, so
    that it can be rolled back. The run is marked `done` with the summary in the import's own
    transaction: the actions and "done" are kept together or not at all. It ends `refused` with the
    reason and line when the file is refused as a whole, or `failed` with a short error for people;
    the traceback goes to the worker's log and its task result, never to the page. Answers the
    run's final status.
    """
    run = jobs.start(ImportRun, run_id)
    if run is None:
        return None
    run = ImportRun.objects.select_related("created_by").get(pk=run.pk)
    jobs.record_progress(run, done=0, total=run.size, phase=progress.Phase.STARTING)
    try:
        with jobs.heartbeat(run), transaction.atomic():
            summary = import_file(
                run.upload.path,
                source_name=run.source_name,
                countries=run.countries,
                sector_prefixes=run.sector_prefixes,
                user=run.created_by,
                progress=progress.Meter(run),
                import_run=run,
            )
            run.summary = summary.as_dict()
            jobs.finish(run, fields=["summary"])
    except BrokenFile as refusal:
        run.summary = {"refused": {"reason": refusal.reason, "line": refusal.line}}
        jobs.finish(run, status=ImportRun.Status.REFUSED, error=_refusal_text(refusal), fields=["summary"])
    except BaseException as error:
        # Also when the worker is stopped in the middle (SystemExit, KeyboardInterrupt): the
        # import's transaction is rolled back, and the run must not stay "running" for ever.
        jobs.fail(run, error=_failure_text(error))
        raise
    return run.status


def _refusal_text(refusal):
    if refusal.line:
        return _("The file was refused at line %(line)s: %(reason)s Nothing was imported.") % {
            "line": refusal.line,
            "reason": _sentence(refusal.reason),
        }
    return _("The file was refused: %(reason)s Nothing was imported.") % {"reason": _sentence(refusal.reason)}


def _failure_text(error):
    return jobs.failure_text(
        error,
        stopped=_("The import was stopped with the worker. Nothing was imported: upload the file again."),
        unexpected=_("The import stopped on an unexpected error (%(kind)s: %(message)s). Nothing was imported."),
    )


def _sentence(text):
    text = str(text).strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
