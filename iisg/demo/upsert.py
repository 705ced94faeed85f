"""Idempotent writes: create a row, or bring it to the wanted values, saving only what differs.

django-simple-history records every save(), wanted or not, so a second load that saved unchanged
rows would still grow the history tables. Every write of the demo goes through these functions, so
that loading the demo twice leaves the database exactly as the first load left it.
"""

from django.db import models
from simple_history.utils import bulk_create_with_history

CHANGE_REASON = "Demo data (load_demo)"


def has_history(model):
    return getattr(model._meta, "simple_history_manager_attribute", None) is not None


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


def _save(obj):
    obj._change_reason = CHANGE_REASON
    obj.save()


def upsert(model, *, key, values=None, create_only=None):
    """The row of `model` matching `key`, created or brought to `values`.

    `create_only` are set when the row is created and never compared afterwards (a calendar UID,
    a password). The row is saved only when one of `values` differs from what it holds.
    """
    values = values or {}
    try:
        obj = model._default_manager.get(**key)
    except model.DoesNotExist:
        obj = model(**key, **values, **(create_only or {}))
        _save(obj)
        return obj
    changed = [name for name, value in values.items() if _current(obj, name) != _wanted(obj, name, value)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        _save(obj)
    return obj


def set_related(obj, name, targets):
    """Make the many-to-many `name` of `obj` hold exactly `targets`; leave it alone if it does."""
    manager = getattr(obj, name)
    wanted = {target.pk for target in targets}
    if set(manager.values_list("pk", flat=True)) != wanted:
        manager.set(wanted)


def upsert_many(model, rows, *, key, existing):
    """Create or update many rows of `model` at once; return them by natural key.

    `rows` are dicts of field attnames (`action_id`, not `action`) to values; `key` is the tuple of
    attnames that identify a row, or a function of such a dict that returns its natural key;
    `existing` is a queryset holding the rows already there. New rows are bulk-created (with their
    history when the model keeps one); existing rows are saved one by one, and only when a value
    differs.
    """
    key_of = key if callable(key) else lambda values: tuple(values[name] for name in key)
    found = {key_of(vars(obj)): obj for obj in existing}
    result, new = {}, []
    for row in rows:
        row_key = key_of(row)
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
                _save(obj)
        result[row_key] = obj
    if new:
        if has_history(model):
            bulk_create_with_history(new, model, batch_size=500, default_change_reason=CHANGE_REASON)
        else:
            model._default_manager.bulk_create(new, batch_size=500)
    return result


def sync_many_to_many(model, name, wanted):
    """Make the many-to-many `name` of each object in `wanted` ({obj: targets}) hold exactly them.

    Reads the current links of all objects in one query and touches only the objects whose links
    differ, through the related manager so that the history of the model records the change.
    """
    through = getattr(model, name).through
    source = getattr(model, name).field.m2m_field_name()
    target = getattr(model, name).field.m2m_reverse_field_name()
    current = {}
    ids = [obj.pk for obj in wanted]
    for source_id, target_id in through.objects.filter(**{f"{source}_id__in": ids}).values_list(
        f"{source}_id", f"{target}_id"
    ):
        current.setdefault(source_id, set()).add(target_id)
    for obj, targets in wanted.items():
        target_ids = {target.pk for target in targets}
        if current.get(obj.pk, set()) != target_ids:
            getattr(obj, name).set(target_ids)
