"""Bulk writes of plain rows, for loads of many thousand rows (the IATI import).

`bulk_create` builds a model instance per row and compiles each value through its field; for a
file of 100,000 activities that costs several times more than the database's own work. Here rows
are dicts of attribute names to values the caller has already checked, written with one
`executemany` per batch (on PostgreSQL, one `COPY`). No `save()`, no signals, no history: use it
only for rows whose parent records the change.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models
from django.db.models import Q

from .pagecache import rows_written


def insert_rows(model, rows, *, batch_size=2000):
    """Insert `rows` (dicts keyed by attname: `action_id`, `value`…) into `model`'s table. A field a
    row leaves out takes its default. Returns the number of rows written."""
    if not rows:
        return 0
    # No signal says so for these: the public pages learn of the change here.
    rows_written(model)
    fields = [field for field in model._meta.concrete_fields if not isinstance(field, models.AutoField)]
    defaults = [_default(field) for field in fields]
    prepared = [_preparer(field) for field in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)

    def values(row):
        out = []
        for field, default, prepare in zip(fields, defaults, prepared, strict=True):
            value = row[field.attname] if field.attname in row else default()
            out.append(prepare(value) if prepare else value)
        return out

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one statement: psycopg's executemany sends one per row.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return len(rows)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, [values(row) for row in rows[start : start + batch_size]])
    return len(rows)


def _default(field):
    return field.get_default if field.has_default() or not field.null else (lambda: None)


def _preparer(field):
    """How a Python value becomes a driver value for this field: None when the driver takes it as
    it is (text, numbers, Decimal, dates: Django registers SQLite adapters for the last two)."""
    if isinstance(field, models.JSONField | models.DateTimeField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def full_clean_many(objects, *, exclude=(), check_constraints=True):
    """`full_clean(exclude=exclude)` of each of many unsaved rows of one model, the model's own rules
    unchanged, in a few queries instead of several per row. Returns {index in `objects`:
    ValidationError} for the rows refused, as full_clean would have refused each.

    full_clean asks the database once per check constraint and once per unique field for every
    row: for thousands of rows (a workbook) that is most of the time of the write. A check
    constraint's verdict depends only on the fields it names, so it is asked once per distinct
    set of their values; a unique field is looked up for all the rows in one query, and a value
    two of the rows share is refused on the later one, as saving them one by one would.

    With `check_constraints` False the check constraints are left to the database, which holds
    them too: a writer that then meets an IntegrityError asks again with them, to say which row
    broke which rule in the model's own words."""
    objects = list(objects)
    if not objects:
        return {}
    model = type(objects[0])
    exclude = set(exclude)
    errors = {}
    for index, obj in enumerate(objects):
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors[index] = error.update_error_dict({})
    _unique_fields(model, objects, exclude, errors)
    _constraints(model, objects, exclude, errors, check_constraints)
    return {index: ValidationError(found) for index, found in sorted(errors.items())}


def _unique_fields(model, objects, exclude, errors):
    if model._meta.unique_together:
        for index, obj in enumerate(objects):
            try:
                obj.validate_unique(exclude=exclude | set(errors.get(index, {})))
            except ValidationError as error:
                errors[index] = error.update_error_dict(errors.get(index, {}))
        return
    for field in model._meta.local_fields:
        if not field.unique or field.primary_key or field.name in exclude:
            continue
        wanted = {
            value
            for index, obj in enumerate(objects)
            if field.name not in errors.get(index, {}) and (value := getattr(obj, field.attname)) is not None
        }
        taken = dict(model._default_manager.filter(**{f"{field.attname}__in": wanted}).values_list(field.attname, "pk"))
        for index, obj in enumerate(objects):
            value = getattr(obj, field.attname)
            if value is None or field.name in errors.get(index, {}):
                continue
            if taken.get(value, obj.pk) != obj.pk:
                errors.setdefault(index, {}).setdefault(field.name, []).append(
                    obj.unique_error_message(model, (field.name,))
                )
            else:
                taken[value] = obj.pk if obj.pk is not None else object()


def _constraints(model, objects, exclude, errors, check_constraints):
    verdicts = {}
    for constraint in model._meta.constraints:
        checked = isinstance(constraint, models.CheckConstraint)
        if checked and not check_constraints:
            continue
        names = sorted(_named(model, constraint)) if checked else []
        for index, obj in enumerate(objects):
            skipped = exclude | {name for name in errors.get(index, {}) if name != NON_FIELD_ERRORS}
            # A unique constraint's verdict depends on the table: asked for each row.
            key = None
            if checked:
                key = (constraint.name, tuple(getattr(obj, name) for name in names), frozenset(skipped & set(names)))
            if key is None or key not in verdicts:
                try:
                    constraint.validate(model, obj, exclude=skipped)
                    verdict = None
                except ValidationError as error:
                    verdict = error
                if key is not None:
                    verdicts[key] = verdict
            verdict = verdicts[key] if key is not None else verdict
            if verdict is None:
                continue
            if getattr(verdict, "code", None) == "unique" and len(getattr(constraint, "fields", ())) == 1:
                errors.setdefault(index, {}).setdefault(constraint.fields[0], []).append(verdict)
            else:
                errors[index] = verdict.update_error_dict(errors.get(index, {}))


def _named(model, constraint):
    """The attribute names of the fields a check constraint reads."""
    return {
        model._meta.pk.attname if name == "pk" else model._meta.get_field(name).attname
        for name in Q(constraint.condition).referenced_base_fields
    }
