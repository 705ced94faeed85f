"""Backup and restore: one artefact holds everything the platform keeps.

The artefact is a .tar.gz with
    database.sqlite3 or database.dump   SQLite: an online copy made with SQLite's backup API;
                                        PostgreSQL: pg_dump --format=custom
    documents/...                       DOCUMENTS_ROOT: product files and the generated reports
    media/...                           MEDIA_ROOT: public uploads (event images)
    manifest.json                       engine, time, migrations applied, rows per table, files per
                                        folder and the database file's checksum

The manifest comes last, written once every file is in, so what it counts is what the archive holds
even while the platform runs. A restore reads the whole artefact and checks it against its manifest
before it changes anything.

The artefact holds password hashes and TOTP keys: it is written owner-only (0600, in a
0700 folder) and, with BACKUP_PASSPHRASE or BACKUP_KEY set, encrypted whole as a .tar.gz.enc
(iisg.core.backup_encryption). The sessions are left out: they are live sign-ins, worth nothing to
a restored platform and everything to whoever reads the file.
"""

import contextlib
import io
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from . import backup_encryption
from .storage import file_sha256

FORMAT = "iisg-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Tables whose rows a backup leaves out (the table itself is kept, empty): who is signed in.
LEFT_OUT = (Session._meta.db_table,)
OWNER_ONLY_FILE, OWNER_ONLY_FOLDER = 0o600, 0o700
# Connection options that libpq reads from the environment, as Django's own dbshell passes them.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}
# A PostgreSQL restore first empties the connection's schema (normally public) of every table, view,
# sequence, routine and type, in the restore's transaction: pg_restore's --clean would drop only the
# objects the dump holds, and leave those of a later migration. The schema itself stays (the
# platform's user may not own it), and so do the objects of extensions and those that go with
# another object (an identity column's sequence, a table's row type). One DROP per kind, with IF
# EXISTS: CASCADE may already have dropped a listed object (a view with its table).
EMPTY_SCHEMA = """
SET client_min_messages = warning;
DO $empty$
DECLARE
    statement text;
BEGIN
    FOR statement IN
        SELECT format('DROP %s IF EXISTS %s CASCADE', kind, string_agg(name, ', '))
        FROM (
            SELECT c.oid AS object, 'pg_class'::regclass AS catalog, format('%I.%I', n.nspname, c.relname) AS name,
                CASE c.relkind WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW'
                    WHEN 'v' THEN 'VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'f', 'm', 'v', 'S')
            UNION ALL
            SELECT p.oid, 'pg_proc'::regclass,
                format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), 'ROUTINE'
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = current_schema() AND p.prokind <> 'a'
            UNION ALL
            SELECT t.oid, 'pg_type'::regclass, format('%I.%I', n.nspname, t.typname),
                CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = current_schema() AND t.typtype IN ('c', 'd', 'e', 'r')
        ) AS objects
        WHERE NOT EXISTS (
            SELECT FROM pg_depend
            WHERE classid = objects.catalog AND objid = objects.object AND deptype IN ('e', 'i')
        )
        GROUP BY kind
        ORDER BY array_position(
            ARRAY['TABLE', 'FOREIGN TABLE', 'MATERIALIZED VIEW', 'VIEW', 'SEQUENCE', 'ROUTINE', 'DOMAIN', 'TYPE'], kind
        )
    LOOP
        EXECUTE statement;
    END LOOP;
END
$empty$;
"""
# What psql runs to restore a PostgreSQL dump, in one transaction: EMPTY_SCHEMA, then the script
# pg_restore writes from the dump.
RESTORE_SCRIPT = [
    "--no-psqlrc",
    "--quiet",
    "--single-transaction",
    "--set=ON_ERROR_STOP=1",
    f"--command={EMPTY_SCHEMA}",
    "--file=-",
]


class BackupRefused(Exception):
    """The artefact cannot be restored here (damaged, another engine, a newer platform); nothing
    was changed."""


