"""One backup artefact restores the database, the documents and the media exactly; a damaged one,
or one of the other engine, is refused before anything changes."""

import io
import json
import os
import re
import shutil
import stat
import tarfile
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection

from iisg.actions.models import Response
from iisg.core import backup
from iisg.core.tests import factories
from iisg.needs.models import Need

needs_pg_tools = pytest.mark.skipif(
    connection.vendor == "postgresql" and not all(map(shutil.which, ("pg_dump", "pg_restore", "psql"))),
    reason="pg_dump, pg_restore and psql are not on PATH",
)
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's restore")
# pg_dump reads what is committed: the data of these tests must be.
pytestmark = [pytest.mark.django_db(transaction=True), needs_pg_tools]


@pytest.fixture(autouse=True)
def _var_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def build_platform(settings):
    """A small platform touching most tables: the mapping, money, governance, logins and history,
    with a document, a generated report and an event image on disk."""
    cycle = factories.CycleFactory()
    secretariat = factories.UserFactory(roles=["Secretariat"])
    for partner_code in ("AL", "RS", "XK"):
        partner = factories.PartnerFactory(code=partner_code)
        for pillar_code in ("wbcti", "wbbsi"):
            need = factories.NeedFactory(cycle=cycle, partner=partner, pillar=factories.PillarFactory(code=pillar_code))
            action = factories.ActionFactory()
            factories.ActionOrganisationFactory(action=action)
            factories.ActionSectorFactory(action=action)
            factories.BudgetFactory(action=action)
            factories.TransactionFactory(action=action)
            factories.ResponseFactory(action=action, need=need)
    factories.PersonFactory(user=secretariat)
    factories.MembershipFactory()
    factories.DecisionFactory()
    factories.ProductVersionFactory()
    files = {
        settings.DOCUMENTS_ROOT / "products" / "2024" / "methodology.pdf": b"%PDF-1.7 methodology",
        settings.DOCUMENTS_ROOT / "reports" / "needs-2021-2022.pdf": b"%PDF-1.7 report",
        settings.MEDIA_ROOT / "events" / "2024" / "board.png": b"\x89PNG board",
    }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def every_row():
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
    }


def every_file(settings):
    return {
        str(path.relative_to(root.parent)): path.read_bytes()
        for root in (settings.DOCUMENTS_ROOT, settings.MEDIA_ROOT)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def change_everything(settings):
    Response.objects.all().delete()
    Need.objects.update(title="Changed after the backup")
    factories.OrganisationFactory(name="Created after the backup")
    (settings.DOCUMENTS_ROOT / "reports" / "needs-2021-2022.pdf").unlink()
    (settings.MEDIA_ROOT / "events" / "late.png").write_bytes(b"late")


def test_a_restore_brings_back_every_row_and_every_file(settings, tmp_path):
    build_platform(settings)
    rows, files = every_row(), every_file(settings)
    made = backup.create_backup(output=tmp_path / "platform.tar.gz")
    assert made.manifest["engine"] == connection.vendor
    assert made.manifest["tables"][Need._meta.db_table] == 6
    assert made.manifest["files"] == {"documents": {"files": 2, "bytes": 35}, "media": {"files": 1, "bytes": 10}}

    change_everything(settings)
    assert every_row() != rows

    restored = backup.restore_backup(path=made.path)

    assert every_row() == rows
    assert every_file(settings) == files
    assert restored.unapplied == []
    # The sequences came back too: a new row takes a fresh id.
    assert factories.OrganisationFactory().pk > max(row["id"] for row in rows["directory.Organisation"])


def test_the_commands_back_up_and_restore_with_yes(settings, tmp_path):
    build_platform(settings)
    rows = every_row()
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "cmd.tar.gz"), stdout=out)
    assert "Backup written" in out.getvalue()
    Need.objects.update(title="Changed after the backup")

    call_command("restore", str(tmp_path / "cmd.tar.gz"), yes=True, stdout=io.StringIO())

    assert every_row() == rows


