from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .jobs import Job, JobStatus
from .richtext import RichTextField, sanitise_html
from .text import UnsafeText, clean_text


class CleanedText(models.Model):
    """A record whose text is cleaned before it is checked (iisg.core.text.clean_text): NFC,
    trimmed, and refused, with the field named, when it holds a character XML and spreadsheets
    cannot hold. `full_clean()` does it, so every form of the back office and every service does
    it; bulk writers (workbooks, imports) clean their text with the same function."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        errors = {}
        for field in self._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField) or (exclude and field.name in exclude):
                continue
            value = getattr(self, field.attname)
            if not isinstance(value, str):
                continue
            try:
                setattr(self, field.attname, clean_text(value))
            except UnsafeText as error:
                errors[field.name] = [capfirst(str(error)) + "."]
        try:
            super().clean_fields(exclude=[*(exclude or []), *errors])
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class TimeStampedModel(CleanedText):
    """Every domain record says when it was created and last changed."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def as_held(field, value):
    """`value` as `field` holds it once saved: a related record by its key, text cleaned
    (clean_text) and rich text sanitised, so that "Cafe\u0301 " typed again is no change of "Café"."""
    if field.is_relation:
        return value.pk if isinstance(value, models.Model) else value
    if isinstance(value, str):
        try:
            value = clean_text(value)
        except UnsafeText:
            return value  # differs, and full_clean then says why it cannot be stored
        if isinstance(field, RichTextField):
            value = sanitise_html(value)
    return value


def differs(obj, name, value):
    """Does `value` differ from what the field `name` of `obj` holds, once stored (as_held)?"""
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname) != as_held(field, value)


def apply_changes(obj, changes):
    """Set on `obj` the values of `changes` (field name → value) that differ from what it holds, and
    answer their names: what a service then checks and records, or nothing to save."""
    changed = [name for name, value in changes.items() if differs(obj, name, value)]
    for name in changed:
        setattr(obj, name, changes[name])
    return changed


def not_before(later, earlier, *, name, message):
    """A check that the date `later` is not before `earlier`, when both are known."""
    return models.CheckConstraint(
        condition=Q(**{f"{later}__isnull": True})
        | Q(**{f"{earlier}__isnull": True})
        | Q(**{f"{later}__gte": F(earlier)}),
        name=name,
        violation_error_message=message,
    )


class Versioned(models.Model):
    """A record two people may edit at once: every save of a stored row is a new version, and an
    edit made on an older version is refused (iisg.core.concurrency) instead of overwriting."""

    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Counts the saves; an edit names the one it started from.")
    )

    class Meta:
        abstract = True

    def save(self, **kwargs):
        # Keywords only (Django deprecates positional arguments to save()): update_fields given by
        # position would escape the version below.
        update_fields = kwargs.get("update_fields")
        if self._state.adding or (update_fields is not None and not update_fields):
            super().save(**kwargs)
            return
        # Every path that saves the row (forms, services, the actions workbook) bumps it here, so
        # a form opened before any of them conflicts. Bulk writes bump it themselves.
        self.version += 1
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        try:
            super().save(**kwargs)
        except Exception:
            self.version -= 1  # not saved: a retry must not skip a version
            raise


class WorkbookRun(Job):
    """A workbook too big to check inside the web request (WORKBOOK_BACKGROUND_ROWS), checked and
    applied by the job worker through the same upload function as a small one: who uploaded which
    workbook for which choices, how far it got, and what came of it."""

    class Status(models.TextChoices):
        QUEUED = JobStatus.QUEUED.value, JobStatus.QUEUED.label
        RUNNING = JobStatus.RUNNING.value, JobStatus.RUNNING.label
        DONE = JobStatus.DONE.value, JobStatus.DONE.label
        REFUSED = "refused", _("Refused")
        FAILED = JobStatus.FAILED.value, JobStatus.FAILED.label

    class Phase(models.TextChoices):
        READING = "reading", _("Reading the workbook")
        CHECKING = "checking", _("Checking the rows")
        APPLYING = "applying", _("Applying the changes")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    workbook = models.CharField(_("workbook"), max_length=40, help_text=_("Which workbook: needs, actions."))
    choices = models.JSONField(
        _("choices"), default=dict, blank=True, help_text=_("The cycle (and partner) chosen, by primary key.")
    )
    source_name = models.CharField(_("file"), max_length=255)
    # Private, under a random name: read by the job, never served.
    stored_name = models.CharField(_("stored file"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    added = models.PositiveIntegerField(_("added"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    annotated_name = models.CharField(
        _("annotated copy"), max_length=255, blank=True, help_text=_("The workbook with its errors marked.")
    )

    class Meta:
        verbose_name = _("workbook upload")
        verbose_name_plural = _("workbook uploads")
        ordering = ["-created_at"]

    def __str__(self):
        return _("%(file)s (%(workbook)s workbook)") % {"file": self.source_name, "workbook": self.workbook}