class BackupFailed(Exception):
    """A backup or restore step failed (pg_dump, pg_restore, the disk)."""


@dataclass
class Backup:
    path: Path
    manifest: dict
    encrypted: bool
    # The mode var/backups had, when it was open to others and the backup tightened it to 0700.
    tightened_from: int | None = None


@dataclass
class PreparedRestore:
    """An artefact unpacked and checked, ready to replace the database and the files."""

    manifest: dict
    unpacked: Path
    using: str
    encrypted: bool
    # Migrations of this code the artefact's database has not applied: run `migrate` after.
    unapplied: list = field(default_factory=list)

    def apply(self):
        restore_unpacked(self)


def folders():
    """The file folders a backup holds, by their name inside the artefact."""
    return {"documents": Path(settings.DOCUMENTS_ROOT), "media": Path(settings.MEDIA_ROOT)}


def default_folder():
    return Path(settings.VAR_DIR) / "backups"


def default_path(*, encrypted):
    suffix = ".tar.gz.enc" if encrypted else ".tar.gz"
    return default_folder() / f"iisg-{timezone.now():%Y%m%dT%H%M%SZ}{suffix}"


def create_backup(*, output=None, using="default"):
    """Write one artefact holding the database (without the sessions), the documents (with the
    generated reports) and the media, consistent while the platform runs, and return it with its
    manifest. It is encrypted when BACKUP_PASSPHRASE or BACKUP_KEY is set.

    The artefact is readable by its owner only from its first byte, and appears under its name only
    once complete: a backup that fails half-way leaves no file that looks like a backup.
    """
    connection = connections[using]
    engine = _engine(connection.vendor)
    try:
        secret = backup_encryption.configured_secret()
    except backup_encryption.EncryptionError as error:
        raise BackupFailed(str(error)) from None
    path = Path(output) if output else default_path(encrypted=secret is not None)
    # Only the platform's own folder is tightened: a folder named by --output may be shared (/tmp).
    tightened_from = _owner_only_folder(path.parent, tighten=output is None)
    # The work folder sits beside the artefact, on its disk: /tmp may be too small for the database.
    with tempfile.TemporaryDirectory(prefix=".iisg-backup-", dir=path.parent) as work:
        database = Path(work) / DATABASE_FILES[engine]
        if engine == "sqlite":
            migrations, tables = _dump_sqlite(connection, database)
        else:
            migrations, tables = _dump_postgresql(connection, database)
        # mkstemp creates a new file of mode 0600 (or less, should the umask take more), never open
        # to others, not even while it is written; fchmod makes it 0600 exactly, whatever the umask.
        descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        partial = Path(partial)
        try:
            with open(descriptor, "wb") as file:
                os.fchmod(file.fileno(), OWNER_ONLY_FILE)
                with _sink(file, secret) as sink, tarfile.open(fileobj=sink, mode="w|gz") as archive:
                    archive.add(database, arcname=database.name)
                    files = {name: _add_folder(archive, name, folder) for name, folder in folders().items()}
                    manifest = {
                        "format": FORMAT,
                        "version": VERSION,
                        "created": timezone.now().isoformat(timespec="seconds"),
                        "engine": engine,
                        "django": django.get_version(),
                        "database": {
                            "file": database.name,
                            "bytes": database.stat().st_size,
                            "sha256": file_sha256(database),
                        },
                        "migrations": migrations,
                        "tables": tables,
                        "left_out": list(LEFT_OUT),
                        "files": files,
                    }
                    _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    return Backup(path=path, manifest=manifest, encrypted=secret is not None, tightened_from=tightened_from)


