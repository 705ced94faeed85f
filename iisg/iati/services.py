"""The IATI import as a business operation: an uploaded file becomes a queued ImportRun that the
job worker imports (iisg.iati.tasks)."""

import os
import re
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Verb
from iisg.core.permissions import can
from iisg.core.storage import file_sha256
from iisg.needs.errors import NotAllowed

from .models import ImportRun
from .tasks import run_import

SOURCE_NAME_LENGTH = ImportRun._meta.get_field("source_name").max_length


def source_name_of(upload):
    """The name the import knows the file by: the uploaded file's own name, without any folder.

    It is the key of "the same file" for the importer: actions that an earlier upload of this name
    gave and this one no longer holds are withdrawn.
    """
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip()
    return (name or "upload.xml")[:SOURCE_NAME_LENGTH]


@transaction.atomic
def start_import(upload, *, countries=(), sector_prefixes=(), user=None):
    """Store `upload` (an IATI activity file already checked by iati.forms.ImportForm) with its
    SHA-256 and size, record it as a queued ImportRun of `user`, and have the worker import it once
    this transaction is committed. `countries` (ISO codes) and `sector_prefixes` narrow what is
    imported; empty means everything. Raises NotAllowed unless the user may import IATI files.
    """
    if not can(user, Verb.ADD, ImportRun):
        raise NotAllowed(_("Only the Secretariat imports IATI files."))
    source_name = source_name_of(upload)
    run = ImportRun(
        created_by=user,
        source_name=source_name,
        countries=sorted({code.upper() for code in countries}),
        sector_prefixes=list(dict.fromkeys(sector_prefixes)),
    )
    # A random part keeps the stored name unguessable, and two uploads of the same name apart.
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", source_name).strip(".-")[-60:] or "upload.xml"
    stored_name = f"{secrets.token_hex(8)}-{safe_name}"
    run.upload.save(stored_name, upload, save=False)
    run.size = run.upload.size
    run.sha256 = file_sha256(run.upload.path)
    run.save()
    transaction.on_commit(lambda: run_import.enqueue(run.pk))
    return run
