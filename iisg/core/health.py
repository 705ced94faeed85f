"""The health check a load balancer or a monitor calls every few seconds: /healthz."""

import functools
import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request):
    """200 {"status": "ok", "database": "ok", "migrations": "ok", "files": "ok"}, or 503 naming the
    failing check.

    The database must take a write, not only answer a read: a database another process holds locked,
    or a read-only one, answers SELECT 1 and still refuses every change. The folders of uploads
    must take a file. No login and no session; a few small queries. What failed is logged, not
    shown: the answer is public.
    """
    checks = {"database": database_check(), "migrations": "skipped", "files": files_check()}
    if checks["database"] == "ok":
        checks["migrations"] = migrations_check()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def database_check():
    """ "ok" when the database takes a write: one row of the migrations table is updated to itself
    in a transaction that is rolled back. On SQLite the transaction begins IMMEDIATE (settings), so
    it waits for the write lock as a request would, as long as the busy timeout lets it."""
    table = connection.ops.quote_name(MigrationRecorder.Migration._meta.db_table)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET id = id WHERE id = (SELECT MIN(id) FROM {table})")
            transaction.set_rollback(True)
    except DatabaseError:
        logger.exception("Health check: the database does not take a write.")
        return "error"
    return "ok"


def files_check():
    """ "ok" when a file can be created and removed in each folder the platform stores files in:
    public uploads (MEDIA_ROOT) and product documents (DOCUMENTS_ROOT)."""
    for folder in (settings.MEDIA_ROOT, settings.DOCUMENTS_ROOT):
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-"):
                pass
        except OSError:
            logger.exception("Health check: no file can be stored in %s.", folder)
            return "error"
    return "ok"


def migrations_check():
    """ "ok" when every migration of this code is applied; a process started before `migrate` (or
    after a restore of an older backup) would otherwise run against tables it does not expect."""
    try:
        # One query: MigrationRecorder.applied_migrations() would first look the table up.
        applied = set(MigrationRecorder(connection).migration_qs.values_list("app", "name"))
    except DatabaseError:
        logger.exception("Health check: the migrations table cannot be read.")
        return "error"
    unapplied = [
        key
        for key, replaces in migrations_in_code().items()
        if key not in applied and not (replaces and replaces <= applied)
    ]
    if unapplied:
        logger.error("Health check: %d migrations not applied, e.g. %s.", len(unapplied), ".".join(unapplied[0]))
        return f"{len(unapplied)} unapplied"
    return "ok"


@functools.cache
def migrations_in_code():
    """{(app, name): the migrations it replaces} for this code's migration graph; the code does not
    change while the process runs, so it is read once."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return {key: set(migration.replaces) for key, migration in graph.nodes.items()}