def _owner_only_folder(folder, *, tighten):
    """Create the folder 0700 (its parents as the umask has them); when `tighten`, narrow an
    existing folder open to others to 0700 and return the mode it had."""
    if not folder.is_dir():
        folder.mkdir(mode=OWNER_ONLY_FOLDER, parents=True, exist_ok=True)
        os.chmod(folder, OWNER_ONLY_FOLDER)
        return None
    mode = stat.S_IMODE(folder.stat().st_mode)
    if tighten and mode & ~OWNER_ONLY_FOLDER:
        os.chmod(folder, OWNER_ONLY_FOLDER)
        return mode
    return None


@contextlib.contextmanager
def _sink(file, secret):
    """Where the archive is written: the file itself, or an encrypting stream into it that writes
    its last chunk once the archive is whole."""
    if secret is None:
        yield file
        return
    writer = backup_encryption.EncryptingWriter(file, secret)
    yield writer
    writer.finish()


def restore_backup(*, path, using="default"):
    """Replace the database, the documents and the media with the artefact's, after checking all
    of it; return the prepared restore (its manifest, the migrations still to apply).

    Raises BackupRefused, with nothing changed, when the artefact is damaged, incomplete, from the
    other engine or from a newer version of the platform.
    """
    with prepare_restore(path=path, using=using) as prepared:
        prepared.apply()
    return prepared


@contextlib.contextmanager
def prepare_restore(*, path, using="default"):
    """Unpack the artefact into a work folder and check it whole against its manifest; yield a
    PreparedRestore to apply (or not: the command asks first). The work folder goes on exit."""
    connection = connections[using]
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".iisg-restore-", dir=settings.VAR_DIR) as work:
        unpacked = Path(work)
        manifest, encrypted = _unpack(Path(path), unpacked)
        check_manifest(manifest, engine=connection.vendor)
        unapplied = check_migrations(manifest)
        _check_contents(manifest, unpacked)
        yield PreparedRestore(
            manifest=manifest, unpacked=unpacked, using=using, encrypted=encrypted, unapplied=unapplied
        )


def check_manifest(manifest, *, engine):
    """Refuse a manifest that is not an IISG backup of this version or is of the other engine."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused("This file is not an IISG Platform backup (its manifest is not ours).")
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise BackupRefused(
            f"This backup has format version {manifest.get('version')}; this platform reads up to {VERSION}."
        )
    for key in ("database", "migrations", "tables", "files"):
        if not isinstance(manifest.get(key), dict):
            raise BackupRefused(f"The backup's manifest has no {key!r}: it is damaged.")
    if manifest.get("engine") != engine:
        theirs = ENGINE_NAMES.get(manifest.get("engine"), str(manifest.get("engine")))
        ours = ENGINE_NAMES.get(engine, engine)
        raise BackupRefused(
            f"This backup is of a {theirs} database and this platform runs on {ours}: restore it on "
            f"{theirs}. To move data between engines, use `manage.py dumpdata` and `loaddata`."
        )


def restore_unpacked(prepared):
    """Apply a checked artefact. The restored files are first copied beside each folder's (the
    step that may run out of disk), then the database is replaced in one transaction, then each
    folder's files are swapped for the restored ones by renames. A failure before the swap leaves
    database and files as they were."""
    connection = connections[prepared.using]
    if connection.in_atomic_block:
        raise BackupFailed("A restore cannot run inside a transaction.")
    database = prepared.unpacked / prepared.manifest["database"]["file"]
    staged = {}
    try:
        for name, folder in folders().items():
            staged[folder] = _stage_folder(folder, prepared.unpacked / name)
        if connection.vendor == "sqlite":
            _restore_sqlite(connection, database)
        else:
            _restore_postgresql(connection, database)
    except BaseException:
        for staging in staged.values():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    for folder, staging in staged.items():
        _swap_folder(folder, staging)
    ContentType.objects.clear_cache()


def database_contents(cursor, tables, *, left_out=()):
    """The migrations applied ({app: [names]}) and the rows of each table, read with a DB-API cursor;
    the tables `left_out` count none (the dump holds them empty)."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    counts = {}
    for table in sorted(tables):
        if table in left_out:
            counts[table] = 0
            continue
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return migrations, counts


