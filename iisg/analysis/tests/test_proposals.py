"""The matcher's proposals: responses for the Secretariat to review, never confirmed by the matcher,
never proposed again once rejected; from the back office as a background job, or from a command."""

import datetime
import signal
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from iisg.actions.choices import Coverage, ResponseStatus
from iisg.actions.models import Action, Response
from iisg.analysis.matcher import rank
from iisg.analysis.models import MatcherRun
from iisg.analysis.services import CHANGE_REASON, Proposals, propose_responses, start_matching
from iisg.analysis.tasks import propose_responses_job
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import action_names, login
from iisg.needs.choices import CycleKind, NeedStatus
from iisg.needs.errors import NotAllowed, WorkflowError
from iisg.needs.models import Need

# The cycle of these tests is 2025–2026: an action ended before it is no candidate.
RUNS_THROUGH_THE_CYCLE = datetime.date(2026, 12, 31)

pytestmark = pytest.mark.django_db

CYCLES = reverse("admin:needs_cycle_changelist")
RESPONSES = reverse("admin:actions_response_changelist")
OTHER_ROLES = [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER]


@pytest.fixture
def secretariat():
    return f.UserFactory(roles=[Role.SECRETARIAT])


@pytest.fixture
def montenegro():
    return f.PartnerFactory(code="ME")


@pytest.fixture
def borders():
    return f.PillarFactory(code="wbbsi")


@pytest.fixture
def cycle():
    return f.CycleFactory(first_year=2025, last_year=2026)


def need(cycle, partner, pillar, title, status=NeedStatus.VALIDATED):
    return f.NeedFactory(cycle=cycle, partner=partner, pillar=pillar, title=title, description="", status=status)


def action(title, *, partners, pillars):
    created = f.ActionFactory(title=title, planned_end=RUNS_THROUGH_THE_CYCLE)
    created.partners.set(partners)
    created.pillars.set(pillars)
    return created


@pytest.fixture
def boats_need(cycle, montenegro, borders):
    return need(cycle, montenegro, borders, "Patrol boats for the border police on Lake Skadar")


@pytest.fixture
def boats(montenegro, borders):
    return action("Patrol boats on Lake Skadar", partners=[montenegro], pillars=[borders])


@pytest.fixture
def dogs(montenegro, borders):
    return action("Sniffer dogs for the border police", partners=[montenegro], pillars=[borders])


@pytest.fixture
def unrelated(montenegro, borders):
    return action("Cadastre of the coastal municipalities", partners=[montenegro], pillars=[borders])


def matcher_responses():
    return Response.objects.filter(proposed_by=None, status=ResponseStatus.PROPOSED)


def pairs(responses):
    return {(response.need_id, response.action_id) for response in responses}


# The service


def test_the_best_actions_become_proposed_responses_of_the_matcher(secretariat, boats_need, boats, dogs, unrelated):
    scores = {match.action_id: match for match in rank(Need.objects.all(), Action.objects.all())[boats_need.pk]}

    result = propose_responses(cycle=boats_need.cycle, per_need=2, min_score=0.1, user=secretariat)

    assert result == Proposals(needs=1, proposed=2, existing=0, below_threshold=0)
    first, second = Response.objects.order_by("-matcher_score")
    assert (first.action, second.action) == (boats, dogs)
    for response in (first, second):
        match = scores[response.action_id]
        assert response.need == boats_need
        assert response.status == ResponseStatus.PROPOSED
        assert response.coverage == Coverage.PARTIAL
        assert response.proposed_by is None
        assert (response.confirmed_by, response.confirmed_at) == (None, None)
        assert response.matcher_score == Decimal(match.score).quantize(Decimal("0.0001"))
        assert response.matched_terms == list(match.terms)
        (history,) = response.history.all()
        assert (history.history_change_reason, history.history_user) == (CHANGE_REASON, secretariat)
    assert {"patrol boats", "skadar"} <= set(first.matched_terms)


def test_actions_scoring_below_the_threshold_are_counted_not_proposed(boats_need, boats, dogs, unrelated):
    result = propose_responses(cycle=boats_need.cycle, per_need=3, min_score=0.99)

    assert result == Proposals(needs=1, proposed=0, existing=0, below_threshold=3)
    assert not Response.objects.exists()


