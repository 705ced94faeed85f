"""A big workbook checked and applied by the job worker rather than inside the web request.

An upload with more than WORKBOOK_BACKGROUND_ROWS data rows (`count_rows`, a quick pass over its
sheets within the same limits as the reading) is kept as a private document and recorded as a
queued WorkbookRun (`start_run`); the job (`check_workbook`) then calls the very upload function a
small workbook goes through, so what is checked and how it is written do not change. Core knows no
workbook: each app registers its upload function and the sheets it reads under a name (`register`)
from its AppConfig.ready.
"""

import io
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task
from lxml import etree

from .. import jobs
from ..choices import Verb
from ..errors import NotAllowed
from ..models import WorkbookRun
from ..permissions import can
from ..storage import document_storage
from .annotated import annotate
from .checks import WorkbookRejected, check_file, damaged, workbook_parts
from .parts import SheetStream, unpack_budget

UPLOAD_FOLDER = "workbook-uploads"


@dataclass(frozen=True)
class Upload:
    """How a workbook is uploaded: `function(*, user, data, progress, **choices)` answers an Outcome;
    `sheets` names the sheets it reads (the reference sheets of a download are not counted);
    `model` is the model of its rows: who may add such rows may upload the workbook."""

    function: Callable
    sheets: tuple
    model: type


# Workbook name → its Upload.
UPLOADS = {}


def register(name, function, *, sheets, model):
    """Have the upload page and the job check the workbook `name` of `model`'s rows with `function`,
    which reads `sheets`."""
    UPLOADS[name] = Upload(function, tuple(sheets), model)


def may_upload(user, name):
    """Whether `user` may upload the workbook registered as `name`: whether they write its rows."""
    return can(user, Verb.ADD, UPLOADS[name].model)


class _AnyText:
    """Stands for the shared texts while rows are counted: that a cell holds a text matters, not which."""

    def __getitem__(self, index):
        return "…"


def count_rows(data, sheets):
    """How many data rows the sheets named `sheets` of the workbook `data` hold together, their
    header rows left out: a pass over each sheet by the reading's own stream, so every limit is
    enforced as the reading enforces it and words its refusal alike. Raises WorkbookRejected for a
    file that cannot be read, or past a limit."""
    check_file(data)
    budget = unpack_budget()
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = workbook_parts(archive)
            for name, part in parts["sheets"].items():
                if name not in sheets:
                    continue
                stream = SheetStream(
                    archive,
                    part,
                    name,
                    texts=_AnyText(),
                    dates=set(),
                    durations=set(),
                    epoch=parts["epoch"],
                    budget=budget,
                )
                total += max(sum(1 for _row in stream.rows()) - 1, 0)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, KeyError, IndexError, ValueError, EOFError, OSError):
        raise damaged() from None
    return total


def goes_to_background(rows):
    return rows > settings.WORKBOOK_BACKGROUND_ROWS


def choices_to_json(choices):
    """The choices of an upload form (model instances, or None) as JSON: model label and key."""
    return {
        key: None if value is None else {"model": value._meta.label_lower, "pk": value.pk}
        for key, value in choices.items()
    }


def choices_from_json(stored):
    return {
        key: None if value is None else apps.get_model(value["model"])._default_manager.get(pk=value["pk"])
        for key, value in stored.items()
    }


@transaction.atomic
def start_run(*, user, workbook, choices, name, data, rows):
    """Keep the uploaded workbook `data` (file `name`, `rows` data rows) as a private document,
    record a queued WorkbookRun of `user` for the workbook registered as `workbook` with the form's
    `choices`, and have the job worker check it once the transaction is committed. Answers the run.
    Raises NotAllowed, storing nothing, unless the user may upload this workbook (may_upload)."""
    if workbook not in UPLOADS:
        raise LookupError(f"No upload function registered for the {workbook!r} workbook")
    if not may_upload(user, workbook):
        raise NotAllowed(_("You are not allowed to do this."))
    stored = document_storage().save(f"{UPLOAD_FOLDER}/{secrets.token_urlsafe(16)}.xlsx", ContentFile(data))
    run = WorkbookRun.objects.create(
        created_by=user,
        workbook=workbook,
        choices=choices_to_json(choices),
        source_name=name[:255],
        stored_name=stored,
        size=len(data),
        rows=rows,
    )
    transaction.on_commit(lambda: check_workbook.enqueue(run.pk))
    return run


class Meter:
    """The progress callback an upload function is given: the phase it is in and, where it can
    say, how many rows of the phase it has done."""

    def __init__(self, run):
        self.run = run
        self.phases = list(WorkbookRun.Phase)

    def __call__(self, phase, done=None, total=None):
        phase = WorkbookRun.Phase(phase)
        # The three phases share the bar: a third each, the rows done filling the phase's third.
        position = self.phases.index(phase) * 100
        if done is not None and total:
            position += done * 100 // total
        jobs.record_progress(self.run, done=position, total=len(self.phases) * 100, phase=phase)


@task()
def check_workbook(run_id):
    """Check the workbook of WorkbookRun `run_id` and, when nothing is wrong, apply it, by the upload
    function registered for it, on behalf of who uploaded it (whose rights are checked again now).

    Only a queued run is started, so a job delivered twice runs once. The run ends done with the
    counts, in the upload's own transaction; refused with the problems (and an annotated copy of
    the workbook) when a row is wrong or the file cannot be read, nothing written; or failed with a
    short error for people. The uploaded file is deleted once read. Answers the run's status."""
    run = jobs.start(WorkbookRun, run_id)
    if run is None:
        return None
    run = WorkbookRun.objects.select_related("created_by").get(pk=run.pk)
    meter = Meter(run)
    meter(WorkbookRun.Phase.READING)
    storage = document_storage()
    try:
        if run.created_by is None:
            raise WorkbookRejected(_("The person who uploaded the workbook no longer has a login."))
        with storage.open(run.stored_name) as file:
            data = file.read()
        with jobs.heartbeat(run), transaction.atomic():
            outcome = UPLOADS[run.workbook].function(
                user=run.created_by, data=data, progress=meter, **choices_from_json(run.choices)
            )
            if outcome.ok:
                run.added, run.changed, run.unchanged = outcome.added, outcome.changed, outcome.unchanged
                jobs.finish(run, fields=["added", "changed", "unchanged"])
            else:
                run.problems = [asdict(problem) for problem in outcome.problems]
                annotated = annotate(data, outcome.problems)
                if annotated is not None:
                    run.annotated_name = storage.save(
                        f"{UPLOAD_FOLDER}/{secrets.token_urlsafe(16)}-errors.xlsx", ContentFile(annotated)
                    )
                jobs.finish(run, status=WorkbookRun.Status.REFUSED, fields=["problems", "annotated_name"])
    except WorkbookRejected as rejection:
        jobs.finish(run, status=WorkbookRun.Status.REFUSED, error=str(rejection.message))
    except BaseException as error:
        # Also when the worker is stopped in the middle: the upload's transaction is rolled back,
        # and the run must not stay "running" for ever.
        jobs.fail(run, error=_failure_text(error))
        raise
    finally:
        storage.delete(run.stored_name)
    return run.status


def _failure_text(error):
    return jobs.failure_text(
        error,
        stopped=_("The check was stopped with the worker. Nothing was written: upload the workbook again."),
        unexpected=_("The check stopped on an unexpected error (%(kind)s: %(message)s). Nothing was written."),
    )