def _engine(vendor):
    if vendor not in DATABASE_FILES:
        raise BackupFailed(f"Backups cover SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _dump_sqlite(connection, target):
    # The backup API copies the live database in one read transaction: a consistent snapshot while
    # the platform writes (WAL lets it go on writing meanwhile).
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        with connection.wrap_database_errors:
            connection.connection.backup(copy)
        # A single self-contained file, whatever the live database's journal mode.
        copy.execute("PRAGMA journal_mode=DELETE")
        # Deleted rows would stay readable in the file's free pages: secure_delete overwrites them
        # with zeros (cheaper than a VACUUM, which would also check every row's constraints again).
        copy.execute("PRAGMA secure_delete=ON")
        tables = _sqlite_tables(copy)
        with copy:
            for table in set(LEFT_OUT) & set(tables):
                copy.execute(f"DELETE FROM {_quote(table)}")
        return database_contents(copy.cursor(), tables)
    finally:
        copy.close()


def _dump_postgresql(connection, target):
    # pg_dump reads the snapshot this transaction exports: the manifest counts what the dump holds.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        contents = database_contents(cursor, connection.introspection.table_names(cursor), left_out=LEFT_OUT)
        left_out = [f"--exclude-table-data={table}" for table in LEFT_OUT]
        # The platform's schema only, as the restore empties and fills only that one: another schema
        # of the database (a copy kept by the test suite, an extension's) is not the platform's data.
        # Not --schema=public: pg_dump would then write CREATE SCHEMA public, which the restore refuses.
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname <> current_schema() "
            "AND nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema'"
        )
        other_schemas = [f"--exclude-schema={name}" for (name,) in cursor.fetchall()]
        _run_libpq(
            "pg_dump",
            ["--format=custom", f"--snapshot={snapshot}", *left_out, *other_schemas, f"--file={target}"],
            connection.settings_dict,
        )
    return contents


def _restore_sqlite(connection, source_path):
    connection.ensure_connection()
    source = sqlite3.connect(source_path)
    try:
        # Copies every page in one write transaction: the live database is replaced whole or not at all.
        with connection.wrap_database_errors:
            source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgresql(connection, dump):
    """Make the database hold exactly what the dump holds, in one transaction: psql empties the
    connection's schema, then runs the SQL script pg_restore writes from the dump, streamed to it
    through a pipe. A restore that fails half-way leaves the database as it was."""
    # Our own connection must hold no lock on the tables psql drops.
    connection.close()
    reader, writer = os.pipe()
    with (
        open(reader, "rb") as script_end,
        open(writer, "wb") as script,
        tempfile.TemporaryFile() as psql_errors,
        tempfile.TemporaryFile() as pg_restore_errors,
    ):
        psql = _start_libpq("psql", RESTORE_SCRIPT, connection.settings_dict, stdin=script_end, stderr=psql_errors)
        # Only psql reads the pipe: should psql stop, pg_restore must see the pipe break.
        script_end.close()
        whole = False
        try:
            pg_restore = _start_libpq(
                "pg_restore",
                ["--no-owner", "--no-privileges", "--file=-", str(dump)],
                stdout=script,
                stderr=pg_restore_errors,
            )
            whole = pg_restore.wait() == 0
        finally:
            # psql commits once its input ends, and the input ends only when this process lets go
            # of the pipe too: unless pg_restore wrote the whole script, psql dies first, and its
            # transaction with it (a half script would otherwise commit).
            if not whole:
                psql.kill()
            script.close()
            psql.wait()
        # psql stops at its first error, and pg_restore, its reader gone, fails after it: the
        # error is psql's unless psql died of the kill above.
        killed = not whole and psql.returncode == -signal.SIGKILL
        if psql.returncode != 0 and not killed:
            raise _failed("psql", psql_errors)
        if not whole:
            raise _failed("pg_restore", pg_restore_errors)


