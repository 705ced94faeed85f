"""Idempotent writes of what the demo holds beside the domain aggregates: the directory (partners,
pillars, organisations, memberships, people), the logins, the meetings and decisions, the
thematic areas and the response mapping cycles, for which no service exists. Cycles of needs,
needs, actions, responses, products and events are written by their services (iisg/demo/mapping,
iisg/demo/content.py).

A row is created, or brought to the wanted values and saved only when one of them differs:
django-simple-history records every save(), wanted or not, so a second load that saved unchanged
rows would still grow the history tables. The history names the demo as the reason.
"""

from django.db import models

from iisg.core.history import record, record_created

CHANGE_REASON = "Demo data (load_demo)"


def _current(obj, name):
    field = obj._meta.get_field(name)
    if field.many_to_one or field.one_to_one:
        return getattr(obj, field.attname)
    return getattr(obj, name)


def _wanted(obj, name, value):
    field = obj._meta.get_field(name)
    if (field.many_to_one or field.one_to_one) and isinstance(value, models.Model):
        return value.pk
    return value


def upsert(model, *, key, values=None, create_only=None):
    """The row of `model` matching `key`, created or brought to `values`.

    `create_only` are set when the row is created and never compared afterwards (a calendar UID,
    a password); a function returning them is called only then. The row is saved only when one of
    `values` differs from what it holds.
    """
    values = values or {}
    try:
        obj = model._default_manager.get(**key)
    except model.DoesNotExist:
        extra = create_only() if callable(create_only) else create_only or {}
        return record(model(**key, **values, **extra), user=None, reason=CHANGE_REASON)
    changed = [name for name, value in values.items() if _current(obj, name) != _wanted(obj, name, value)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        record(obj, user=None, reason=CHANGE_REASON)
    return obj


def set_related(obj, name, targets):
    """Make the many-to-many `name` of `obj` hold exactly `targets`; leave it alone if it does."""
    manager = getattr(obj, name)
    wanted = {target.pk for target in targets}
    if set(manager.values_list("pk", flat=True)) != wanted:
        manager.set(wanted)


def upsert_many(model, rows, *, key, existing):
    """Create or update many rows of `model` at once; return them by natural key.

    `rows` are dicts of field attnames (`cycle_id`, not `cycle`) to values; `key` is the tuple of
    attnames that identify a row; `existing` is a queryset holding the rows already there. New rows
    are created in bulk (with their history when the model keeps one); existing rows are saved one
    by one, and only when a value differs.
    """
    found = {tuple(getattr(obj, name) for name in key): obj for obj in existing}
    result, new = {}, []
    for row in rows:
        row_key = tuple(row[name] for name in key)
        if row_key in result:
            raise ValueError(f"Two {model._meta.verbose_name_plural} share the natural key {row_key}.")
        obj = found.get(row_key)
        if obj is None:
            obj = model(**row)
            new.append(obj)
        else:
            changed = [name for name, value in row.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, row[name])
                record(obj, user=None, reason=CHANGE_REASON)
        result[row_key] = obj
    if new:
        record_created(model, new, user=None, reason=CHANGE_REASON)
    return result