def test_the_default_backup_goes_under_var_backups(settings):
    made = backup.create_backup()
    assert made.path.parent == settings.VAR_DIR / "backups"
    assert re.fullmatch(r"iisg-\d{8}T\d{6}Z\.tar\.gz", made.path.name)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """A umask that lets everyone read what is created: the backup must not rely on a strict one."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_a_backup_is_its_owners_only_from_its_first_byte_whatever_the_umask(settings, monkeypatch, open_umask):
    build_platform(settings)
    add_folder, seen = backup._add_folder, []

    def add_folder_and_look(archive, name, folder):
        seen.extend(mode(path) for path in (settings.VAR_DIR / "backups").glob(".*.partial"))
        return add_folder(archive, name, folder)

    monkeypatch.setattr(backup, "_add_folder", add_folder_and_look)

    made = backup.create_backup()

    assert seen == [0o600, 0o600]
    assert mode(made.path) == 0o600
    assert mode(settings.VAR_DIR / "backups") == 0o700
    assert made.tightened_from is None


def test_a_backup_folder_open_to_others_is_tightened_and_the_command_says_so(settings):
    folder = settings.VAR_DIR / "backups"
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    out = io.StringIO()

    call_command("backup", stdout=out)

    assert mode(folder) == 0o700
    assert f"{folder} was open to other users (0755): now 0700" in out.getvalue()
    assert [mode(path) for path in folder.iterdir()] == [0o600]


def test_a_folder_named_by_output_is_left_as_it_is_and_a_missing_one_made_owner_only(tmp_path, open_umask):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)

    in_shared = backup.create_backup(output=shared / "platform.tar.gz")
    in_new = backup.create_backup(output=tmp_path / "new" / "platform.tar.gz")

    assert (mode(shared), mode(in_shared.path)) == (0o755, 0o600)
    assert (mode(in_new.path.parent), mode(in_new.path)) == (0o700, 0o600)
    assert in_shared.tightened_from is None


def database_file_bytes(path):
    with tarfile.open(path, "r:gz") as archive:
        return archive.extractfile(backup.DATABASE_FILES[connection.vendor]).read()


def test_a_backup_holds_no_session_and_a_restore_signs_everyone_out(settings, tmp_path):
    build_platform(settings)
    signed_in = SessionStore()
    signed_in["_auth_user_id"] = str(factories.UserFactory().pk)
    signed_in.create()
    rows = every_row()

    made = backup.create_backup(output=tmp_path / "platform.tar.gz")

    assert made.manifest["tables"][Session._meta.db_table] == 0
    assert made.manifest["left_out"] == [Session._meta.db_table]
    assert signed_in.session_key.encode() not in database_file_bytes(made.path)
    change_everything(settings)
    out = io.StringIO()
    call_command("restore", str(made.path), yes=True, stdout=out)
    assert not Session.objects.exists()
    assert every_row() == {**rows, "sessions.Session": []}
    assert "nobody is signed in" in out.getvalue()


def test_restore_asks_for_yes_when_stdin_is_not_a_terminal(settings, tmp_path, monkeypatch):
    build_platform(settings)
    made = backup.create_backup(output=tmp_path / "platform.tar.gz")
    Response.objects.all().delete()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(made.path), stdout=io.StringIO())

    assert not Response.objects.exists()


def truncated(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def not_a_backup(path):
    path.write_bytes(b"this is not a backup")


def database_altered(path):
    """Same manifest, one byte of the database changed."""
    with tarfile.open(path, "r:gz") as archive:
        members = [(member, archive.extractfile(member)) for member in archive.getmembers()]
        contents = [(member, reader.read() if reader else None) for member, reader in members]
    with tarfile.open(path, "w:gz") as archive:
        for member, data in contents:
            if member.name.startswith("database."):
                data = data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:]
            archive.addfile(member, io.BytesIO(data) if data is not None else None)


def manifest_counts_more(path):
    """A valid archive whose manifest promises a document it does not hold."""
    with tarfile.open(path, "r:gz") as archive:
        contents = [(m, archive.extractfile(m).read() if m.isfile() else None) for m in archive.getmembers()]
    with tarfile.open(path, "w:gz") as archive:
        for member, data in contents:
            if member.name == backup.MANIFEST:
                manifest = json.loads(data)
                manifest["files"]["documents"]["files"] += 1
                data = json.dumps(manifest).encode()
                member.size = len(data)
            archive.addfile(member, io.BytesIO(data) if data is not None else None)


def schema_objects():
    """Every table, index, view, sequence and type of the connection's schema, by name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relkind FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
            "UNION ALL SELECT typname, typtype FROM pg_type WHERE typnamespace = current_schema()::regnamespace "
            "ORDER BY 1, 2"
        )
        return cursor.fetchall()


