from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from iisg.core.models import CleanedText, TimeStampedModel, Versioned, not_before

from .choices import (
    ActionSource,
    ActivityStatus,
    BudgetStatus,
    BudgetType,
    Coverage,
    OrganisationRole,
    ResponseStatus,
    RoundAnswerKind,
    TransactionType,
)
from .queries import ActionQuerySet, is_active, year_span

currency_code = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 currency code such as EUR."))
MONEY = {"max_digits": 18, "decimal_places": 2}


class Action(Versioned, TimeStampedModel):
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
    default_currency = models.CharField(
        _("default currency"),
        max_length=3,
        default="EUR",
        blank=True,
        validators=[currency_code],
        help_text=_("Empty when an imported file gave none: its values then keep no currency either."),
    )
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

    # What an IATI file said, kept as published (see iisg.iati).
    language = models.CharField(_("language"), max_length=10, blank=True, help_text=_("The default xml:lang."))
    titles = models.JSONField(
        _("titles"), default=list, blank=True, help_text=_("Every [language, text] pair of the title.")
    )
    descriptions = models.JSONField(
        _("descriptions"),
        default=list,
        blank=True,
        help_text=_("Every {type, lang, text} of the descriptions."),
    )
    reporting_organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_actions",
    )
    secondary_reporter = models.BooleanField(
        _("secondary reporter"), default=False, help_text=_("Reported by someone other than its owner.")
    )
    hierarchy = models.PositiveSmallIntegerField(_("hierarchy"), null=True, blank=True)
    humanitarian = models.BooleanField(_("humanitarian"), null=True, blank=True)
    iati_version = models.CharField(_("IATI version"), max_length=10, blank=True)
    iati_last_updated = models.DateTimeField(_("last updated by the publisher"), null=True, blank=True)
    iati_source = models.CharField(_("IATI source file"), max_length=255, blank=True)
    iati_hash = models.CharField(_("IATI content hash"), max_length=64, blank=True)
    withdrawn_at = models.DateTimeField(
        _("withdrawn"),
        null=True,
        blank=True,
        help_text=_("When a re-published source file no longer held this action. Withdrawn actions are not counted."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        # An action merged into another lives on in it (its responses moved there): the one it was
        # merged into is not deleted from under it (services.delete_action refuses, saying why).
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absorbed",
        help_text=_("The imported action this entered one turned out to be. Merged actions are not counted."),
    )
    history = HistoricalRecords(m2m_fields=[partners, pillars])

    objects = ActionQuerySet.as_manager()

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
        """The actual start, else the planned one (START)."""
        return self.actual_start or self.planned_start

    @property
    def end(self):
        """The actual end, else the planned one (END)."""
        return self.actual_end or self.planned_end

    def is_active_in(self, year):
        """ActionQuerySet.active_in for this one action."""
        first, last = year_span(year)
        return is_active(
            status=self.status,
            start=self.start,
            end=self.end,
            withdrawn=self.withdrawn_at,
            merged=self.merged_into_id,
            first=first,
            last=last,
        )


class ActionOrganisation(CleanedText):
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


class ActionSector(CleanedText):
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


class Money(CleanedText):
    """A value in its own currency at its value date, with the EUR figure derived from the monthly
    rates (iisg.actions.money). Without a currency or a rate, the EUR figure stays empty: never 0.

    The EUR figure, its rate and the rate's month are worked out whenever the row is saved,
    whoever saves it (the back office, the API, a workbook): at the month of the value date, else
    of the row's own date (`dated_on`). Bulk writers (the IATI import) convert with the same
    `Rates` before they insert; `money.fill_missing_eur` catches up rows written before a rate
    was known."""

    value = models.DecimalField(_("value"), **MONEY)
    value_raw = models.CharField(_("value as published"), max_length=50, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[currency_code], help_text=_("Empty when not known.")
    )
    value_date = models.DateField(_("value date"), null=True, blank=True)
    value_eur = models.DecimalField(_("value (EUR)"), null=True, blank=True, **MONEY)
    eur_rate = models.DecimalField(
        _("EUR rate"), max_digits=20, decimal_places=10, null=True, blank=True, help_text=_("EUR for one unit.")
    )
    rate_month = models.DateField(_("rate month"), null=True, blank=True, help_text=_("The month whose rate was used."))

    class Meta:
        abstract = True

    EUR_FIELDS = ("value_eur", "eur_rate", "rate_month")

    def dated_on(self):
        """The date the value is converted at when it has no value date of its own."""
        raise NotImplementedError

    def fill_eur(self, rates=None):
        """Set the EUR figure, rate and rate month from the value, its currency and its date, with
        `rates` (iisg.actions.money.Rates) or the stored rates of its currency."""
        from .money import Rates

        if rates is None:
            rates = Rates.for_currencies([self.currency])
        for name, value in rates.fields(self.value, self.currency, self.value_date or self.dated_on()).items():
            setattr(self, name, value)

    def save(self, **kwargs):
        if not getattr(self, "_eur_filled", False):
            self.fill_eur()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *self.EUR_FIELDS}
        self.__dict__.pop("_eur_filled", None)
        super().save(**kwargs)


