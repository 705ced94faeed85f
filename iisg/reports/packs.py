"""Board packs (DESIGN.md §7): what a report adopted by the Board was built from, frozen so that
the same PDF, XLSX and DOCX can be made again years later and compared with today's data.

A pack is a SQLite file: the schema of every model of the platform as it stands when the report
is published, the `django_migrations` rows of that state (so that the migrations written later can
be applied to it), the rows the reports read (PACKED_APPS: the directory, the needs, the actions
with their money and exchange rates, the governance records the Method section quotes, the events
of the meetings, the IATI codelists) and one row of metadata (META_TABLE): what report it is, when
it was generated, for which viewer, in which language, and how many rows each table holds. Contact
people, logins, history, jobs and comments are not in it; links to logins are left empty.

- `write_pack(path, report=…, viewer=…)` makes the file (iisg.reports.services.publish_report
  stores it with its SHA-256 on a BoardPack);
- `rebuild(pack, fmt)` makes the report again from the pack: the bytes of its file;
- `changes(pack)` lists the rows added, removed and changed since, per kind of row.
"""

import datetime
import hashlib
import json
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from iisg.analysis import selectors
from iisg.core.permissions import Viewer
from iisg.directory.models import Pillar
from iisg.needs.errors import WorkflowError
from iisg.needs.models import Cycle

from . import content
from .writers import WRITERS

# The layout of the file; a reader that meets a newer one refuses it rather than misread it.
FORMAT_VERSION = 1
META_TABLE = "iisg_pack"
# The apps whose rows a report reads, and within them the models it does not.
PACKED_APPS = ("directory", "needs", "actions", "governance", "events", "iati")
LEFT_OUT = {
    "directory.person",  # contact people: personal data, never in a report
    "governance.productversion",  # the files of the materials page, already in the storage
    "iati.importrun",  # the Secretariat's import work, not figures
    "iati.importchange",
}


class PackDamaged(WorkflowError):
    """The pack's file is missing, does not match its SHA-256 or is of an unknown format."""


def packed_models():
    """The models whose rows a pack holds, their many-to-many tables included, parents first."""
    chosen = [
        model
        for app_label in PACKED_APPS
        for model in apps.get_app_config(app_label).get_models()
        if model._meta.label_lower not in LEFT_OUT and not _is_history(model) and not model._meta.proxy
    ]
    through = [
        m2m.remote_field.through
        for model in chosen
        for m2m in model._meta.local_many_to_many
        if m2m.remote_field.through._meta.auto_created and m2m.related_model in chosen
    ]
    return chosen + through


def _is_history(model):
    return model.__name__.startswith("Historical") and hasattr(model, "instance_type")


def _schema_models():
    """Every table of the platform: the migrations written later may touch any of them."""
    return [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]


def _kept_fields(model, packed):
    """The columns copied: every concrete one, links to what the pack leaves out excepted."""
    return [f for f in model._meta.concrete_fields if not f.is_relation or f.related_model in packed or f.null is False]


def _emptied_fields(model, packed):
    """Links to rows the pack leaves out (logins): copied empty."""
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model not in packed and f.null]


# Attaching a pack file ---------------------------------------------------------------------------


@contextmanager
def attached(path):
    """A database alias reading and writing the SQLite file at `path`, for the time of the block.

    The connection is made here and not declared in the settings: it is this thread's only."""
    alias = f"iisg-pack-{uuid.uuid4().hex}"
    given = {
        DEFAULT_DB_ALIAS: dict(connections.settings[DEFAULT_DB_ALIAS]),
        alias: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)},
    }
    settings_dict = connections.configure_settings(given)[alias]
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


@contextmanager
def reading_from(alias):
    """Every query this thread makes on the default database goes to `alias` for the time of the
    block, and no cache is read or written: the selectors that query through `connection` itself
    (the support mapping's data version, its lists of ids) read the pack too, and a support mapping
    computed from a pack is neither taken from nor left in the caches of the live data.

    The connections and the caches are per thread: other requests of the process are not affected."""
    default, cache = connections[DEFAULT_DB_ALIAS], caches[DEFAULT_CACHE_ALIAS]
    connections[DEFAULT_DB_ALIAS] = connections[alias]
    caches[DEFAULT_CACHE_ALIAS] = DummyCache(alias, {})
    selectors.forget_computed(keep_shared=True)
    try:
        yield
    finally:
        selectors.forget_computed(keep_shared=True)
        connections[DEFAULT_DB_ALIAS], caches[DEFAULT_CACHE_ALIAS] = default, cache