LATER_MIGRATION = [
    "CREATE TYPE needs_urgency AS ENUM ('low', 'high')",
    "CREATE TABLE needs_assessment (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
    "need_id bigint NOT NULL REFERENCES needs_need (id), urgency needs_urgency NOT NULL)",
    "CREATE INDEX needs_assessment_need ON needs_assessment (need_id)",
    "INSERT INTO needs_assessment (need_id, urgency) SELECT id, 'high' FROM needs_need",
    "CREATE SEQUENCE needs_assessment_number",
    "CREATE VIEW needs_urgent AS SELECT need_id FROM needs_assessment WHERE urgency = 'high'",
]


@pytest.fixture
def later_migration():
    """Adds, when called, what a migration after the backup would: a table with rows referring to
    needs, its index and identity sequence, a sequence, a view and an enum type."""

    def migrate():
        with connection.cursor() as cursor:
            for statement in LATER_MIGRATION:
                cursor.execute(statement)

    yield migrate
    # A restore that failed leaves them; the flush after the test cannot truncate needs under a
    # foreign key of a table Django does not know.
    with connection.cursor() as cursor:
        cursor.execute("DROP VIEW IF EXISTS needs_urgent")
        cursor.execute("DROP TABLE IF EXISTS needs_assessment")
        cursor.execute("DROP SEQUENCE IF EXISTS needs_assessment_number")
        cursor.execute("DROP TYPE IF EXISTS needs_urgency")


def rows_of_assessments():
    with connection.cursor() as cursor:
        cursor.execute("SELECT need_id, urgency FROM needs_assessment ORDER BY id")
        return cursor.fetchall()


@postgresql_only
def test_a_postgresql_restore_drops_what_a_later_migration_created(settings, tmp_path, later_migration):
    build_platform(settings)
    rows, objects = every_row(), schema_objects()
    made = backup.create_backup(output=tmp_path / "platform.tar.gz")
    later_migration()
    change_everything(settings)
    assert {"needs_assessment", "needs_assessment_number", "needs_urgent"} <= {name for name, _ in schema_objects()}

    backup.restore_backup(path=made.path)

    assert schema_objects() == objects
    assert every_row() == rows
    assert factories.OrganisationFactory().pk > max(row["id"] for row in rows["directory.Organisation"])


def psql_fails_after_emptying_the_schema(monkeypatch, dump):
    """psql stops on an error while pg_restore is still writing: the error told is psql's, not
    pg_restore's broken pipe."""
    start_libpq = backup._start_libpq

    def start_failing_psql(program, arguments, *args, **kwargs):
        if program == "psql":
            script = arguments.index("--file=-")
            arguments = [*arguments[:script], "--command=SELECT 1 / 0", *arguments[script:]]
        return start_libpq(program, arguments, *args, **kwargs)

    monkeypatch.setattr(backup, "_start_libpq", start_failing_psql)
    return r"^psql failed: .*division by zero"


def pg_restore_fails_half_way(monkeypatch, dump):
    """The dump loses its last bytes, the end of its data: pg_restore writes the tables and most of
    their rows, then fails before their keys and indexes."""
    dump.write_bytes(dump.read_bytes()[:-256])
    return r"^pg_restore failed: .+"


@postgresql_only
@pytest.mark.parametrize("failure", [psql_fails_after_emptying_the_schema, pg_restore_fails_half_way])
def test_a_postgresql_restore_failing_half_way_changes_nothing(
    tmp_path, settings, monkeypatch, later_migration, failure
):
    build_platform(settings)
    dump = tmp_path / "database.dump"
    backup._dump_postgresql(connection, dump)
    later_migration()
    change_everything(settings)
    rows, objects, assessments = every_row(), schema_objects(), rows_of_assessments()
    message = failure(monkeypatch, dump)

    with pytest.raises(backup.BackupFailed, match=message):
        backup._restore_postgresql(connection, dump)

    assert schema_objects() == objects
    assert every_row() == rows
    assert rows_of_assessments() == assessments


