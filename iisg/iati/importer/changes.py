"""What an import run does to each action, recorded as it writes (`Changes`), and undone when the
run is rolled back (`undo`).

A created action is recorded by its id alone, a withdrawn one too: undoing them needs nothing
more. An updated action is recorded with its state before the update (`ImportChange.before`):

    {"fields": {attname: value, ...},
     "rows": {"actions.budget": {"columns": [attname, ...], "values": [[value, ...], ...]}, ...}}

`fields` are the action's own columns; `rows` hold, per table, the rows the update replaced
(children.REPLACED: the child rows and the beneficiary partners), with their ids and without the
`action_id` they share. The column names are kept with the values so that a column added since
takes its default rather than shifting the others. Values are JSON: dates and times in ISO 8601
with every digit of their microseconds, decimals as strings, so they come back exactly.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db import models, router
from django.db.models.deletion import Collector

from iisg.actions.models import Action
from iisg.core.bulk import insert_rows
from iisg.core.history import insert_history

from ..models import ImportChange
from .children import REPLACED, clear

BATCH_SIZE = 500
_ACTION_COLUMNS = [field for field in Action._meta.concrete_fields if not field.primary_key]
# Restored from the record, all but the version: a rollback is a new version of the action, so
# that a form opened on the imported version conflicts (iisg.core.concurrency).
_RESTORED = [field for field in _ACTION_COLUMNS if field.attname != "version"]


class Changes:
    """The ImportChange rows of one import run, written beside the import's own batches; with no
    run (an import from the command line), nothing is recorded and nothing is read."""

    def __init__(self, run):
        self.run = run

    def before(self, actions):
        """{action id: the state `actions` are in now}, read before an update replaces it: their
        fields from the objects, their replaced rows with one query per table."""
        if self.run is None:
            return {}
        ids = [action.pk for action in actions]
        rows = {pk: {} for pk in ids}
        for model in REPLACED:
            columns = _columns(model)
            names = [field.attname for field in columns]
            label = model._meta.label_lower
            for action_id, *values in (
                model.objects.filter(action_id__in=ids).order_by("pk").values_list("action_id", *names)
            ):
                table = rows[action_id].setdefault(label, {"columns": names, "values": []})
                table["values"].append([_json(value) for value in values])
        return {
            action.pk: {
                "fields": {field.attname: _json(getattr(action, field.attname)) for field in _ACTION_COLUMNS},
                "rows": rows[action.pk],
            }
            for action in actions
        }

    def created(self, actions):
        self._write(ImportChange.Kind.CREATED, actions)

    def updated(self, actions, before):
        self._write(ImportChange.Kind.UPDATED, actions, before)

    def withdrawn(self, actions):
        self._write(ImportChange.Kind.WITHDRAWN, actions)

    def _write(self, kind, actions, before=None):
        if self.run is None:
            return
        insert_rows(
            ImportChange,
            [
                {
                    "run_id": self.run.pk,
                    "action_id": action.pk,
                    "iati_identifier": action.iati_identifier,
                    "kind": kind,
                    "version_after": action.version,
                    "before": before[action.pk] if before else None,
                }
                for action in actions
            ],
        )


def undo(run, *, user, reason):
    """Undo what import `run` did, its checks already passed (iisg.iati.selectors.rollback_plan):
    delete the actions it created, put the ones it updated back as they were (fields, replaced
    rows with their ids, partners), and count again the ones it withdrew. Each action's history
    names `user` and `reason`. Created actions someone deleted since are passed over."""
    changes = run.changes.exclude(action=None)
    _delete_created(changes.filter(kind=ImportChange.Kind.CREATED), user=user, reason=reason)
    for batch in _batches(changes.filter(kind=ImportChange.Kind.UPDATED)):
        _restore(batch, user=user, reason=reason)
    for batch in _batches(changes.filter(kind=ImportChange.Kind.WITHDRAWN).defer("before")):
        _count_again(batch, user=user, reason=reason)


def _delete_created(changes, *, user, reason):
    """Delete the created actions with what hangs on them (child rows, proposed responses), as
    Model.delete() does but for a batch at once: one collector, whose history rows carry `user`
    and `reason` because the objects it deletes are these, stamped."""
    ids = list(changes.values_list("action_id", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        actions = list(Action.objects.filter(pk__in=ids[start : start + BATCH_SIZE]))
        for action in actions:
            action._history_user = user
            action._change_reason = reason
        collector = Collector(using=router.db_for_write(Action))
        collector.collect(actions)
        collector.delete()


def _restore(changes, *, user, reason):
    actions = Action.objects.in_bulk([change.action_id for change in changes])
    clear(list(actions.keys()))
    rows = {model: [] for model in REPLACED}
    for change in changes:
        action = actions[change.action_id]
        fields = change.before["fields"]
        for field in _RESTORED:
            if field.attname in fields:
                setattr(action, field.attname, _python(field, fields[field.attname]))
        action.version += 1
        change.version_restored = action.version
        for model in REPLACED:
            table = change.before["rows"].get(model._meta.label_lower)
            if table:
                fields_of = [model._meta.get_field(name) for name in table["columns"]]
                for values in table["values"]:
                    row = {field.attname: _python(field, value) for field, value in zip(fields_of, values, strict=True)}
                    rows[model].append(model(action_id=change.action_id, **row))
    restored = list(actions.values())
    Action.objects.bulk_update(restored, [*(field.attname for field in _RESTORED), "version"])
    insert_history(Action, restored, "~", user=user, reason=reason)
    # bulk_create() and not core.bulk.insert_rows: the rows come back with their own ids.
    for model, objects in rows.items():
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    ImportChange.objects.bulk_update(changes, ["version_restored"])


def _count_again(changes, *, user, reason):
    actions = list(Action.objects.filter(pk__in=[change.action_id for change in changes]))
    version_of = {}
    for action in actions:
        action.withdrawn_at = None
        action.version += 1
        version_of[action.pk] = action.version
    Action.objects.bulk_update(actions, ["withdrawn_at", "version"])
    insert_history(Action, actions, "~", user=user, reason=reason)
    for change in changes:
        change.version_restored = version_of[change.action_id]
    ImportChange.objects.bulk_update(changes, ["version_restored"])


def _batches(changes):
    """The `changes` a batch at a time, read by id: the batches before have written to the table."""
    ids = list(changes.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        yield list(changes.filter(pk__in=ids[start : start + BATCH_SIZE]).order_by("pk"))


def _columns(model):
    """The columns of `model` a record keeps: all but the `action_id` every row of an action shares."""
    return [field for field in model._meta.concrete_fields if field.attname != "action_id"]


def _json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _python(field, value):
    if value is None or isinstance(field, models.JSONField):
        return value
    return field.to_python(value)
