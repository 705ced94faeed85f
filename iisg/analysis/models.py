"""The record of each run of the matcher: who started it on which cycle, how far it got and what it
proposed, so that a person sees it started and ended (iisg.core.jobs)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
