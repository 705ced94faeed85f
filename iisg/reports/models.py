"""The reports for the Board that the platform generated: what was asked, by whom, and the file."""

import os

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from iisg.core.jobs import Job, JobStatus
from iisg.core.storage import document_storage

from .content import KINDS


class Format(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"
    DOCX = "docx", "DOCX"


def report_path(report, filename):
    """`reports/<cycle period or year>/<YYYY-MM-DD>-<file name>`: a report is stored with the cycle
    (or year) it covers and the day it was generated, so the folder reads like a register."""
    if report.cycle_id is not None:
        cycle = report.cycle
        scope = (
            str(cycle.first_year) if cycle.first_year == cycle.last_year else f"{cycle.first_year}-{cycle.last_year}"
        )
    else:
        scope = str(report.year or "undated")
    day = timezone.localdate(report.started_at or timezone.now())
    return f"reports/{scope}/{day:%Y-%m-%d}-{filename}"


class Report(Job):
    """One report for the Board, generated in the background with the rights of whoever asked."""

    Status = JobStatus

    class Phase(models.TextChoices):
        BUILDING = "building", _("Computing the figures")
        WRITING = "writing", _("Writing the file")
        STORING = "storing", _("Storing the file")

    kind = models.CharField(_("report"), max_length=10, choices=list(KINDS.items()))
    format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.PDF)
    cycle = models.ForeignKey(
        "needs.Cycle", verbose_name=_("cycle"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    pillar = models.ForeignKey(
        "directory.Pillar", verbose_name=_("pillar"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120, blank=True, help_text=_("The report's file name, without date."))
    # Private: a report leaves only through the download view, which checks who asks.
    file = models.FileField(_("file"), upload_to=report_path, storage=document_storage, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    product_version = models.ForeignKey(
        "governance.ProductVersion",
        verbose_name=_("published as"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self):
        return f"{self.get_kind_display()} {self.scope}"

    @property
    def scope(self):
        """What the report covers, in words: "2021–2022", "2021–2022, WBCTi", "2023"."""
        parts = [self.cycle.period] if self.cycle_id else []
        if self.year and (not self.cycle_id or str(self.year) != self.cycle.period):
            parts.append(str(self.year))
        if self.pillar_id:
            parts.append(str(self.pillar))
        return ", ".join(parts)

    @property
    def filename(self):
        """The name the reader's download folder gets: the report's name and its format."""
        return f"{self.name or 'iisg-report'}.{self.format}"

    def get_download_url(self):
        return reverse("reports:download", kwargs={"pk": self.pk})


def pack_path(pack, filename):
    """`packs/<the report's file path, without its extension>.sqlite3`: the pack sits in a folder
    that mirrors the reports', so that the two read side by side."""
    stem = os.path.splitext(pack.report.file.name)[0].removeprefix("reports/")
    return f"packs/{stem}.sqlite3"


class BoardPack(models.Model):
    """What a report published as adopted by the Board was built from, frozen (DESIGN.md §7): a
    SQLite file of the rows the report read, with its schema's migrations and the viewer it was built
    for, kept in the document storage (and so in every backup) with its SHA-256. iisg.reports.packs
    makes it and rebuilds the report from it; nobody changes or deletes it."""

    report = models.OneToOneField(Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="pack")
    file = models.FileField(_("file"), upload_to=pack_path, storage=document_storage, max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    format_version = models.PositiveSmallIntegerField(_("format version"))
    tables = models.JSONField(_("rows per table"), default=dict)
    created_at = models.DateTimeField(_("frozen"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Board pack")
        verbose_name_plural = _("Board packs")

    def __str__(self):
        return _("Board pack of %(report)s") % {"report": self.report}

    def get_absolute_url(self):
        return reverse("reports:pack-changes", kwargs={"pk": self.pk})

    @property
    def rows(self):
        return sum(self.tables.values())