def _start_libpq(
    program, arguments, settings_dict=None, *, stderr, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
):
    """Start pg_dump, pg_restore or psql, on the connection's database when given its settings; the
    password goes through the environment, never on the command line (where `ps` shows it).

    What the program says goes to `stderr`, a file: a pipe nobody reads while another program runs
    could fill up and stall it."""
    command = [program]
    environment = dict(os.environ)
    if settings_dict is not None:
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if settings_dict.get(key):
                command.append(f"{option}={settings_dict[key]}")
        if settings_dict.get("PASSWORD"):
            environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])
        for option, variable in LIBPQ_OPTIONS.items():
            if option in settings_dict.get("OPTIONS", {}):
                environment[variable] = str(settings_dict["OPTIONS"][option])
        command.append(f"--dbname={settings_dict['NAME']}")
    command += arguments
    try:
        return subprocess.Popen(command, env=environment, stdin=stdin, stdout=stdout, stderr=stderr)
    except FileNotFoundError:
        raise BackupFailed(
            f"{program} is not installed (Debian: postgresql-client, the server's major version)."
        ) from None


def _run_libpq(program, arguments, settings_dict=None):
    """Run pg_dump or pg_restore to its end (see _start_libpq); BackupFailed when it fails."""
    with tempfile.TemporaryFile() as errors:
        if _start_libpq(program, arguments, settings_dict, stderr=errors).wait() != 0:
            raise _failed(program, errors)


def _failed(program, errors):
    """The BackupFailed that names the program and quotes what it wrote to `errors`."""
    errors.seek(0)
    return BackupFailed(f"{program} failed: {errors.read().decode(errors='replace').strip()}")