@pytest.mark.parametrize("damage", [truncated, not_a_backup, database_altered, manifest_counts_more])
def test_a_damaged_backup_is_refused_and_changes_nothing(settings, tmp_path, damage):
    build_platform(settings)
    made = backup.create_backup(output=tmp_path / "platform.tar.gz")
    change_everything(settings)
    rows, files = every_row(), every_file(settings)
    damage(made.path)

    with pytest.raises(backup.BackupRefused, match=r"damaged|incomplete|not ours"):
        backup.restore_backup(path=made.path)

    assert every_row() == rows
    assert every_file(settings) == files
    assert not list(settings.VAR_DIR.glob(".iisg-restore-*"))


def test_a_database_restore_that_fails_leaves_the_files_as_they_were(settings, tmp_path, monkeypatch):
    build_platform(settings)
    made = backup.create_backup(output=tmp_path / "platform.tar.gz")
    change_everything(settings)
    rows, files = every_row(), every_file(settings)

    def fail(connection, dump):
        raise backup.BackupFailed("pg_restore failed: the disk is full")

    monkeypatch.setattr(backup, "_restore_sqlite", fail)
    monkeypatch.setattr(backup, "_restore_postgresql", fail)
    with pytest.raises(backup.BackupFailed, match="the disk is full"):
        backup.restore_backup(path=made.path)

    assert every_row() == rows
    assert every_file(settings) == files
    staged = [*settings.DOCUMENTS_ROOT.glob(".restoring-*"), *settings.MEDIA_ROOT.glob(".restoring-*")]
    assert not staged


SQLITE_MANIFEST = {
    "format": backup.FORMAT,
    "version": backup.VERSION,
    "engine": "sqlite",
    "database": {"file": "database.sqlite3"},
    "migrations": {},
    "tables": {},
    "files": {},
}


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(
    ("theirs", "ours", "message"),
    [
        ("sqlite", "postgresql", "This backup is of a SQLite database and this platform runs on PostgreSQL"),
        ("postgresql", "sqlite", "This backup is of a PostgreSQL database and this platform runs on SQLite"),
    ],
)
def test_a_backup_of_the_other_engine_is_refused(theirs, ours, message):
    with pytest.raises(backup.BackupRefused, match=message):
        backup.check_manifest({**SQLITE_MANIFEST, "engine": theirs}, engine=ours)


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(
    "manifest",
    [
        {},
        {**SQLITE_MANIFEST, "format": "something-else"},
        {**SQLITE_MANIFEST, "version": backup.VERSION + 1},
        {**SQLITE_MANIFEST, "tables": None},
    ],
)
def test_a_manifest_that_is_not_ours_is_refused(manifest):
    with pytest.raises(backup.BackupRefused):
        backup.check_manifest(manifest, engine="sqlite")


@pytest.mark.django_db(transaction=False)
def test_a_backup_from_a_newer_platform_is_refused_and_an_older_one_needs_migrate():
    with pytest.raises(backup.BackupRefused, match="newer version of the platform"):
        backup.check_migrations({**SQLITE_MANIFEST, "migrations": {"needs": ["0001_initial", "9999_future"]}})
    assert "needs.0001_initial" in backup.check_migrations(SQLITE_MANIFEST)


@pytest.mark.django_db(transaction=False)
def test_the_postgresql_password_goes_through_the_environment_not_the_command_line(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "subprocess.Popen",
        lambda command, env, **kwargs: calls.append((command, env)) or mock.Mock(**{"wait.return_value": 0}),
    )
    database = {"NAME": "iisg", "USER": "iisg", "PASSWORD": "s3cret", "HOST": "db", "PORT": 5432}

    backup._run_libpq("pg_dump", ["--format=custom"], {**database, "OPTIONS": {"sslmode": "require"}})

    ((command, env),) = calls
    assert command == ["pg_dump", "--host=db", "--port=5432", "--username=iisg", "--dbname=iisg", "--format=custom"]
    assert (env["PGPASSWORD"], env["PGSSLMODE"]) == ("s3cret", "require")
