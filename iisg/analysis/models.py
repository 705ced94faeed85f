"""The record of each run of the matcher: who started it on which cycle, how far it got and what it
proposed, so that a person sees it started and ended (iisg.core.jobs)."""

from django.conf import settings
from django.db import models
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

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("run of the matcher")
        verbose_name_plural = _("runs of the matcher")

    def __str__(self):
        return _("Matcher on %(cycle)s (%(status)s)") % {"cycle": self.cycle, "status": self.get_status_display()}
