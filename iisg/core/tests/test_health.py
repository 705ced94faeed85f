"""/healthz: what a load balancer calls every few seconds."""

import errno
import sqlite3
import tempfile
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_login_session_or_cache(client, django_assert_max_num_queries):
    # A write rolled back (begin, update, rollback: as savepoint statements inside the test's
    # transaction) and the migrations read.
    with django_assert_max_num_queries(5):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok", "files": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_healthz_is_503_when_the_database_does_not_answer(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "migrations": "skipped", "files": "ok"}
    assert "connection refused" not in response.content.decode()


def test_healthz_is_503_while_migrations_are_not_applied(client):
    recorded = MigrationRecorder(connection).migration_qs
    recorded.filter(pk__in=recorded.order_by("-pk").values_list("pk", flat=True)[:2]).delete()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "migrations": "2 unapplied", "files": "ok"}


def test_healthz_only_answers_reads(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_while_another_process_holds_the_sqlite_write_lock(client):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks rows, not the database")
    holder = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        response = client.get("/healthz")
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert client.get("/healthz").status_code == 200, "healthy again once the lock is released"


def test_healthz_is_503_when_the_database_refuses_writes(client):
    """A read-only database (a read-only var/, a hot standby) answers SELECT 1 but takes no change."""
    refused = OperationalError("attempt to write a readonly database")
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_healthz_is_503_when_no_upload_can_be_stored(client, settings, tmp_path):
    # A file where the folder should be: what a read-only folder is to a non-root process, as the
    # tests may run as root, which writes into read-only folders.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.write_text("not a folder")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "migrations": "ok", "files": "error"}


def test_healthz_is_503_when_the_disk_is_full(client):
    full = OSError(errno.ENOSPC, "No space left on device")
    with mock.patch.object(tempfile, "NamedTemporaryFile", side_effect=full):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["files"] == "error"


def test_healthz_leaves_no_file_behind(client, settings):
    assert client.get("/healthz").status_code == 200
    assert not list(settings.MEDIA_ROOT.iterdir())
    assert not list(settings.DOCUMENTS_ROOT.iterdir())
