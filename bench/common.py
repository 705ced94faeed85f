"""What every benchmark shares: a database of its own, medians of repeated runs, and the figures
written as JSON for whatever holds the goals (`--json PATH`)."""

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def median_ms(fn, repeat):
    """The median time of `repeat` calls of `fn`, in milliseconds, after one untimed warm-up call
    (the first call fills caches: templates, translations, the connection)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def prepare_database(kind, name):
    """Point Django at a fresh database of the benchmark's own: a temporary SQLite file, or the
    PostgreSQL database `name`, created now. Call before django.setup(); returns the clean-up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iisg.settings")
    os.environ.pop("DATABASE_URL", None)
    if kind == "sqlite":
        os.environ["IISG_VAR_DIR"] = tempfile.mkdtemp(prefix=f"{name}-")
        return lambda: None
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")

    return drop


def refresh_statistics():
    """ANALYZE on PostgreSQL after a bulk load, as autovacuum soon would; nothing on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def remove_folder(folder):
    """The clean-up that deletes a temporary SQLite folder (prepare_database leaves it)."""

    def remove():
        from django.db import connections

        connections.close_all()
        shutil.rmtree(folder, ignore_errors=True)

    return remove


def by_database(database, figures):
    """`figures` ({key: value}) as {key: {database: value}}: the shape every bench's JSON has, so
    that the files of one script on several databases merge key by key."""
    return {key: {database: value} for key, value in figures.items()}


def write_json(path, figures):
    """Write `figures` (one JSON object per run, units in the key names) to `path`, creating its
    folder; a `--json PATH` option of any bench calls this once, at the end."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
