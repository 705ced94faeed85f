"""Whether a stored record is as the demo wants it, compared the way the record holds its values.

A second load of the demo leaves a record alone when it is as wanted, and asks a service for a
change only when a value differs: every service cleans text before it saves (NFC, trimmed) and
rich text is sanitised when saved, so the wanted values are compared in the form they take once
stored, and a related record by its id.
"""

from collections import Counter

from iisg.core.models import as_held, differs


def as_stored(model, name, value):
    """`value` of the field `name` of `model` as the table holds it once saved."""
    return as_held(model._meta.get_field(name), value)


def stored(obj, name):
    """What the field `name` of `obj` holds (a related record by its id)."""
    return getattr(obj, obj._meta.get_field(name).attname)


def differences(obj, values):
    """The items of `values` (field name → wanted value) that `obj` does not hold."""
    return {name: value for name, value in values.items() if differs(obj, name, value)}


def rows_differ(rows, wanted, model):
    """Whether the stored `rows` of `model` differ from the `wanted` rows (dicts of field name →
    value), in any order: compared on the fields the wanted rows name."""
    names = sorted({name for row in wanted for name in row})

    def held(row):
        return tuple(stored(row, name) for name in names)

    def meant(row):
        return tuple(as_stored(model, name, row.get(name)) for name in names)

    return Counter(map(held, rows)) != Counter(map(meant, wanted))


def with_ids(rows, wanted, model, key):
    """The `wanted` rows, each given the `id` of a stored row of `rows` it matches on the field
    names `key`, so that a list that replaces them changes rows in place: a row is not deleted and
    added again, nor added beside one with the same natural key (which the table refuses)."""
    free = list(rows)
    result = []
    for row in wanted:
        match = next(
            (old for old in free if not any(differs(old, name, row[name]) for name in key)),
            None,
        )
        if match is not None:
            free.remove(match)
            row = {"id": match.pk, **row}
        result.append(row)
    return result


def ids_differ(manager, targets):
    """Whether the many-to-many `manager` (prefetched) holds other records than `targets`."""
    return {obj.pk for obj in manager.all()} != {target.pk for target in targets}