def iso_currency_or_empty(name):
    return models.CheckConstraint(
        condition=Q(currency="") | Q(currency__regex=r"^[A-Z]{3}$"),
        name=name,
        violation_error_message=_("Use an ISO 4217 currency code such as EUR."),
    )


class Budget(Money):
    """A budget of an action for a period, in its currency, valued at a date."""

    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="budgets")
    budget_type = models.PositiveSmallIntegerField(_("type"), choices=BudgetType.choices, default=BudgetType.ORIGINAL)
    status = models.PositiveSmallIntegerField(_("status"), choices=BudgetStatus.choices, default=BudgetStatus.COMMITTED)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
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
            iso_currency_or_empty("budget_currency_iso"),
        ]

    def __str__(self):
        return f"{self.value:,.2f} {self.currency} ({self.period_start:%Y-%m}–{self.period_end:%Y-%m})"

    def dated_on(self):
        return self.period_start


class PlannedDisbursement(Money):
    """Money an action plans to disburse in a period (IATI planned-disbursement)."""

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="planned_disbursements"
    )
    disbursement_type = models.PositiveSmallIntegerField(_("type"), choices=BudgetType.choices, null=True, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), null=True, blank=True)
    provider = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    receiver = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("receiver"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["period_start"]
        verbose_name = _("planned disbursement")
        verbose_name_plural = _("planned disbursements")
        constraints = [
            not_before(
                "period_end",
                "period_start",
                name="planned_disbursement_end_not_before_start",
                message=_("A planned disbursement cannot end before it starts."),
            ),
            iso_currency_or_empty("planned_disbursement_currency_iso"),
        ]

    def __str__(self):
        return f"{self.value:,.2f} {self.currency} ({self.period_start:%Y-%m})"

    def dated_on(self):
        return self.period_start


class Transaction(Money):
    """A commitment, disbursement or expenditure of an action, in its currency and value date."""

    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="transactions")
    transaction_type = models.PositiveSmallIntegerField(_("type"), choices=TransactionType.choices)
    date = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    provider = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provided_transactions",
    )
    provider_activity = models.CharField(_("provider activity"), max_length=200, blank=True)
    receiver = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("receiver"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_transactions",
    )
    receiver_activity = models.CharField(_("receiver activity"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    humanitarian = models.BooleanField(_("humanitarian"), null=True, blank=True)
    sector_vocabulary = models.CharField(_("sector vocabulary"), max_length=10, blank=True)
    sector_code = models.CharField(_("sector"), max_length=20, blank=True)
    recipient_country = models.CharField(_("recipient country"), max_length=2, blank=True)
    recipient_region = models.CharField(_("recipient region"), max_length=10, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        constraints = [iso_currency_or_empty("transaction_currency_iso")]

    def __str__(self):
        return f"{self.get_transaction_type_display()} {self.date:%Y-%m-%d} {self.value:,.2f} {self.currency}"

    def dated_on(self):
        return self.date


class Recipient(CleanedText):
    """A country or region an action benefits, with its share (IATI recipient-country/-region)."""

    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country")
        REGION = "region", _("Region")

    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(_("kind"), max_length=7, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=10)
    vocabulary = models.CharField(
        _("vocabulary"), max_length=10, blank=True, help_text=_("Regions only; 1 = OECD DAC.")
    )
    percentage = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")

    def __str__(self):
        share = f" {self.percentage}%" if self.percentage is not None else ""
        return f"{self.code}{share}"


class DocumentLink(CleanedText):
    """A document published about an action, by its address."""

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="document_links"
    )
    url = models.URLField(_("address"), max_length=1000)
    file_format = models.CharField(_("format"), max_length=100, blank=True)
    titles = models.JSONField(_("titles"), default=list, blank=True, help_text=_("[language, text] pairs."))
    categories = models.JSONField(_("categories"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("document link")
        verbose_name_plural = _("document links")

    def __str__(self):
        return self.titles[0][1] if self.titles else self.url


class PolicyMarker(CleanedText):
    """How significant a policy objective (gender, environment…) is to an action."""

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="policy_markers"
    )
    vocabulary = models.CharField(_("vocabulary"), max_length=10, default="1")
    code = models.CharField(_("code"), max_length=20)
    significance = models.PositiveSmallIntegerField(_("significance"), null=True, blank=True)

    class Meta:
        ordering = ["vocabulary", "code"]
        verbose_name = _("policy marker")
        verbose_name_plural = _("policy markers")

    def __str__(self):
        return f"{self.code} ({self.significance})"


class RelatedActivity(CleanedText):
    """A link to a parent, child, sibling or co-funded activity, by IATI identifier."""

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="related_activities"
    )
    relation = models.PositiveSmallIntegerField(_("relation"), help_text=_("IATI RelatedActivityType code."))
    ref = models.CharField(_("IATI identifier"), max_length=200)

    class Meta:
        ordering = ["relation", "ref"]
        verbose_name = _("related activity")
        verbose_name_plural = _("related activities")

    def __str__(self):
        return self.ref


class ExchangeRate(models.Model):
    """A monthly average rate of a currency, in a common unit: a cross rate of two currencies in the
    same month gives one in the other (see iisg.actions.money)."""

    currency = models.CharField(_("currency"), max_length=3)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=12)

    class Meta:
        ordering = ["currency", "month"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "month"], name="exchange_rate_unique_month"),
        ]

    def __str__(self):
        return f"{self.currency} {self.month:%Y-%m}"


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
    matched_terms = models.JSONField(
        _("matched words"),
        default=list,
        blank=True,
        help_text=_("The words the need and the action share, strongest first, when the matcher proposed the link."),
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


class RoundAnswer(models.Model):
    """The answer given for an action in an annual response-mapping round (a response cycle): confirmed
    unchanged in one click, or updated through any door that changes it. One per action and round;
    a later answer replaces an earlier one, and who gave it and when are kept here (a confirmation
    also leaves its reason in the action's history)."""

    cycle = models.ForeignKey(
        "needs.Cycle", verbose_name=_("response mapping"), on_delete=models.CASCADE, related_name="round_answers"
    )
    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="round_answers")
    answer = models.CharField(_("answer"), max_length=10, choices=RoundAnswerKind.choices)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="round_answers",
    )
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        ordering = ["cycle", "action"]
        verbose_name = _("response mapping answer")
        verbose_name_plural = _("response mapping answers")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "action"],
                name="round_answer_unique_action",
                violation_error_message=_("This action is already answered for in this response mapping."),
            ),
        ]

    def __str__(self):
        return f"{self.action} ({self.cycle.period}: {self.get_answer_display()})"
