from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from iisg.core.models import TimeStampedModel, not_before

from .choices import (
    ActionSource,
    ActivityStatus,
    BudgetStatus,
    BudgetType,
    Coverage,
    OrganisationRole,
    ResponseStatus,
    TransactionType,
)

currency_code = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 currency code such as EUR."))
MONEY = {"max_digits": 18, "decimal_places": 2}


class Action(TimeStampedModel):
    """A project or programme of donors and implementers that may respond to needs."""

    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    iati_identifier = models.CharField(
        _("IATI identifier"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        error_messages={"unique": _("Another action already has this IATI identifier.")},
    )
    status = models.PositiveSmallIntegerField(
        _("status"), choices=ActivityStatus.choices, default=ActivityStatus.IMPLEMENTATION
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    default_currency = models.CharField(_("default currency"), max_length=3, default="EUR", validators=[currency_code])
    partners = models.ManyToManyField(
        "directory.Partner", verbose_name=_("beneficiary partners"), blank=True, related_name="actions"
    )
    pillars = models.ManyToManyField("directory.Pillar", verbose_name=_("pillars"), blank=True, related_name="actions")
    organisations = models.ManyToManyField(
        "directory.Organisation",
        verbose_name=_("organisations"),
        through="ActionOrganisation",
        related_name="actions",
    )
    source = models.CharField(_("source"), max_length=10, choices=ActionSource.choices, default=ActionSource.ENTERED)
    last_imported_at = models.DateTimeField(_("last imported"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[partners, pillars])

    class Meta:
        ordering = ["title"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            not_before(
                "planned_end",
                "planned_start",
                name="action_planned_end_not_before_start",
                message=_("The planned end cannot be before the planned start."),
            ),
            not_before(
                "actual_end",
                "actual_start",
                name="action_actual_end_not_before_start",
                message=_("The actual end cannot be before the actual start."),
            ),
            models.CheckConstraint(
                condition=~Q(iati_identifier=""),
                name="action_iati_identifier_not_empty",
                violation_error_message=_("Leave the IATI identifier empty rather than blank."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def start(self):
        return self.actual_start or self.planned_start

    @property
    def end(self):
        return self.actual_end or self.planned_end


class ActionOrganisation(models.Model):
    """An organisation taking part in an action in an IATI role (funding, implementing…)."""

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.PositiveSmallIntegerField(_("role"), choices=OrganisationRole.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "organisation__name"]
        verbose_name = _("participating organisation")
        verbose_name_plural = _("participating organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "organisation", "role"],
                name="action_organisation_unique_role",
                violation_error_message=_("This organisation already has this role in this action."),
            ),
        ]

    def __str__(self):
        return f"{self.organisation.short_name} ({self.get_role_display()})"


class ActionSector(models.Model):
    """A sector of an action, with its vocabulary (1 = OECD DAC 5-digit) and share."""

    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="sectors")
    vocabulary = models.CharField(_("vocabulary"), max_length=10, default="1")
    code = models.CharField(_("code"), max_length=20)
    percentage = models.DecimalField(
        _("percentage"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["vocabulary", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "vocabulary", "code"],
                name="action_sector_unique",
                violation_error_message=_("This sector is already listed for this action."),
            ),
            models.CheckConstraint(
                condition=Q(percentage__isnull=True) | Q(percentage__gte=0, percentage__lte=100),
                name="action_sector_percentage_0_100",
                violation_error_message=_("A sector percentage lies between 0 and 100."),
            ),
        ]

    def __str__(self):
        share = f" {self.percentage}%" if self.percentage is not None else ""
        return f"{self.code}{share}"


class Budget(models.Model):
    """A budget of an action for a period, in its currency, valued at a date."""

    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="budgets")
    budget_type = models.PositiveSmallIntegerField(_("type"), choices=BudgetType.choices, default=BudgetType.ORIGINAL)
    status = models.PositiveSmallIntegerField(_("status"), choices=BudgetStatus.choices, default=BudgetStatus.COMMITTED)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.DecimalField(_("value"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    value_date = models.DateField(_("value date"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["period_start"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="budget_period_end_not_before_start",
                violation_error_message=_("A budget period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="budget_currency_iso",
                violation_error_message=_("Use an ISO 4217 currency code such as EUR."),
            ),
        ]

    def __str__(self):
        return f"{self.value:,.2f} {self.currency} ({self.period_start:%Y-%m}–{self.period_end:%Y-%m})"


class Transaction(models.Model):
    """A commitment, disbursement or expenditure of an action, in its currency and value date."""

    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="transactions")
    transaction_type = models.PositiveSmallIntegerField(_("type"), choices=TransactionType.choices)
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    value_date = models.DateField(_("value date"))
    provider = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provided_transactions",
    )
    receiver = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("receiver"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_transactions",
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="transaction_currency_iso",
                violation_error_message=_("Use an ISO 4217 currency code such as EUR."),
            ),
        ]

    def __str__(self):
        return f"{self.get_transaction_type_display()} {self.date:%Y-%m-%d} {self.value:,.2f} {self.currency}"


class Response(TimeStampedModel):
    """The link of an action to a need it responds to, proposed by a person or the matcher."""

    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="responses")
    need = models.ForeignKey("needs.Need", verbose_name=_("need"), on_delete=models.CASCADE, related_name="responses")
    coverage = models.CharField(_("coverage"), max_length=10, choices=Coverage.choices, default=Coverage.PARTIAL)
    status = models.CharField(
        _("status"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposed_responses",
    )
    matcher_score = models.DecimalField(
        _("matcher score"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Set when the matcher proposed the link."),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="confirmed_responses",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["need", "action"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "need"],
                name="response_unique_action_need",
                violation_error_message=_("This action is already linked to this need."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ResponseStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
                name="response_confirmed_has_date",
                violation_error_message=_("A confirmed response records when it was confirmed."),
            ),
        ]

    def __str__(self):
        return f"{self.action} → {self.need.reference} ({self.get_coverage_display()}, {self.get_status_display()})"
