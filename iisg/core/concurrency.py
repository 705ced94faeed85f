"""Two people saving the same record: the second is told, not silently overwritten.

A `Versioned` record (iisg.core.models) counts its saves. Whoever edits it names the version it
started from — the back office in a hidden form field, the API in the body or an `If-Match`
header — and saves with `save_if_unchanged()`. When someone else saved in between, the save is
refused with `EditConflict`, whose message says who changed the record and when; the back office
shows it above the form, the API answers 409 Conflict with it.
"""

from django.db import transaction
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _


class EditConflict(Exception):
    """The record was saved by someone else after `expected_version` was read; nothing was saved.

    `str(error)` is the message for people; `current_version`, `changed_by` (a user or None) and
    `changed_at` (or None) say what happened, for an API to return beside it.
    """

    def __init__(self, obj, *, expected_version, current_version, changed_by=None, changed_at=None, changed=()):
        self.obj = obj
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.changed = tuple(changed)  # the names of the fields changed since, as people read them
        super().__init__(self.message)

    @property
    def message(self):
        return self.explained(
            after=_("you opened it"),
            then=_("Your changes were not saved: reload to see theirs, then apply yours again."),
        )

    def explained(self, *, after, then):
        """The conflict in words: who changed the record, when, after what, which fields, and what
        to do (`then`); a workbook says "after this workbook was downloaded"."""
        who = (self.changed_by.get_full_name() or self.changed_by.get_username()) if self.changed_by else _("someone")
        if self.changed_at is None:
            when = ""
        else:
            when = " " + _("at %(time)s") % {
                "time": formats.date_format(timezone.localtime(self.changed_at), "DATETIME_FORMAT")
            }
        what = " (" + ", ".join(self.changed) + ")" if self.changed else ""
        return _("%(record)s was changed by %(who)s%(when)s after %(after)s%(what)s. %(then)s") % {
            "record": label(self.obj),
            "who": who,
            "when": when,
            "after": after,
            "what": what,
            "then": then,
        }

    def __str__(self):
        return self.message


def label(obj):
    """How the message names a record: "Need AL-WBBSi-007", "Action “Border police training”"."""
    kind = capfirst(obj._meta.verbose_name)
    reference = getattr(obj, "reference", "")
    return f"{kind} {reference}" if reference else f"{kind} “{obj}”"


def claim_version(obj, expected_version):
    """Hold `obj`'s row for this transaction if it is still at `expected_version`, else raise
    EditConflict. The one check every write path goes through; call it in a transaction, then save.

    The conditional UPDATE (a write that changes nothing) both checks and locks: on PostgreSQL a
    second transaction waits for the row and then finds the version moved; on SQLite the write
    lock serialises them the same way.
    """
    model = type(obj)
    expected_version = int(expected_version)
    held = model._default_manager.filter(pk=obj.pk, version=expected_version).update(version=expected_version)
    if not held:
        raise conflict(obj, expected_version)
    # Saving bumps the version from the one stored, whatever an older copy in memory says.
    obj.version = expected_version


def save_if_unchanged(obj, expected_version, **kwargs):
    """Save `obj` (keyword arguments go to `save()`) if nobody saved it since `expected_version`,
    as version `expected_version + 1`; else raise EditConflict and save nothing."""
    with transaction.atomic(using=obj._state.db):
        claim_version(obj, expected_version)
        obj.save(**kwargs)


def conflict(obj, expected_version):
    """The EditConflict for `obj` edited from `expected_version`: who saved it since, when, and
    which fields they changed, from its history when the model keeps one (django-simple-history)."""
    model = type(obj)
    current = model._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
    changed_by = changed_at = None
    changed = ()
    history = getattr(model, "history", None)
    if history is not None:
        records = history.filter(**{model._meta.pk.attname: obj.pk}).select_related("history_user")
        record = records.filter(version__gt=expected_version).first() or records.first()
        if record is not None:
            changed_by, changed_at = record.history_user, record.history_date
            changed = changed_since(records, expected_version, record)
    return EditConflict(
        obj,
        expected_version=expected_version,
        current_version=current,
        changed_by=changed_by,
        changed_at=changed_at,
        changed=changed,
    )


def changed_since(records, version, latest):
    """The verbose names of the fields that differ between the history record of `version` (the
    one the editor read) and `latest`; empty when the history no longer holds that version."""
    base = records.filter(version=version).order_by("-history_id").first()
    if base is None or base.pk == latest.pk:
        return ()
    model = base.instance_type
    ignored = {"version", "updated_at", "created_at"}
    return tuple(
        str(model._meta.get_field(change.field).verbose_name)
        for change in latest.diff_against(base).changes
        if change.field not in ignored
    )
