"""The evaluation measures the matcher's ranking against the responses people confirmed: exact
definitions on a hand-made ranking, and the figures on the demo mapping."""

import datetime

import pytest
from django.utils import timezone

from iisg.actions.choices import ResponseStatus
from iisg.analysis import evaluation
from iisg.analysis.evaluation import evaluate, evaluate_held_out
from iisg.analysis.matcher import Match
from iisg.core.tests import factories as f
from iisg.core.tests.snapshots import demo_for_module
from iisg.needs.choices import CycleKind
from iisg.needs.models import Cycle

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(demo_database_without_logins, django_db_blocker):
    """The demo mapping, put back once for the tests of this module and taken away after it."""
    with django_db_blocker.unblock(), demo_for_module(demo_database_without_logins) as summary:
        yield summary


def confirmed(need, action):
    return f.ResponseFactory(need=need, action=action, status=ResponseStatus.CONFIRMED, confirmed_at=timezone.now())


def ranking_of(need, actions):
    return [Match(need.pk, action.pk, 1 - rank / 100, ()) for rank, action in enumerate(actions)]


def test_the_figures_follow_their_definitions_on_a_hand_made_ranking(monkeypatch):
    cycle = f.CycleFactory(first_year=2025, last_year=2026)
    one, three, unranked, unconfirmed = (f.NeedFactory(cycle=cycle) for _ in range(4))
    a, b1, b2, b3, c = (f.ActionFactory() for _ in range(5))
    others = [f.ActionFactory() for _ in range(9)]
    confirmed(one, a)
    for action in (b1, b2, b3):
        confirmed(three, action)
    confirmed(unranked, c)
    f.ResponseFactory(need=unconfirmed, action=a, status=ResponseStatus.PROPOSED)
    f.ResponseFactory(need=one, action=others[0], status=ResponseStatus.REJECTED)
    asked = []

    def ranking(cycle, *, top):
        asked.append(top)
        return {
            one.pk: ranking_of(one, [others[0], a, *others[1:8]]),  # found second
            three.pk: ranking_of(three, [b1, *others[:5], b2, others[5]]),  # 1st and 7th; b3 not found
            unconfirmed.pk: ranking_of(unconfirmed, others[:3]),
        }

    monkeypatch.setattr(evaluation, "rank_cycle", ranking)
    result = evaluate(cycle, precision_at=5, recall_at=10)

    assert asked == [10]
    assert result.needs == 3  # those with a confirmed response, ranked or not
    assert (result.precision_at, result.recall_at) == (5, 10)
    # hits in the first 5 / 5: 1/5, 1/5, 0
    assert result.precision == pytest.approx((0.2 + 0.2 + 0) / 3)
    # min(5, confirmed) / 5: 1/5, 3/5, 1/5
    assert result.precision_ceiling == pytest.approx((0.2 + 0.6 + 0.2) / 3)
    # hits in the first 5 / min(5, confirmed): 1/1, 1/3, 0/1
    assert result.normalised_precision == pytest.approx((1 + 1 / 3 + 0) / 3)
    # hits in the first 10 / confirmed: 1/1, 2/3, 0/1
    assert result.recall == pytest.approx((1 + 2 / 3 + 0) / 3)
    # 1 / rank of the first hit: 1/2, 1/1, 0
    assert result.mean_reciprocal_rank == pytest.approx((0.5 + 1 + 0) / 3)


def test_a_cycle_without_confirmed_responses_scores_zero_without_ranking(monkeypatch):
    cycle = f.CycleFactory(first_year=2025, last_year=2026)
    f.ResponseFactory(need=f.NeedFactory(cycle=cycle), status=ResponseStatus.PROPOSED)
    monkeypatch.setattr(evaluation, "rank_cycle", lambda cycle, *, top: pytest.fail("nothing to rank"))

    result = evaluate(cycle)

    assert result.needs == 0
    assert result.precision == result.normalised_precision == result.recall == result.mean_reciprocal_rank == 0


def test_the_matcher_itself_finds_the_confirmed_action_of_a_hand_made_need():
    cycle = f.CycleFactory(first_year=2025, last_year=2026)
    partner, pillar = f.PartnerFactory(code="ME"), f.PillarFactory(code="wbbsi")
    need = f.NeedFactory(cycle=cycle, partner=partner, pillar=pillar, title="Patrol boats for Lake Skadar")
    runs_through_the_cycle = datetime.date(2026, 12, 31)
    boats = f.ActionFactory(
        title="Patrol boats for the border police on Lake Skadar", planned_end=runs_through_the_cycle
    )
    dogs = f.ActionFactory(title="Sniffer dogs for the airport of Podgorica", planned_end=runs_through_the_cycle)
    for action in (boats, dogs):
        action.partners.set([partner])
        action.pillars.set([pillar])
    confirmed(need, boats)

    result = evaluate(cycle)

    assert (result.needs, result.precision, result.normalised_precision) == (1, 0.2, 1)
    assert (result.recall, result.mean_reciprocal_rank) == (1, 1)


def test_on_the_demo_the_matcher_puts_confirmed_actions_in_the_first_five(demo):
    result = evaluate(Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022))

    # 142 confirmed responses on 109 needs: 83 with one, 19 with two, 7 with three, each of the
    # need's own area (the demo's truth is built by area).
    assert result.needs == 109
    assert result.precision_ceiling == pytest.approx(142 / 545)
    assert result.normalised_precision >= 0.85
    # The standard precision cannot pass its ceiling: most needs have a single confirmed action.
    assert 0.2 <= result.precision <= result.precision_ceiling
    assert result.recall >= 0.9
    assert result.mean_reciprocal_rank >= 0.65


def test_on_the_demo_the_learning_matcher_ranks_a_held_out_partners_needs_better(demo):
    cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022)
    before, after = evaluate(cycle), evaluate_held_out(cycle)

    assert after.needs == before.needs == 109
    assert after.precision_ceiling == before.precision_ceiling
    # The goals of issue 22.
    assert after.mean_reciprocal_rank >= 0.65
    assert after.normalised_precision >= 0.85
    assert after.mean_reciprocal_rank > before.mean_reciprocal_rank
    assert after.normalised_precision > before.normalised_precision
    assert after.recall >= before.recall
