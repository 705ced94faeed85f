"""The background job of the IATI import: the worker (`manage.py db_worker`) runs it."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from . import progress
from .importer import import_file
from .models import ImportRun
from .parser import BrokenFile

ERROR_LENGTH = 1000


@task()
def run_import(run_id):
    """Import the file of ImportRun `run_id` and record what came of it on the run.

    Only a queued run is started, so a job delivered twice imports once. The run is marked running
    (and committed) before the import, which reports its progress to iisg.iati.progress and records
    what it changes under the run, so that it can be rolled back. It ends `done` with the summary,
    `refused` with the reason and line when the file is refused as a whole, or `failed` with a
    short error for people; the traceback goes to the worker's log and its task result, never to
    the page. Answers the run's final status.
    """
    started = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, started_at=timezone.now()
    )
    if not started:
        return None
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    progress.record(run.pk, done=0, total=run.size, phase=progress.Phase.STARTING)
    try:
        summary = import_file(
            run.upload.path,
            source_name=run.source_name,
            countries=run.countries,
            sector_prefixes=run.sector_prefixes,
            user=run.created_by,
            progress=progress.Meter(run.pk),
            import_run=run,
        )
    except BrokenFile as refusal:
        _finish(
            run,
            ImportRun.Status.REFUSED,
            summary={"refused": {"reason": refusal.reason, "line": refusal.line}},
            error=_refusal_text(refusal),
        )
    except BaseException as error:
        # Also when the worker is stopped in the middle (SystemExit, KeyboardInterrupt): the
        # import's transaction is rolled back, and the run must not stay "running" for ever.
        _finish(run, ImportRun.Status.FAILED, error=_failure_text(error))
        raise
    else:
        _finish(run, ImportRun.Status.DONE, summary=summary.as_dict())
    return run.status


def _finish(run, status, *, summary=None, error=""):
    run.status = status
    run.summary = summary or {}
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "summary", "error", "finished_at"])
    progress.forget(run.pk)


def _refusal_text(refusal):
    if refusal.line:
        return _("The file was refused at line %(line)s: %(reason)s Nothing was imported.") % {
            "line": refusal.line,
            "reason": _sentence(refusal.reason),
        }
    return _("The file was refused: %(reason)s Nothing was imported.") % {"reason": _sentence(refusal.reason)}


def _failure_text(error):
    if isinstance(error, SystemExit | KeyboardInterrupt):
        return _("The import was stopped with the worker. Nothing was imported: upload the file again.")
    text = _("The import stopped on an unexpected error (%(kind)s: %(message)s). Nothing was imported.") % {
        "kind": type(error).__name__,
        "message": str(error).strip() or "—",
    }
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


def _sentence(text):
    text = str(text).strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