def test_an_action_of_another_partner_or_pillar_is_never_proposed(boats_need, boats, borders, montenegro):
    serbian = action("Patrol boats on Lake Skadar", partners=[f.PartnerFactory(code="RS")], pillars=[borders])
    terrorism = action("Patrol boats on Lake Skadar", partners=[montenegro], pillars=[f.PillarFactory(code="wbcti")])

    propose_responses(cycle=boats_need.cycle, min_score=0)

    assert pairs(Response.objects.all()) == {(boats_need.pk, boats.pk)}
    assert not Response.objects.filter(action__in=[serbian, terrorism]).exists()


def test_only_needs_accepted_into_the_mapping_get_proposals(cycle, montenegro, borders, boats):
    accepted = {
        status: need(cycle, montenegro, borders, "Patrol boats on Lake Skadar", status=status)
        for status in (NeedStatus.VALIDATED, NeedStatus.PROPOSED, NeedStatus.ADOPTED)
    }
    for status in (NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.RETURNED):
        need(cycle, montenegro, borders, "Patrol boats on Lake Skadar", status=status)

    result = propose_responses(cycle=cycle, min_score=0)

    assert result.needs == 3
    assert pairs(Response.objects.all()) == {(n.pk, boats.pk) for n in accepted.values()}


def test_a_rejected_pair_is_never_proposed_again(boats_need, boats, dogs):
    rejected = f.ResponseFactory(need=boats_need, action=boats, status=ResponseStatus.REJECTED, comment="Not this")

    result = propose_responses(cycle=boats_need.cycle, min_score=0)

    assert result == Proposals(needs=1, proposed=1, existing=1, below_threshold=0)
    rejected.refresh_from_db()
    assert (rejected.status, rejected.matcher_score, rejected.history.count()) == (ResponseStatus.REJECTED, None, 1)
    assert pairs(matcher_responses()) == {(boats_need.pk, dogs.pk)}


def test_running_again_proposes_nothing_new(boats_need, boats, dogs):
    first = propose_responses(cycle=boats_need.cycle, min_score=0)
    again = propose_responses(cycle=boats_need.cycle, min_score=0)

    assert first.proposed == 2
    assert again == Proposals(needs=1, proposed=0, existing=2, below_threshold=0)
    assert Response.objects.count() == Response.history.count() == 2


def test_the_matcher_never_confirms_and_leaves_confirmed_responses_alone(secretariat, boats_need, boats, dogs):
    kept = f.ResponseFactory(
        need=boats_need,
        action=dogs,
        status=ResponseStatus.CONFIRMED,
        confirmed_at=timezone.now(),
        proposed_by=secretariat,
    )

    propose_responses(cycle=boats_need.cycle, min_score=0, user=secretariat)

    assert set(Response.objects.values_list("status", flat=True)) == {ResponseStatus.PROPOSED, ResponseStatus.CONFIRMED}
    assert list(Response.objects.filter(status=ResponseStatus.CONFIRMED)) == [kept]
    kept.refresh_from_db()
    assert (kept.proposed_by, kept.matcher_score, kept.matched_terms) == (secretariat, None, [])


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_the_secretariat_runs_the_matcher(role, boats_need, boats):
    with pytest.raises(NotAllowed):
        propose_responses(cycle=boats_need.cycle, user=f.UserFactory(roles=[role]))
    with pytest.raises(NotAllowed):
        start_matching(cycle=boats_need.cycle, user=f.UserFactory(roles=[role]))
    assert not Response.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_response_mapping_cycle_has_no_needs_to_match(secretariat):
    responses = f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2022, last_year=2022)

    with pytest.raises(WorkflowError, match="no needs to match"):
        propose_responses(cycle=responses, user=secretariat)
    with pytest.raises(WorkflowError, match="no needs to match"):
        start_matching(cycle=responses, user=secretariat)


# The background job


