"""The page of a run of the matcher: started with a score floor from the cycles' list, followed while
it runs (refreshing itself without JavaScript), then its proposals per partner and pillar and the way
to its review list."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from iisg.actions.models import Action, Response
from iisg.actions.services import confirm_response
from iisg.analysis.matcher import rank
from iisg.analysis.models import MatcherRun
from iisg.analysis.selectors.runs import proposal_counts
from iisg.analysis.services import propose_responses, start_matching
from iisg.analysis.tasks import propose_responses_job
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.needs.errors import WorkflowError
from iisg.needs.models import Need

from .test_matcher_review import proposal
from .test_proposals import action, need

pytestmark = pytest.mark.django_db

CYCLES = reverse("admin:needs_cycle_changelist")


@pytest.fixture
def boats_world():
    """A need for patrol boats, the action that answers it and a weaker one (sniffer dogs)."""
    montenegro, borders = f.PartnerFactory(code="ME"), f.PillarFactory(code="wbbsi")
    wanted = need(f.CycleFactory(first_year=2025, last_year=2026), montenegro, borders, "Patrol boats on Lake Skadar")
    boats = action("Patrol boats on Lake Skadar", partners=[montenegro], pillars=[borders])
    dogs = action("Sniffer dogs for the border police", partners=[montenegro], pillars=[borders])
    return wanted, boats, dogs


def start(client, cycle, min_score):
    posted = {"action": "propose_responses_selected", ACTION_CHECKBOX_NAME: [cycle.pk], "post": "yes"}
    return client.post(CYCLES, {**posted, "min_score": min_score})


def run_page(run):
    return reverse("admin:analysis_matcherrun_change", args=[run.pk])


# Starting, with a score floor


def test_starting_asks_for_the_floor_then_lands_on_the_run_that_refreshes_itself(
    client, boats_world, django_capture_on_commit_callbacks
):
    login(client, Role.SECRETARIAT)
    cycle = boats_world[0].cycle
    asked = client.post(CYCLES, {"action": "propose_responses_selected", ACTION_CHECKBOX_NAME: [cycle.pk]})
    assert '<label for="id_min_score">Do not keep proposals scoring below</label>' in asked.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        started = start(client, cycle, "0.25")

    run = MatcherRun.objects.get()
    assert run.min_score == Decimal("0.25")
    assert started["Location"] == run_page(run)
    page = client.get(started["Location"]).content.decode()
    assert f"The matcher has started on {cycle} in the background" in page
    assert "Waiting for the worker to start the matcher." in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page

    with django_capture_on_commit_callbacks(execute=True):
        propose_responses_job.call(run.pk)

    assert "http-equiv" not in client.get(run_page(run)).content.decode(), "a finished run stops refreshing"


@pytest.mark.parametrize("floor", ["1.5", "-0.1", "many"])
def test_a_floor_outside_0_to_1_is_refused_and_nothing_starts(client, boats_world, floor):
    login(client, Role.SECRETARIAT)

    page = start(client, boats_world[0].cycle, floor)

    assert page.status_code == 200
    assert 'class="errorlist' in page.content.decode()
    assert not MatcherRun.objects.exists()


def test_selecting_several_cycles_starts_one_run_each_and_stays_on_the_list(
    client, boats_world, django_capture_on_commit_callbacks
):
    login(client, Role.SECRETARIAT)
    first, second = boats_world[0].cycle, f.CycleFactory(first_year=2027, last_year=2028)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CYCLES,
            {
                "action": "propose_responses_selected",
                ACTION_CHECKBOX_NAME: [first.pk, second.pk],
                "post": "yes",
                "min_score": "",
            },
        )

    assert response["Location"] == CYCLES
    assert set(MatcherRun.objects.values_list("cycle", "min_score")) == {(first.pk, None), (second.pk, None)}
    assert len(list(get_messages(response.wsgi_request))) == 2


@pytest.mark.parametrize("floor", [Decimal("1.01"), Decimal("-0.01")])
def test_the_service_refuses_a_floor_outside_0_to_1(boats_world, floor):
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    with pytest.raises(WorkflowError, match="between 0 and 1"):
        start_matching(cycle=boats_world[0].cycle, user=secretariat, min_score=floor)
    assert not MatcherRun.objects.exists()


def test_a_run_keeps_only_the_proposals_scoring_at_least_its_floor(boats_world, django_capture_on_commit_callbacks):
    wanted, boats, dogs = boats_world
    scores = {match.action_id: match.score for match in rank(Need.objects.all(), Action.objects.all())[wanted.pk]}
    assert scores[boats.pk] > scores[dogs.pk] > 0.1
    floor = Decimal((scores[boats.pk] + scores[dogs.pk]) / 2).quantize(Decimal("0.0001"))
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])

    with django_capture_on_commit_callbacks(execute=True):
        run = start_matching(cycle=wanted.cycle, user=secretariat, min_score=floor)
    propose_responses_job.call(run.pk)

    run.refresh_from_db()
    kept = Response.objects.get()
    assert kept.action == boats
    assert run.summary["below_threshold"] == 1
    assert list(run.proposals.all()) == [kept]


def test_a_run_without_a_floor_keeps_the_matchers_default(boats_world, django_capture_on_commit_callbacks):
    wanted = boats_world[0]
    with django_capture_on_commit_callbacks(execute=True):
        run = start_matching(cycle=wanted.cycle, user=f.UserFactory(roles=[Role.SECRETARIAT]))
    propose_responses_job.call(run.pk)

    assert run.proposals.count() == 2


def test_proposals_made_outside_a_run_belong_to_no_run(boats_world):
    propose_responses(cycle=boats_world[0].cycle, min_score=0)

    assert Response.objects.count() == 2
    assert not Response.objects.filter(matcher_runs__isnull=False).exists()


# When done


@pytest.fixture
def finished_run():
    """A run that proposed 2 responses for Albania in WBBSi, 1 for Kosovo* in WBBSi and 1 in WBCTi,
    of which one (Albania's first) is confirmed since."""
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    run = MatcherRun.objects.create(
        cycle=f.CycleFactory(),
        created_by=secretariat,
        status=MatcherRun.Status.DONE,
        summary={"needs": 4, "proposed": 4, "existing": 0, "below_threshold": 0},
    )
    albania, kosovo = f.PartnerFactory(code="AL", order=1), f.PartnerFactory(code="XK", order=3)
    borders, terrorism = f.PillarFactory(code="wbbsi", order=3), f.PillarFactory(code="wbcti", order=1)
    confirmed = proposal(run, "0.9", partner=albania, pillar=borders)
    proposal(run, "0.8", partner=albania, pillar=borders)
    proposal(run, "0.7", partner=kosovo, pillar=borders)
    proposal(run, "0.6", partner=kosovo, pillar=terrorism)
    confirm_response(user=secretariat, response=confirmed)
    return run


def test_proposal_counts_are_per_partner_and_pillar_with_totals_in_one_query(finished_run, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = proposal_counts(finished_run)

    assert counts.pillars == ["WBCTi", "WBBSi"]
    assert [(str(row.partner), row.counts, row.total) for row in counts.rows] == [
        ("Albania", [0, 2], 2),
        ("Kosovo*", [1, 1], 2),
    ]
    assert (counts.totals, counts.total, counts.undecided) == ([1, 3], 4, 3)


def test_the_finished_run_shows_its_proposals_per_partner_and_pillar_and_leads_to_the_review(client, finished_run):
    login(client, Role.SECRETARIAT)

    page = client.get(run_page(finished_run)).content.decode()

    opening = page.index('id="matcher-proposal-counts"')
    table = page[opening : page.index("</table>", opening)]
    assert table.index('<th scope="col">WBCTi</th>') < table.index('<th scope="col">WBBSi</th>'), "pillars in order"
    assert '<th scope="row">Kosovo*</th><td>1</td><td>1</td><td>2</td>' in table
    assert '<th scope="row">Total</th><td>1</td><td>3</td><td>4</td>' in table
    assert 'id="designation-footnote"' in page
    review = reverse("admin:analysis_matcherrun_review", args=[finished_run.pk])
    assert f'<a href="{review}" id="matcher-review">Review its 3 undecided proposals, highest score first</a>' in page


def test_a_running_run_shows_no_counts_yet(client, finished_run):
    login(client, Role.SECRETARIAT)
    MatcherRun.objects.filter(pk=finished_run.pk).update(status=MatcherRun.Status.RUNNING)

    page = client.get(run_page(finished_run)).content.decode()

    assert "matcher-proposal-counts" not in page
    assert 'id="matcher-review"' not in page
    assert '<meta http-equiv="refresh"' in page


@pytest.mark.parametrize("role", [Role.MEMBER, Role.DONOR, Role.FOCAL_POINT])
def test_other_roles_see_neither_the_run_nor_its_counts(client, finished_run, role):
    login(client, role)
    response = client.get(run_page(finished_run))
    assert response.status_code in (302, 403)
    assert b"matcher-proposal-counts" not in response.content
