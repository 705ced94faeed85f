"""Copies of the whole test database taken once and put back in a fraction of a second.

Loading the demo writes every cycle, need and action through its service (about half a minute on
two cores); tests that only read it, or change it and must leave the next test a fresh one, get a
copy put back instead. SQLite copies through its backup API (page by page, in C); PostgreSQL keeps
each table's rows in a schema of the test database and copies them back with one TRUNCATE and one
INSERT … SELECT per table, in a transaction, so its deferred foreign keys hold at the end.
"""

import copy
import sqlite3
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction


def take_snapshot(name):
    """A copy of every table of the test database as it is now; `name` tells copies apart."""
    if connection.vendor == "sqlite":
        return SqliteSnapshot.take()
    if connection.vendor == "postgresql":
        return PostgresSnapshot.take(name)
    raise NotImplementedError(connection.vendor)


class SqliteSnapshot:
    def __init__(self, copy):
        self.copy = copy

    @classmethod
    def take(cls):
        connection.ensure_connection()
        # The live server's thread uses the copy too when it is put back (the test's connection
        # is shared with it for an in-memory database).
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return cls(copy)

    def restore(self):
        """Put the copy back; outside any transaction (the backup API replaces whole pages)."""
        connection.ensure_connection()
        self.copy.backup(connection.connection)
        forget_cached_rows()


class PostgresSnapshot:
    def __init__(self, schema, tables, filled, sequences):
        self.schema = schema
        self.tables = tables
        self.filled = filled
        self.sequences = sequences

    @classmethod
    def take(cls, name):
        schema = connection.ops.quote_name(f"snapshot_{name}")
        tables = connection.introspection.table_names(include_views=False)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            cursor.execute(f"CREATE SCHEMA {schema}")
            filled = []
            for table in tables:
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"CREATE TABLE {schema}.{quoted} AS TABLE {quoted}")
                if cursor.rowcount:
                    filled.append(quoted)
            cursor.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value "
                "FROM pg_sequences WHERE schemaname = current_schema()"
            )
            sequences = cursor.fetchall()
        return cls(schema, [connection.ops.quote_name(table) for table in tables], filled, sequences)

    def restore(self):
        """Put the copy back, in the current transaction if there is one (it then ends with it)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(self.tables)}")
            for table in self.filled:
                cursor.execute(f"INSERT INTO {table} SELECT * FROM {self.schema}.{table}")
            for sequence, last_value in self.sequences:
                # A sequence never used starts again at its first value.
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value or 1, last_value is not None])
        forget_cached_rows()


def forget_cached_rows():
    """Content types are cached per process by id; a copy put back may number them otherwise."""
    ContentType.objects.clear_cache()


class DemoCopy:
    """The demo as loaded once in a session: `restore()` puts it back and answers its summary."""

    def __init__(self, summary, snapshot):
        self.summary = summary
        self.snapshot = snapshot

    def restore(self):
        self.snapshot.restore()
        # Each test gets summary objects of its own: a test may change the users it holds.
        return copy.deepcopy(self.summary)


@contextmanager
def demo_for_module(demo_copy):
    """The demo put back for the tests of a module (each test runs in a transaction of its own that
    is rolled back), then the database as it was before."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            yield demo_copy.restore()
            transaction.set_rollback(True)
    else:
        before = take_snapshot("before_module")
        try:
            yield demo_copy.restore()
        finally:
            before.restore()