def test_starting_the_matcher_queues_its_job_once_committed(
    secretariat, boats_need, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        run = start_matching(cycle=boats_need.cycle, user=secretariat)
        assert not DBTaskResult.objects.exists(), "nothing is queued before the transaction is committed"

    assert (run.cycle, run.created_by, run.status) == (boats_need.cycle, secretariat, MatcherRun.Status.QUEUED)
    assert len(callbacks) == 1
    callbacks[0]()
    job = DBTaskResult.objects.get()
    assert job.task_path == "iisg.analysis.tasks.propose_responses_job"
    assert job.args_kwargs == {"args": [run.pk], "kwargs": {}}


def started_run(cycle, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return start_matching(cycle=cycle, user=user)


def test_the_job_proposes_responses_on_behalf_of_whoever_started_it_and_records_the_counts(
    secretariat, boats_need, boats, django_capture_on_commit_callbacks
):
    run = started_run(boats_need.cycle, secretariat, django_capture_on_commit_callbacks)

    counts = propose_responses_job.call(run.pk)

    assert counts == {"needs": 1, "proposed": 1, "existing": 0, "below_threshold": 0}
    assert matcher_responses().get().history.get().history_user == secretariat
    run.refresh_from_db()
    assert run.status == MatcherRun.Status.DONE
    assert run.summary == counts
    assert run.finished_at >= run.started_at
    assert propose_responses_job.call(run.pk) is None, "a job delivered twice runs once"


def test_the_job_checks_the_rights_again_and_fails_the_run_with_the_reason(
    secretariat, boats_need, boats, django_capture_on_commit_callbacks
):
    demoted = f.UserFactory(roles=[Role.SECRETARIAT])
    run = started_run(boats_need.cycle, demoted, django_capture_on_commit_callbacks)
    demoted.groups.clear()

    with pytest.raises(NotAllowed):
        propose_responses_job.call(run.pk)

    run.refresh_from_db()
    assert run.status == MatcherRun.Status.FAILED
    assert run.error == "Only the Secretariat runs the matcher."
    assert not Response.objects.exists()


def test_a_run_whose_starter_lost_the_login_fails_saying_so(
    secretariat, boats_need, boats, django_capture_on_commit_callbacks
):
    run = started_run(boats_need.cycle, secretariat, django_capture_on_commit_callbacks)
    secretariat.delete()

    with pytest.raises(WorkflowError):
        propose_responses_job.call(run.pk)

    run.refresh_from_db()
    assert run.status == MatcherRun.Status.FAILED
    assert run.error == "The person who started the matcher no longer has a login."
    assert not Response.objects.exists()


@contextmanager
def own_signal_handlers():
    """The worker installs its own handlers for SIGINT and SIGTERM; the test run keeps its own."""
    names = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {name: signal.getsignal(name) for name in names}
    try:
        yield
    finally:
        for name, handler in saved.items():
            signal.signal(name, handler)


@pytest.mark.django_db(transaction=True)
def test_the_job_worker_runs_the_queued_matching():
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    montenegro, borders = f.PartnerFactory(code="ME"), f.PillarFactory(code="wbbsi")
    wanted = need(f.CycleFactory(), montenegro, borders, "Patrol boats on Lake Skadar")
    boats = action("Patrol boats on Lake Skadar", partners=[montenegro], pillars=[borders])
    run = start_matching(cycle=wanted.cycle, user=secretariat)  # committed: the job is queued

    with own_signal_handlers():
        call_command("job_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    job = DBTaskResult.objects.get()
    assert job.status == "SUCCESSFUL"
    assert job.return_value == {"needs": 1, "proposed": 1, "existing": 0, "below_threshold": 0}
    assert pairs(matcher_responses()) == {(wanted.pk, boats.pk)}
    run.refresh_from_db()
    assert run.status == MatcherRun.Status.DONE


# The back office


def bulk(client, action_name, objects, url):
    return client.post(url, {"action": action_name, ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects], "index": "0"})


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_secretariat_starts_the_matcher_from_the_cycles_list(
    client, boats_need, django_capture_on_commit_callbacks
):
    user = login(client, Role.SECRETARIAT)
    cycle = boats_need.cycle
    assert "propose_responses_selected" in action_names(client.get(CYCLES))

    asked = bulk(client, "propose_responses_selected", [cycle], CYCLES)
    assert "Do not keep proposals scoring below" in asked.content.decode(), "the score floor is asked first"
    assert not MatcherRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CYCLES,
            {"action": "propose_responses_selected", ACTION_CHECKBOX_NAME: [cycle.pk], "post": "yes", "min_score": ""},
        )

    job = DBTaskResult.objects.get()
    run = MatcherRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:analysis_matcherrun_change", args=[run.pk])
    assert (run.cycle, run.created_by, run.min_score) == (cycle, user, None)
    assert job.args_kwargs == {"args": [run.pk], "kwargs": {}}
    (message,) = messages_of(response)
    assert message.startswith(f"The matcher has started on {cycle} in the background:")
    assert not Response.objects.exists(), "the job proposes, not the request"


def test_a_response_mapping_cycle_is_refused_by_the_matcher_action(client, django_capture_on_commit_callbacks):
    login(client, Role.SECRETARIAT)
    responses = f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2022, last_year=2022)

    with django_capture_on_commit_callbacks(execute=True):
        response = bulk(client, "propose_responses_selected", [responses], CYCLES)

    assert messages_of(response) == ["Response mapping 2022 has no needs to match: choose a needs mapping."]
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR])
def test_other_roles_are_not_offered_the_matcher(client, role, boats_need):
    login(client, role, partner=boats_need.partner)
    listing = client.get(CYCLES)

    if listing.status_code == 200:
        assert "propose_responses_selected" not in action_names(listing)
    bulk(client, "propose_responses_selected", [boats_need.cycle], CYCLES)
    assert not DBTaskResult.objects.exists()


