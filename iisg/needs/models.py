from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from iisg.core.models import CleanedText, TimeStampedModel, Versioned, not_before

from .choices import CycleKind, CycleStatus, NeedStatus, NeedType, Perspective, Priority


class CycleQuerySet(models.QuerySet):
    def needs_mapping(self):
        return self.filter(kind=CycleKind.NEEDS)

    def response_mapping(self):
        return self.filter(kind=CycleKind.RESPONSE)

    def latest_first(self):
        return self.order_by("-first_year", "-last_year", "kind")

    def at_work(self):
        """The cycle people are working in: the open one (the latest, if several), else the latest;
        None when there is none. The workbooks and the back office open on it."""
        cycles = self.latest_first()
        return cycles.filter(status=CycleStatus.OPEN).first() or cycles.first()

    def to_show(self):
        """The cycle figures are shown for: the latest adopted one, else the latest; None when there
        is none. The dashboards, the reports and the home page open on it."""
        cycles = self.latest_first()
        return cycles.filter(status=CycleStatus.ADOPTED).first() or cycles.first()


class Cycle(TimeStampedModel):
    """A mapping round: a biennial needs mapping or an annual response mapping."""

    kind = models.CharField(_("kind"), max_length=10, choices=CycleKind.choices)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    status = models.CharField(_("status"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.OPEN)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(
        _("submission deadline"),
        null=True,
        blank=True,
        help_text=_(
            "Those called submit by this date: the focal points their needs in a needs mapping, the donors "
            "and implementers their answers in a response mapping."
        ),
    )
    review_closes_on = models.DateField(
        _("review closes on"),
        null=True,
        blank=True,
        help_text=_("The Secretariat's review deadline."),
    )
    adopted_by = models.ForeignKey(
        "governance.Decision",
        verbose_name=_("adopted by decision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adopted_cycles",
    )
    history = HistoricalRecords()

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-first_year", "kind"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "first_year", "last_year"],
                name="cycle_unique_period",
                violation_error_message=_("A cycle of this kind already exists for this period."),
            ),
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")),
                name="cycle_last_year_not_before_first",
                violation_error_message=_("A cycle's last year cannot be before its first year."),
            ),
            models.CheckConstraint(
                condition=Q(first_year__gte=2000, first_year__lte=2100),
                name="cycle_first_year_plausible",
                violation_error_message=_("The first year must be between 2000 and 2100."),
            ),
            not_before(
                "closes_on",
                "opens_on",
                name="cycle_closes_not_before_opens",
                message=_("A cycle cannot close before it opens."),
            ),
            not_before(
                "review_closes_on",
                "closes_on",
                name="cycle_review_closes_not_before_submission",
                message=_("The review cannot close before the submission deadline."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == CycleKind.RESPONSE and self.first_year and self.last_year != self.first_year:
            raise ValidationError({"last_year": _("A response mapping is of one year: its last year is its first.")})

    @property
    def period(self):
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}–{self.last_year}"


class Area(CleanedText):
    """A thematic area of a pillar in a cycle: objectives at the top, areas beneath them."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="areas")
    pillar = models.ForeignKey(
        "directory.Pillar", verbose_name=_("pillar"), on_delete=models.PROTECT, related_name="areas"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("objective"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=20, help_text=_("Hierarchical code, e.g. 2.3"))
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["pillar__order", "code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "pillar", "code"],
                name="area_unique_code",
                violation_error_message=_("This code is already used in this pillar and cycle."),
            ),
        ]

    def __str__(self):
        return f"{self.pillar} {self.code} {self.name}"


class Need(Versioned, TimeStampedModel):
    """What a partner needs in a pillar and area, with a priority, in one needs-mapping cycle."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="needs")
    reference = models.CharField(_("reference"), max_length=40, help_text=_("e.g. AL-WBBSi-007"))
    partner = models.ForeignKey(
        "directory.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="needs",
        help_text=_("The partner that needs it."),
    )
    pillar = models.ForeignKey(
        "directory.Pillar",
        verbose_name=_("pillar"),
        on_delete=models.PROTECT,
        related_name="needs",
        help_text=_("The IISG pillar the need belongs to."),
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        help_text=_("The thematic area of the pillar in this cycle; it lets donors find the need."),
    )
    title = models.CharField(
        _("title"), max_length=300, help_text=_("What is needed, in one line, e.g. “Mobile thermal cameras”.")
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("What is needed, for whom, where and how much: enough for a donor to understand it."),
    )
    need_type = models.CharField(
        _("type"),
        max_length=15,
        choices=NeedType.choices,
        blank=True,
        help_text=_("Legislative (laws, strategies), institutional (capacity, training) or operational (equipment)."),
    )
    perspective = models.CharField(
        _("perspective"),
        max_length=15,
        choices=Perspective.choices,
        blank=True,
        help_text=_("Does it prevent a threat or respond to it?"),
    )
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=Priority.choices,
        help_text=_("High: needed within the cycle to meet the pillar's objective."),
    )
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_("Why it is needed now: the gap it closes, the strategy or assessment it comes from."),
    )
    responsible_institution = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("responsible institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        help_text=_("The ministry or agency that will carry it out."),
    )
    status = models.CharField(_("status"), max_length=12, choices=NeedStatus.choices, default=NeedStatus.DRAFT)
    review_comment = models.TextField(_("review comment"), blank=True, help_text=_("Reason for a return or rejection."))
    carried_over_from = models.ForeignKey(
        "self",
        verbose_name=_("carried over from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_over_to",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "partner__order", "pillar__order", "reference"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "reference"],
                name="need_unique_reference_in_cycle",
                violation_error_message=_("This reference is already used in this cycle."),
            ),
            models.CheckConstraint(
                condition=~Q(status=NeedStatus.REJECTED) | ~Q(review_comment=""),
                name="need_rejection_has_reason",
                violation_error_message=_("A rejected need must say why (review comment)."),
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.cycle_id and self.cycle.kind != CycleKind.NEEDS:
            errors["cycle"] = _("Needs belong to a needs-mapping cycle.")
        if self.area_id and self.pillar_id and self.area.pillar_id != self.pillar_id:
            errors["area"] = _("The area belongs to another pillar.")
        if self.area_id and self.cycle_id and self.area.cycle_id != self.cycle_id:
            errors["area"] = _("The area belongs to another cycle.")
        if errors:
            raise ValidationError(errors)


class NeedSector(CleanedText):
    """A DAC 5-digit sector a person accepted for a need (from the suggestions of
    iisg.analysis.sectors, on the need's page), so that a need carries sectors like an action and
    meets the actions on the vocabulary donors use. Written by iisg.needs.services.accept_sector
    and remove_sector only."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="sectors")
    vocabulary = models.CharField(_("vocabulary"), max_length=10, default="1")
    code = models.CharField(_("code"), max_length=20)
    history = HistoricalRecords()

    class Meta:
        ordering = ["vocabulary", "code"]
        verbose_name = _("need sector")
        verbose_name_plural = _("need sectors")
        constraints = [
            models.UniqueConstraint(
                fields=["need", "vocabulary", "code"],
                name="need_sector_unique",
                violation_error_message=_("This sector is already listed for this need."),
            ),
        ]

    def __str__(self):
        return self.code