# Freezing ----------------------------------------------------------------------------------------


def write_pack(path, *, report, viewer):
    """Write the pack of `report`, built for `viewer` (iisg.core.permissions.Viewer), as a new
    SQLite file at `path`, from the data as it is now on the default database. Answers the number
    of rows per table."""
    packed = packed_models()
    source = connections[DEFAULT_DB_ALIAS]
    applied = MigrationLoader(source, ignore_no_migrations=True).applied_migrations
    with attached(path) as alias:
        target = connections[alias]
        with target.schema_editor() as editor:
            for model in _schema_models():
                editor.create_model(model)
            editor.execute(f"CREATE TABLE {META_TABLE} (format_version integer NOT NULL, metadata text NOT NULL)")
        recorder = MigrationRecorder(target)
        recorder.ensure_schema()
        recorder.migration_qs.bulk_create(
            [recorder.Migration(app=app, name=name) for app, name in sorted(applied)], batch_size=500
        )
        tables = {}
        with target.constraint_checks_disabled():
            for model in packed:
                tables[model._meta.db_table] = _copy_rows(model, packed, target)
        metadata = {
            "format_version": FORMAT_VERSION,
            "report": {
                "id": report.pk,
                "kind": report.kind,
                "format": report.format,
                "cycle_id": report.cycle_id,
                "year": report.year,
                "pillar_id": report.pillar_id,
                "name": report.name,
                "sha256": report.sha256,
                "generated_at": report.started_at.isoformat(),
            },
            "viewer": {
                "user_id": viewer.user_id,
                "roles": sorted(viewer.roles),
                "partner_id": viewer.partner_id,
                "organisation_id": viewer.organisation_id,
            },
            "language": translation.get_language(),
            "tables": tables,
            "created_at": timezone.now().isoformat(),
        }
        with target.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {META_TABLE} (format_version, metadata) VALUES (%s, %s)",
                [FORMAT_VERSION, json.dumps(metadata, sort_keys=True)],
            )
    return tables


