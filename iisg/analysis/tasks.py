"""The background jobs of the analysis, which the job worker (`manage.py job_worker`) runs: the
matcher, the support mappings worked out again after a change, and the data-quality checks."""

from django.core.cache import cache
from django.utils.translation import gettext as _
from django_tasks import task

from iisg.core import jobs
from iisg.needs.errors import WorkflowError

from . import learning
from .alerts import store_alerts
from .models import MatcherRun
from .selectors import warm_support_mappings
from .services import MIN_SCORE, propose_responses

WARM_UP_PENDING_KEY = "iisg:support-mapping:warm-up-pending"
# Seconds a queued warm-up holds back the next one: past that (a worker that is down, a job lost),
# a committed write queues another.
WARM_UP_PENDING_TIMEOUT = 10 * 60


@task()
def warm_support_mappings_job():
    """Keep in the shared cache the support mappings visitors will ask for, computed from the data
    as it is now (selectors.warm_support_mappings). A write committed from here on queues the next
    job. Answers how many mappings are kept."""
    cache.delete(WARM_UP_PENDING_KEY)
    return warm_support_mappings()


@task()
def check_data_quality_job():
    """Run the data-quality rules on the data as it is today and keep what they found as the alerts
    (alerts.store_alerts). Answers the number found by each rule."""
    return store_alerts()


@task()
def retrain_matcher_job():
    """Train the matcher again on every decision people took (learning.retrain), after a review
    session. Answers the id of the model kept, None when there is nothing to learn from yet."""
    model = learning.retrain()
    return None if model is None else model.pk


@task()
def propose_responses_job(run_id):
    """Run the matcher for MatcherRun `run_id`: propose responses to the needs of its cycle on behalf
    of whoever started it (services.propose_responses), keeping only those scoring at least the run's
    floor (the matcher's default when it has none), with the rights checked again now. Only a
    queued run is started, so a job delivered twice runs once. The run ends done with the counts of
    the Proposals, or failed with the reason (a refusal's own words, else a short error for people);
    nothing is proposed then. Answers the counts; None when the run is not queued."""
    run = jobs.start(MatcherRun, run_id)
    if run is None:
        return None
    run = MatcherRun.objects.select_related("cycle", "created_by").get(pk=run.pk)
    try:
        if run.created_by is None:
            raise WorkflowError(_("The person who started the matcher no longer has a login."))
        with jobs.heartbeat(run):
            propose_responses(cycle=run.cycle, user=run.created_by, run=run, min_score=_floor(run))
    except BaseException as error:
        jobs.fail(run, error=_failure_text(error))
        raise
    return run.summary


def _floor(run):
    return MIN_SCORE if run.min_score is None else run.min_score


def _failure_text(error):
    if isinstance(error, WorkflowError):
        return str(error)
    return jobs.failure_text(
        error,
        stopped=_("The matcher was stopped with the worker; nothing was proposed. Start it again."),
        unexpected=_("The matcher stopped on an unexpected error (%(kind)s); nothing was proposed."),
    )
