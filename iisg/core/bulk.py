"""Bulk writes of plain rows, for loads of many thousand rows (the IATI import).

`bulk_create` builds a model instance per row and compiles each value through its field; for a
file of 100,000 activities that costs several times more than the database's own work. Here rows
are dicts of attribute names to values the caller has already checked, written with one
`executemany` per batch (on PostgreSQL, one `COPY`). No `save()`, no signals, no history: use it
only for rows whose parent records the change.
"""

from django.db import connection, models


def insert_rows(model, rows, *, batch_size=2000):
    """Insert `rows` (dicts keyed by attname: `action_id`, `value`…) into `model`'s table. A field a
    row leaves out takes its default. Returns the number of rows written."""
    if not rows:
        return 0
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
