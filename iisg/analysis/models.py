"""The record of each run of the matcher: who started it on which cycle, how far it got and what it
proposed, so that a person sees it started and ended (iisg.core.jobs); and the data-quality alerts
the job worker found (iisg.analysis.quality), with the ones the Secretariat silenced."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from iisg.core.jobs import Job, JobStatus


class MatcherRun(Job):
    """One run of the matcher on a needs cycle, started by a person and run by the job worker."""

    Status = JobStatus

    class Phase(models.TextChoices):
        RANKING = "ranking", _("Ranking the actions for each need")
        SAVING = "saving", _("Saving the proposals")

    cycle = models.ForeignKey(
        "needs.Cycle", verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="matcher_runs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    summary = models.JSONField(
        _("counts"),
        default=dict,
        blank=True,
        help_text=_("Needs considered, responses proposed, pairs skipped as existing or below the threshold."),
    )
    min_score = models.DecimalField(
        _("score floor"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("Proposals scoring below it are not kept; empty: the matcher's default."),
    )
    # The run's own proposals, so that they are reviewed together: a response records no run itself.
    proposals = models.ManyToManyField(
        "actions.Response", verbose_name=_("proposed responses"), related_name="matcher_runs", blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("run of the matcher")
        verbose_name_plural = _("runs of the matcher")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_score__isnull=True) | Q(min_score__gte=0, min_score__lte=1),
                name="matcherrun_min_score_between_0_and_1",
                violation_error_message=_("The score floor is between 0 and 1."),
            ),
        ]

    def __str__(self):
        return _("Matcher on %(cycle)s (%(status)s)") % {"cycle": self.cycle, "status": self.get_status_display()}


class AlertQuerySet(models.QuerySet):
    def silenced(self):
        """The alerts the Secretariat silenced (a SilencedAlert for the same rule and object)."""
        return self.filter(models.Exists(_silence_of_outer()))

    def open(self):
        """The alerts nobody silenced: those shown and counted."""
        return self.exclude(models.Exists(_silence_of_outer()))


def _silence_of_outer():
    return SilencedAlert.objects.filter(
        rule=models.OuterRef("rule"),
        content_type=models.OuterRef("content_type"),
        object_id=models.OuterRef("object_id"),
    )


class Alert(models.Model):
    """One thing a data-quality check found wrong, as the last run of the checks left it
    (iisg.analysis.quality.store_alerts replaces them all at each run). The object it is about is
    named by content type and id; `action` or `need` is the record whose owner must fix it, which
    decides who sees the alert (rules.AlertRule)."""

    rule = models.CharField(_("rule"), max_length=40)
    content_type = models.ForeignKey(ContentType, verbose_name=_("kind of record"), on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField(_("record id"))
    action = models.ForeignKey(
        "actions.Action", verbose_name=_("action"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    need = models.ForeignKey(
        "needs.Need", verbose_name=_("need"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    label = models.CharField(_("record"), max_length=300)
    reason = models.CharField(_("what is wrong"), max_length=500)
    fix_url = models.CharField(_("where to fix it"), max_length=300)
    found_at = models.DateTimeField(_("found"))

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["rule", "label", "object_id"]
        verbose_name = _("data-quality alert")
        verbose_name_plural = _("data-quality alerts")
        constraints = [
            models.UniqueConstraint(fields=["rule", "content_type", "object_id"], name="alert_unique_object"),
            models.CheckConstraint(
                condition=Q(action__isnull=False) | Q(need__isnull=False),
                name="alert_has_action_or_need",
                violation_error_message=_("An alert is about an action or a need."),
            ),
        ]

    def __str__(self):
        return f"{self.label}: {self.reason}"


class SilencedAlert(models.Model):
    """An alert the Secretariat silenced, with why: the check no longer shows it for that object,
    at any later run, until it is unsilenced. Its history keeps who silenced and unsilenced it."""

    rule = models.CharField(_("rule"), max_length=40)
    content_type = models.ForeignKey(ContentType, verbose_name=_("kind of record"), on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField(_("record id"))
    reason = models.TextField(_("reason"))
    silenced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("silenced by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    silenced_at = models.DateTimeField(_("silenced at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-silenced_at"]
        verbose_name = _("silenced alert")
        verbose_name_plural = _("silenced alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "content_type", "object_id"],
                name="silenced_alert_unique_object",
                violation_error_message=_("This alert is already silenced."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="silenced_alert_has_reason",
                violation_error_message=_("Say why the alert is silenced."),
            ),
        ]

    def __str__(self):
        return f"{self.rule} {self.content_type.model} {self.object_id}"


class MatcherModel(models.Model):
    """The model the matcher learnt from people's decisions (iisg.analysis.learning), kept by the job
    worker after each review session; the matcher uses the latest of its version."""

    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    version = models.CharField(
        _("version"), max_length=60, help_text=_("The version of its figures and of scikit-learn.")
    )
    decisions = models.PositiveIntegerField(_("decisions"), help_text=_("Confirmed and rejected pairs learnt from."))
    confirmed = models.PositiveIntegerField(_("confirmed pairs"))
    classifier = models.BinaryField(_("classifier"))
    weights = models.JSONField(_("weights"), default=dict, blank=True, help_text=_("Each figure's weight."))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("model of the matcher")
        verbose_name_plural = _("models of the matcher")

    def __str__(self):
        return _("Matcher model of %(decisions)s decisions (%(version)s)") % {
            "decisions": self.decisions,
            "version": self.version,
        }
