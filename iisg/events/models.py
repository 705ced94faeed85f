import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iisg.core.models import TimeStampedModel
from iisg.core.richtext import RichTextField, as_html
from iisg.core.uploads import IMAGE_HELP_TEXT, UploadPath, validate_image

from .choices import EventKind, EventMode, EventStatus

# What calendar clients must see change: a change to one of these raises the event's sequence.
CALENDAR_FIELDS = ("start_date", "end_date", "city", "country", "mode", "status")

IMAGE_ALT_REQUIRED = _("Describe the image for people who cannot see it.")


def passed_by(today):
    """The events whose last day (the end date, else the start date) is before `today`, as a Q: the
    rule of `Event.has_passed` for the database. An event without a date never passes."""
    return Q(end_date__lt=today) | Q(end_date__isnull=True, start_date__lt=today)


class Event(TimeStampedModel):
    """A meeting, workshop or conference of the IISG or its members.

    The date can be unknown: a few events of the old website were published without one, and an
    invented date would be a wrong date.
    """

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Only for events of several days."))
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    partners = models.ManyToManyField(
        "directory.Partner",
        verbose_name=_("partners"),
        blank=True,
        related_name="events",
        help_text=_("The Western Balkan partners the event concerns or takes place in."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    mode = models.CharField(_("mode"), max_length=10, choices=EventMode.choices, default=EventMode.IN_PERSON)
    status = models.CharField(_("status"), max_length=15, choices=EventStatus.choices, default=EventStatus.SCHEDULED)
    sequence = models.PositiveIntegerField(
        _("revision"), default=0, help_text=_("Raised on each change that calendar clients must see.")
    )
    pillars = models.ManyToManyField("directory.Pillar", verbose_name=_("pillars"), blank=True, related_name="events")
    organisers = models.ManyToManyField(
        "directory.Organisation", verbose_name=_("organisers"), blank=True, related_name="organised_events"
    )
    participants = models.ManyToManyField(
        "directory.Organisation",
        verbose_name=_("participating organisations"),
        blank=True,
        related_name="attended_events",
    )
    summary = models.TextField(_("summary"), blank=True)
    body = RichTextField(_("text"), blank=True)
    image = models.ImageField(
        _("image"),
        upload_to=UploadPath("events/%Y"),
        max_length=255,  # the uploaded name is checked against it, before UploadPath shortens it
        blank=True,
        validators=[validate_image],
        help_text=IMAGE_HELP_TEXT,
    )
    image_alt = models.CharField(
        _("image description"),
        max_length=250,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it. Required with an image."),
    )
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        ordering = [F("start_date").desc(nulls_last=True), "title"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=False, end_date__gt=F("start_date")),
                name="event_end_after_start",
                violation_error_message=_(
                    "An end date is only for events of several days and must be after the start date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""),
                name="event_image_has_description",
                violation_error_message=IMAGE_ALT_REQUIRED,
            ),
        ]

    def __str__(self):
        when = self.start_date.isoformat() if self.start_date else _("date not published")
        return f"{self.title} ({when})"

    def clean(self):
        super().clean()
        if self.image and not self.image_alt:
            raise ValidationError({"image_alt": IMAGE_ALT_REQUIRED})

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"slug": self.slug})

    @property
    def body_html(self):
        """The text for a template: sanitised markup, or plain text set in paragraphs."""
        return as_html(self.body)

    @property
    def last_day(self):
        return self.end_date or self.start_date

    def has_passed(self, today=None):
        """Is the event's last day (end, else start) before `today`? The page then says "This event
        has passed." and the list shows it under "Past events"; `passed_by` is the same rule as a Q."""
        today = today or timezone.localdate()
        return self.last_day is not None and self.last_day < today
