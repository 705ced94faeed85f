"""The background job of the matcher: the worker (`manage.py db_worker`) runs it."""

from dataclasses import asdict

from django.contrib.auth import get_user_model
from django_tasks import task

from iisg.needs.models import Cycle

from .services import propose_responses


@task()
def propose_responses_job(cycle_id, user_id):
    """Propose responses to the needs of cycle `cycle_id` with the matcher, on behalf of user
    `user_id` (services.propose_responses), whose rights are checked again when the job runs.
    Answers the counts of the Proposals; None when the cycle or the user no longer exists."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    user = get_user_model().objects.filter(pk=user_id).first()
    if cycle is None or user is None:
        return None
    return asdict(propose_responses(cycle=cycle, user=user))