def test_the_responses_list_and_form_show_the_words_that_matched(client, boats_need, boats):
    login(client, Role.SECRETARIAT)
    propose_responses(cycle=boats_need.cycle, min_score=0)
    proposal = matcher_responses().get()
    words = ", ".join(proposal.matched_terms)

    listing = client.get(f"{RESPONSES}?status__exact=proposed")
    form = client.get(reverse("admin:actions_response_change", args=[proposal.pk]))

    assert words in listing.content.decode()
    assert words in form.content.decode()
    assert "matched_terms" not in form.context["adminform"].form.fields, "recorded by the matcher, not typed in"


# The command


def test_the_command_proposes_and_prints_the_counts(boats_need, boats, dogs):
    output = StringIO()
    call_command(
        "match_needs", "--cycle", "2025-2026", "--propose", "--per-need", "1", "--min-score", "0", stdout=output
    )

    assert output.getvalue().strip() == (
        "Needs mapping 2025–2026: 1 responses proposed for 1 needs; skipped 0 already linked and 0 scoring below 0.0."
    )
    assert pairs(matcher_responses()) == {(boats_need.pk, boats.pk)}


def test_the_command_evaluates_against_the_confirmed_responses(boats_need, boats, dogs):
    f.ResponseFactory(need=boats_need, action=boats, status=ResponseStatus.CONFIRMED, confirmed_at=timezone.now())
    output = StringIO()

    call_command("match_needs", "--cycle", str(boats_need.cycle.pk), "--evaluate", stdout=output)

    lines = output.getvalue().splitlines()
    assert lines[0] == "The matcher on Needs mapping 2025–2026, against its confirmed responses:"
    assert [line.split() for line in lines[1:7]] == [
        ["needs", "with", "a", "confirmed", "response", "1"],
        ["precision@5", "0.200"],
        ["its", "ceiling", "on", "this", "truth", "0.200"],
        ["normalised", "precision@5", "1.000"],
        ["recall@10", "1.000"],
        ["mean", "reciprocal", "rank", "(first", "10)", "1.000"],
    ]
    assert lines[7].startswith("Ranked and measured in ")
    assert Response.objects.count() == 1, "evaluating proposes nothing"


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--cycle", "2025-2026"], "Say what to do"),
        (["--cycle", "2030-2031", "--evaluate"], "No needs-mapping cycle 2030-2031"),
        (["--cycle", "2022", "--propose"], "No needs-mapping cycle 2022"),
        (["--cycle", "last", "--propose"], "Give the cycle as its period"),
    ],
)
def test_the_command_says_what_is_wrong(arguments, error, cycle):
    f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2022, last_year=2022)
    with pytest.raises(CommandError, match=error):
        call_command("match_needs", *arguments, stdout=StringIO())
