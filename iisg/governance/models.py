from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from iisg.core.models import TimeStampedModel
from iisg.core.richtext import RichTextField, as_html
from iisg.core.storage import document_storage
from iisg.core.uploads import DOCUMENT_HELP_TEXT, UploadPath, validate_document

from .choices import DecisionKind, MeetingBody, ProductKind, ProductStatus


class Meeting(TimeStampedModel):
    """An event that decides: a numbered Board meeting or a Support Group meeting."""

    event = models.OneToOneField(
        "events.Event", verbose_name=_("event"), on_delete=models.PROTECT, related_name="meeting"
    )
    body = models.CharField(_("body"), max_length=20, choices=MeetingBody.choices)
    pillar = models.ForeignKey(
        "directory.Pillar",
        verbose_name=_("pillar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True, help_text=_("6 for the 6th meeting"))
    chair = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chaired_meetings",
    )

    class Meta:
        ordering = ["-event__start_date"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(body=MeetingBody.SUPPORT_GROUP, pillar__isnull=False)
                | Q(body=MeetingBody.BOARD, pillar__isnull=True),
                name="meeting_pillar_only_for_support_group",
                violation_error_message=_("A Support Group meeting needs a pillar; a Board meeting has none."),
            ),
            models.UniqueConstraint(
                fields=["body", "number"],
                condition=Q(pillar__isnull=True, number__isnull=False),
                name="meeting_unique_board_number",
                violation_error_message=_("There is already a Board meeting with this number."),
            ),
            models.UniqueConstraint(
                fields=["body", "pillar", "number"],
                condition=Q(pillar__isnull=False, number__isnull=False),
                name="meeting_unique_support_group_number",
                violation_error_message=_("There is already a meeting of this Support Group with this number."),
            ),
        ]

    def __str__(self):
        return self.event.title


class Decision(TimeStampedModel):
    """What a meeting decided: adopted a product or a mapping, admitted a member, extended a mandate."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="decisions")
    number = models.PositiveSmallIntegerField(_("number"), help_text=_("Order within the meeting"))
    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind.choices)
    text = models.TextField(_("text"))
    pillars = models.ManyToManyField(
        "directory.Pillar", verbose_name=_("pillars"), blank=True, related_name="decisions"
    )
    history = HistoricalRecords(m2m_fields=[pillars])

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="decision_unique_number",
                violation_error_message=_("This meeting already has a decision with this number."),
            ),
        ]

    def __str__(self):
        return f"{self.meeting} – {self.number}. {self.text[:80]}"


class Product(TimeStampedModel):
    """A methodology, template, report, work plan or strategy, in process, proposed or adopted."""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=15, choices=ProductKind.choices)
    pillars = models.ManyToManyField("directory.Pillar", verbose_name=_("pillars"), blank=True, related_name="products")
    status = models.CharField(
        _("status"), max_length=12, choices=ProductStatus.choices, default=ProductStatus.IN_PROCESS
    )
    description = RichTextField(_("description"), blank=True)
    adopted_by = models.ForeignKey(
        Decision,
        verbose_name=_("adopted by decision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adopted_products",
    )
    history = HistoricalRecords(m2m_fields=[pillars])

    class Meta:
        ordering = ["title"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=Q(adopted_by__isnull=True) | Q(status=ProductStatus.ADOPTED),
                name="product_adopted_by_only_when_adopted",
                violation_error_message=_("Only an adopted product can name the decision that adopted it."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("governance:product", kwargs={"slug": self.slug})

    @property
    def description_html(self):
        """The description for a template: sanitised markup, or plain text set in paragraphs."""
        return as_html(self.description)


class ProductVersion(TimeStampedModel):
    """One version of a product, with its file."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("version"), max_length=20)
    file = models.FileField(
        _("file"),
        upload_to=UploadPath("products/%Y"),
        storage=document_storage,
        max_length=255,  # the uploaded name is checked against it, before UploadPath shortens it
        blank=True,
        validators=[validate_document],
        help_text=DOCUMENT_HELP_TEXT,
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["product", "-published_on", "-version"]
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "version"],
                name="product_version_unique",
                violation_error_message=_("This product already has this version."),
            ),
        ]

    def __str__(self):
        return f"{self.product} v{self.version}"
