"""The IATI codelists as tables, and the record of every IATI import."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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


class ImportRun(models.Model):
    """One import of IATI files: what was asked, how far it got, and what came of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
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
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    summary = models.JSONField(
        _("summary"),
        default=dict,
        blank=True,
        help_text=_("Counts (read, imported, updated, unchanged, older, filtered, rejected, withdrawn) and problems."),
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("IATI import")
        verbose_name_plural = _("IATI imports")

    def __str__(self):
        return f"{self.source_name} ({self.get_status_display()})"
