"""The IATI codelists as tables, and the record of every IATI import and of what it changed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from iisg.core.jobs import Job, JobStatus
from iisg.core.storage import document_storage


class CodelistEntry(models.Model):
    """One code of an IATI codelist (Sector, Country, Currency…), with its English name."""

    codelist = models.CharField(_("codelist"), max_length=60)
    code = models.CharField(_("code"), max_length=100)
    name = models.CharField(_("name"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        ordering = ["codelist", "code"]
        verbose_name = _("codelist entry")
        verbose_name_plural = _("codelist entries")
        constraints = [models.UniqueConstraint(fields=["codelist", "code"], name="codelist_entry_unique_code")]

    def __str__(self):
        return f"{self.codelist} {self.code}: {self.name}"


class ImportRun(Job):
    """One import of IATI files: what was asked, how far it got, and what came of it."""

    class Status(models.TextChoices):
        QUEUED = JobStatus.QUEUED.value, JobStatus.QUEUED.label
        RUNNING = JobStatus.RUNNING.value, JobStatus.RUNNING.label
        DONE = JobStatus.DONE.value, JobStatus.DONE.label
        REFUSED = "refused", _("Refused")
        FAILED = JobStatus.FAILED.value, JobStatus.FAILED.label
        ROLLED_BACK = "rolled_back", _("Rolled back")

    class Phase(models.TextChoices):
        STARTING = "starting", _("Starting")
        READING = "reading", _("Reading the file")
        FINISHING = "finishing", _("Saving")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    source_name = models.CharField(_("file"), max_length=255)
    # Private: an uploaded file is read by the import job, never served to anyone.
    upload = models.FileField(_("uploaded file"), upload_to="iati/", storage=document_storage, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    countries = models.JSONField(_("countries"), default=list, blank=True)
    sector_prefixes = models.JSONField(_("sector prefixes"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    summary = models.JSONField(
        _("summary"),
        default=dict,
        blank=True,
        help_text=_("Counts (read, imported, updated, unchanged, older, filtered, rejected, withdrawn) and problems."),
    )
    rolled_back_at = models.DateTimeField(_("rolled back"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rolled back by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("IATI import")
        verbose_name_plural = _("IATI imports")

    def __str__(self):
        return f"{self.source_name} ({self.get_status_display()})"


class ImportChange(models.Model):
    """What one import run did to one action: created it, updated it (with the action as it was
    before: its own fields, the child rows the importer replaces and its beneficiary partners) or
    withdrew it, and the action's version after the import. Rolling the run back
    (iisg.iati.services.rollback_import) reads these rows.

    A table rather than one compressed document per run in the private storage: the rows are
    written in the import's own transaction, so a refused or failed import leaves none and a done
    one always has them (a file would live outside the transaction); "has a later import touched
    these actions" is a join on `action`, not a read of every later run's document; and they cost
    what the import already pays, one bulk insert per batch (COPY on PostgreSQL), the "before"
    state only for updated actions, which PostgreSQL compresses itself (TOAST) when it is large.
    """

    # What an import did, for its rollback: no public page shows it (iisg.core.pagecache).
    shown_on_public_pages = False

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    run = models.ForeignKey(ImportRun, verbose_name=_("import"), on_delete=models.CASCADE, related_name="changes")
    # Kept when the action is deleted (by the rollback of a created action, or by a person): the
    # identifier still says which action it was.
    action = models.ForeignKey(
        "actions.Action",
        verbose_name=_("action"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_changes",
    )
    iati_identifier = models.CharField(_("IATI identifier"), max_length=200)
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    version_after = models.PositiveIntegerField(_("version after the import"))
    version_restored = models.PositiveIntegerField(
        _("version after the rollback"),
        null=True,
        blank=True,
        help_text=_("Set when the run was rolled back and the action kept: an earlier run's rollback expects it."),
    )
    before = models.JSONField(
        _("before the import"),
        null=True,
        blank=True,
        help_text=_("An updated action as it was: its fields, and its child rows by table (columns and values)."),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("change of an IATI import")
        verbose_name_plural = _("changes of IATI imports")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.iati_identifier}"
