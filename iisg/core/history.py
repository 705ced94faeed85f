"""Who changed a record, when and why: every write of the domain leaves its history through here.

django-simple-history keeps a history row for each save and delete. The services name the acting
user and the reason (the history's change reason: "Submitted", "Excel workbook upload", "Imported
from dfid.xml"); these functions are the one way they do it, for one record (`record`,
`record_deletion`) and for many at once (`record_created`, `record_changed`, `insert_history`),
so that a form, the API, a workbook and an import leave the same trace.
"""

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .bulk import insert_rows
from .pagecache import rows_written
from .text import clean_comment


def _stamped(obj, user, reason):
    obj._history_user = user
    # The reason is text like any other (often a person's comment): cleaned the one way.
    obj._change_reason = clean_comment(reason) or None


def _unstamped(obj):
    # The user stays: a many-to-many change that follows (an action's partners) is recorded by
    # django-simple-history as a history row of its own, and names the same user.
    obj.__dict__.pop("_change_reason", None)


def record(obj, *, user, reason, **save_kwargs):
    """Save `obj` (keyword arguments go to `save()`); its history row names `user` and `reason`."""
    _stamped(obj, user, reason)
    try:
        obj.save(**save_kwargs)
    finally:
        _unstamped(obj)
    return obj


def record_deletion(obj, *, user, reason):
    """Delete `obj`; its last history row names `user` and `reason`."""
    _stamped(obj, user, reason)
    try:
        obj.delete()
    finally:
        _unstamped(obj)


def record_created(model, objects, *, user, reason, batch_size=500):
    """Insert many new rows of `model` at once, each with its history row (user and reason)."""
    rows_written(model)  # bulk_create sends no signal
    if has_history(model):
        return bulk_create_with_history(
            objects, model, batch_size=batch_size, default_user=user, default_change_reason=reason
        )
    return model._default_manager.bulk_create(objects, batch_size=batch_size)


@transaction.atomic
def record_changed(model, objects, fields, *, user, reason, batch_size=500):
    """Write `fields` of many changed rows of `model` at once, each with its history row.

    `bulk_update()` skips `save()`, so what a save does by itself is done here: `updated_at` is
    stamped, and a `Versioned` row's version goes up from the one stored (read under a lock), so a
    form opened before this write conflicts."""
    objects = list(objects)
    if not objects:
        return
    rows_written(model)  # bulk_update sends no signal
    fields = set(fields)
    names = {field.name for field in model._meta.concrete_fields}
    if "updated_at" in names:
        now = timezone.now()
        for obj in objects:
            obj.updated_at = now
        fields.add("updated_at")
    if "version" in names:
        stored = dict(
            model._default_manager.select_for_update()
            .filter(pk__in=[obj.pk for obj in objects])
            .values_list("pk", "version")
        )
        for obj in objects:
            obj.version = stored[obj.pk] + 1
        fields.add("version")
    if has_history(model):
        bulk_update_with_history(
            objects, model, sorted(fields), batch_size=batch_size, default_user=user, default_change_reason=reason
        )
    else:
        model._default_manager.bulk_update(objects, sorted(fields), batch_size=batch_size)


def insert_history(model, objects, kind, *, user, reason, date=None):
    """The history rows of `objects` as they are now, `kind` "+" (created), "~" (changed) or "-"
    (deleted), in one bulk insert of plain rows: for writers of thousands of rows (the IATI
    import), where django-simple-history's own bulk functions build a model object per row."""
    history = model.history.model
    names = [field.attname for field in history._meta.concrete_fields if not field.attname.startswith("history_")]
    user_id = user.pk if user is not None else None
    now = date or timezone.now()
    insert_rows(
        history,
        [
            {name: getattr(obj, name) for name in names}
            | {
                "history_date": now,
                "history_type": kind,
                "history_change_reason": reason,
                "history_user_id": user_id,
            }
            for obj in objects
        ],
    )


def record_saved(model, objects, kind, *, user, reason):
    """The history rows `record()` leaves for `objects` a bulk writer saved (`kind` "+" created, "~"
    changed), with the user and the reason, and for a model whose history keeps its many-to-many
    fields (an action's partners and pillars) their rows as they now stand: a few queries for any
    number of objects, the rows written as insert_history writes them."""
    objects = list(objects)
    if not objects:
        return
    history = model.history.model
    pk = model._meta.pk.attname
    now = timezone.now()
    insert_history(model, objects, kind, user=user, reason=clean_comment(reason) or None, date=now)
    m2m_fields = getattr(history, "_history_m2m_fields", ())
    if not m2m_fields:
        return
    keys = [getattr(obj, pk) for obj in objects]
    written = dict(
        history._default_manager.filter(**{f"{pk}__in": keys}, history_date=now, history_type=kind).values_list(
            pk, "history_id"
        )
    )
    for field in m2m_fields:
        through = field.remote_field.through
        source = next(f for f in through._meta.fields if f.is_relation and f.related_model is model)
        names = [f.attname for f in through._meta.fields]
        insert_rows(
            getattr(history, field.name).model,
            [
                {"history_id": written[getattr(row, source.attname)]} | {name: getattr(row, name) for name in names}
                for row in through._default_manager.filter(**{f"{source.attname}__in": keys})
            ],
        )


def has_history(model):
    """Does `model` keep a history (django-simple-history)?"""
    return getattr(model._meta, "simple_history_manager_attribute", None) is not None