def _sqlite_tables(db):
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    return [name for (name,) in rows]


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def _add_bytes(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def _add_directory(archive, name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info)


def _add_folder(archive, name, folder):
    """Add a folder's regular files under `name/`; return what was added ({"files", "bytes"}).
    A file deleted while the backup runs is left out, and not counted."""
    _add_directory(archive, name)
    added = {"files": 0, "bytes": 0}
    if not folder.is_dir():
        return added
    for directory, subdirectories, names in os.walk(folder):
        subdirectories.sort()
        relative = Path(directory).relative_to(folder)
        for subdirectory in subdirectories:
            _add_directory(archive, str(Path(name) / relative / subdirectory))
        for file_name in sorted(names):
            path = Path(directory) / file_name
            if not path.is_file() or path.is_symlink():
                continue
            try:
                with open(path, "rb") as file:
                    info = archive.gettarinfo(arcname=str(Path(name) / relative / file_name), fileobj=file)
                    archive.addfile(info, file)
            except FileNotFoundError:
                continue
            added["files"] += 1
            added["bytes"] += info.size
    return added


def _unpack(path, work):
    """Extract the whole artefact into `work` and return its manifest and whether it was encrypted;
    a damaged, foreign or altered archive, or an encrypted one the configured secret does not open,
    is refused."""
    if not path.is_file():
        raise BackupRefused(f"No backup at {path}.")
    allowed = {MANIFEST, *DATABASE_FILES.values()}

    def ours(archive):
        for member in archive:
            if member.name not in allowed and member.name.split("/", 1)[0] not in folders():
                raise BackupRefused(f"The backup holds an unexpected entry {member.name!r}: it is not ours.")
            yield member

    def extract(archive):
        # The "data" filter refuses absolute paths, "..", links out of the folder and devices.
        archive.extractall(work, members=ours(archive), filter="data")

    try:
        with open(path, "rb") as file:
            encrypted = backup_encryption.is_encrypted(file)
            if encrypted:
                reader = backup_encryption.DecryptingReader(file, backup_encryption.configured_secret())
                with tarfile.open(fileobj=reader, mode="r|gz") as archive:
                    extract(archive)
                # The archive may end before the file does: what follows must authenticate too.
                reader.finish()
            else:
                with tarfile.open(fileobj=file, mode="r:gz") as archive:
                    extract(archive)
    except backup_encryption.EncryptionError as error:
        raise BackupRefused(f"{error} Nothing was changed.") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupRefused(f"The backup is damaged or incomplete ({error}). Nothing was changed.") from None
    try:
        return json.loads((work / MANIFEST).read_text()), encrypted
    except (FileNotFoundError, ValueError):
        raise BackupRefused("The backup has no readable manifest: it is damaged or incomplete.") from None


def check_migrations(manifest):
    """Refuse a database with migrations this code does not have (a newer platform made it);
    return this code's migrations it has not applied (it is older: run migrate after)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = applied - set(loader.disk_migrations)
    if unknown:
        listed = ", ".join(f"{app}.{name}" for app, name in sorted(unknown)[:5])
        raise BackupRefused(
            f"This backup was made by a newer version of the platform (migrations {listed}… are not in "
            "this code). Restore it with the version that made it."
        )
    unapplied = []
    for key, migration in loader.graph.nodes.items():
        if key not in applied and not (migration.replaces and set(migration.replaces) <= applied):
            unapplied.append(f"{key[0]}.{key[1]}")
    return sorted(unapplied)


def _check_contents(manifest, unpacked):
    database = manifest["database"]
    path = unpacked / str(database.get("file"))
    if database.get("file") != DATABASE_FILES[manifest["engine"]] or not path.is_file():
        raise BackupRefused("The backup has no database file: it is damaged or incomplete.")
    if path.stat().st_size != database.get("bytes") or file_sha256(path) != database.get("sha256"):
        raise BackupRefused("The backup's database file does not match its checksum: it is damaged.")
    for name in folders():
        counted = {"files": 0, "bytes": 0}
        for file in (unpacked / name).rglob("*"):
            if file.is_file():
                counted["files"] += 1
                counted["bytes"] += file.stat().st_size
        if counted != manifest["files"].get(name):
            raise BackupRefused(
                f"The backup's {name} folder holds {counted['files']} files where its manifest says "
                f"{manifest['files'].get(name)}: it is damaged."
            )
    if manifest["engine"] == "sqlite":
        _check_sqlite(path, manifest)
    else:
        # Reads the dump's table of contents: a file pg_restore cannot read is refused here.
        try:
            _run_libpq("pg_restore", ["--list", str(path)])
        except BackupFailed as error:
            raise BackupRefused(f"The backup's database dump cannot be read: {error}") from None


def _check_sqlite(path, manifest):
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (integrity,) = db.execute("PRAGMA integrity_check").fetchone()
            if integrity != "ok":
                raise BackupRefused(f"The backup's database is damaged: {integrity}")
            migrations, tables = database_contents(db.cursor(), _sqlite_tables(db))
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"The backup's database cannot be read: {error}") from None
    if tables != manifest["tables"] or migrations != manifest["migrations"]:
        raise BackupRefused("The backup's database does not hold what its manifest counts: it is damaged.")


def _stage_folder(folder, restored):
    """Copy the restored files into a hidden folder inside `folder` (so the swap is renames within
    one file system) and return it. The folder itself stays: it may be a mount point."""
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restoring-", dir=folder))
    if restored.is_dir():
        for child in restored.iterdir():
            shutil.move(child, staging / child.name)
    return staging


def _swap_folder(folder, staging):
    """Set the folder's files aside, move the staged ones in, then remove those set aside."""
    aside = Path(tempfile.mkdtemp(prefix=".before-restore-", dir=folder))
    for child in folder.iterdir():
        if child not in (aside, staging):
            child.rename(aside / child.name)
    for child in staging.iterdir():
        child.rename(folder / child.name)
    staging.rmdir()
    shutil.rmtree(aside)