def _copy_rows(model, packed, target, *, batch=1000):
    """Copy every row of `model` as stored (no save(), no signal, `auto_now` fields untouched)."""
    kept, emptied = _kept_fields(model, packed), _emptied_fields(model, packed)
    columns = [f.column for f in kept] + [f.column for f in emptied]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        target.ops.quote_name(model._meta.db_table),
        ", ".join(target.ops.quote_name(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    rows = model._base_manager.using(DEFAULT_DB_ALIAS).order_by("pk").values_list(*(f.attname for f in kept))
    count, chunk = 0, []
    with target.cursor() as cursor:
        for values in rows.iterator(chunk_size=batch):
            chunk.append(
                [f.get_db_prep_save(value, connection=target) for f, value in zip(kept, values, strict=True)]
                + [None] * len(emptied)
            )
            if len(chunk) == batch:
                cursor.executemany(sql, chunk)
                count, chunk = count + len(chunk), []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


# Opening a pack ----------------------------------------------------------------------------------


@contextmanager
def opened(pack):
    """A database alias on a copy of the pack's file, checked against its SHA-256 and migrated to
    the schema of today's code, with the pack's metadata: `(alias, metadata)`. The stored file is
    never written."""
    with tempfile.TemporaryDirectory(prefix="iisg-pack-") as folder:
        path = Path(folder) / "pack.sqlite3"
        try:
            with pack.file.open("rb") as stored, open(path, "wb") as copy:
                shutil.copyfileobj(stored, copy)
        except (FileNotFoundError, ValueError):
            raise PackDamaged(_("The file of %(pack)s is missing from the storage.") % {"pack": pack}) from None
        with open(path, "rb") as copy:
            sha256 = hashlib.file_digest(copy, "sha256").hexdigest()
        if sha256 != pack.sha256:
            raise PackDamaged(
                _("The file of %(pack)s does not match its SHA-256: it was changed or damaged.") % {"pack": pack}
            )
        with attached(path) as alias:
            metadata = _metadata(alias, pack)
            _migrate(alias)
            yield alias, metadata


def _metadata(alias, pack):
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT format_version, metadata FROM {META_TABLE}")
        format_version, metadata = cursor.fetchone()
    if format_version > FORMAT_VERSION:
        raise PackDamaged(
            _("%(pack)s is of format %(found)s; this version of the platform reads up to format %(known)s.")
            % {"pack": pack, "found": format_version, "known": FORMAT_VERSION}
        )
    return json.loads(metadata)


def _migrate(alias):
    """Apply the migrations written since the pack was made (none, most of the time: then nothing
    runs, not even the signals of a migration)."""
    executor = MigrationExecutor(connections[alias])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", database=alias, interactive=False, verbosity=0)


# Rebuilding --------------------------------------------------------------------------------------


def rebuild(pack, fmt=None):
    """The file of the pack's report made again from the pack, in `fmt` (default: the report's own
    format): the same figures, dates and words as when it was generated, whatever changed since.
    Raises PackDamaged when the pack's file is missing or damaged."""
    with opened(pack) as (alias, metadata):
        document = build_document(alias, metadata)
    return WRITERS[fmt or metadata["report"]["format"]](document)


def build_document(alias, metadata):
    """The report's Document (iisg.reports.content) built from the pack attached as `alias`."""
    report = metadata["report"]
    with reading_from(alias), translation.override(metadata["language"]):
        return content.build(
            report["kind"],
            user=_reader(metadata["viewer"]),
            cycle=Cycle.objects.get(pk=report["cycle_id"]) if report["cycle_id"] else None,
            year=report["year"],
            pillar=Pillar.objects.get(pk=report["pillar_id"]) if report["pillar_id"] else None,
            now=datetime.datetime.fromisoformat(report["generated_at"]),
        )


def _reader(viewer):
    """A login that is never saved, carrying the rights the report was built with."""
    reader = get_user_model()(pk=viewer["user_id"], is_active=True)
    reader._iisg_viewer = Viewer(
        user_id=viewer["user_id"],
        roles=frozenset(viewer["roles"]),
        partner_id=viewer["partner_id"],
        organisation_id=viewer["organisation_id"],
    )
    return reader


# What changed since ------------------------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    old: str
    new: str


@dataclass
class RowChange:
    pk: object
    label: str
    fields: list = field(default_factory=list)


@dataclass
class KindChanges:
    """The rows of one kind (one model) added, removed and changed since the pack was made."""

    name: str
    added: list
    removed: list
    changed: list

    @property
    def count(self):
        return len(self.added) + len(self.removed) + len(self.changed)


def changes(pack):
    """What changed in the data since the Board adopted the pack's report: per kind of row that
    changed (needs, actions, transactions, exchange rates, …) the rows added, removed and changed,
    each change with its fields, old → new. Bookkeeping (save counters, times of saving) and links
    to logins do not count."""
    packed = packed_models()
    with opened(pack) as (alias, _metadata):
        found = [compare(model, then=alias, now=DEFAULT_DB_ALIAS, packed=packed) for model in packed]
    return [kind for kind in found if kind.count]


def compare(model, *, then, now, packed):
    """The rows of `model` added, removed and changed from database `then` to database `now`,
    compared by primary key on the fields a report can show."""
    fields = [f for f in _kept_fields(model, packed) if not f.primary_key and _compared(f)]
    names = [f.attname for f in fields]
    before = {row[0]: row[1:] for row in model._base_manager.using(then).values_list("pk", *names)}
    after = {row[0]: row[1:] for row in model._base_manager.using(now).values_list("pk", *names)}
    changed = sorted(pk for pk in before.keys() & after.keys() if before[pk] != after[pk])
    added, removed = sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys())
    labels_now = _labels(model, now, [*added, *changed])
    labels_then = _labels(model, then, removed)
    return KindChanges(
        name=str(model._meta.verbose_name_plural),
        added=[RowChange(pk, labels_now[pk]) for pk in added],
        removed=[RowChange(pk, labels_then[pk]) for pk in removed],
        changed=[
            RowChange(
                pk,
                labels_now[pk],
                [
                    FieldChange(str(f.verbose_name), _shown(f, old, then), _shown(f, new, now))
                    for f, old, new in zip(fields, before[pk], after[pk], strict=True)
                    if old != new
                ],
            )
            for pk in changed
        ],
    )


def _compared(f):
    # Bookkeeping every save changes: the save counter (iisg.core.models.Versioned) and the times.
    return not (f.name == "version" or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))


def _labels(model, using, pks):
    objects = model._base_manager.using(using).in_bulk(pks)
    if model._meta.auto_created:  # a many-to-many row: the two things it links
        links = [f.name for f in model._meta.concrete_fields if f.is_relation]
        return {pk: " – ".join(str(getattr(obj, name)) for name in links) for pk, obj in objects.items()}
    return {pk: str(obj) for pk, obj in objects.items()}


def _shown(f, value, using):
    if value is None or value == "":
        return "—"
    if f.is_relation:
        related = f.related_model._base_manager.using(using).filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if f.flatchoices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return _("yes") if value else _("no")
    return str(value)
