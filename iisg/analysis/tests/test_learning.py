"""The matcher that learns (iisg.analysis.learning) on a hand-made world.

Cycle 2025–2026, pillar WBBSi, area 1.1 "Maritime border surveillance". Albania's three needs of
the area were answered by actions Donor One funds in DAC sector 15210 (security system
management); actions of Donor Two in sector 43010 (multisector aid) share the needs' words but
were never confirmed. Montenegro's need of the same area then has two candidates: the decoy, with
more words in common (Donor Two, 43010), and the match, with fewer (Donor One, 15210).
"""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import Action, Response
from iisg.analysis import learning, matcher
from iisg.analysis.models import MatcherModel, MatcherRun
from iisg.analysis.services import confirm_proposals
from iisg.analysis.tasks import retrain_matcher_job
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.iati.models import CodelistEntry
from iisg.needs.models import Need, NeedSector

pytestmark = pytest.mark.django_db

TEXT = "Patrol boats and radar for the maritime border surveillance of the coast"


@pytest.fixture
def world():
    cycle = f.CycleFactory(first_year=2025, last_year=2026)
    albania, montenegro = f.PartnerFactory(code="AL"), f.PartnerFactory(code="ME")
    borders = f.PillarFactory(code="wbbsi")
    maritime = f.AreaFactory(cycle=cycle, pillar=borders, code="1.1", name="Maritime border surveillance")
    one = f.OrganisationFactory(name="Donor One", acronym="D1")
    two = f.OrganisationFactory(name="Donor Two", acronym="D2")

    def need(partner, number):
        return f.NeedFactory(
            cycle=cycle, partner=partner, pillar=borders, area=maritime, title=f"{TEXT} ({number})", description=""
        )

    def action(title, donor, sector, partner):
        made = f.ActionFactory(
            title=title, description="", planned_start=datetime.date(2024, 1, 1), planned_end=datetime.date(2027, 6, 30)
        )
        f.ActionOrganisationFactory(action=made, organisation=donor, role=OrganisationRole.FUNDING)
        f.ActionSectorFactory(action=made, code=sector)
        made.partners.set([partner])
        made.pillars.set([borders])
        return made

    past = [need(albania, number) for number in range(3)]
    for number, answered in enumerate(past):
        confirmed(answered, action(f"Coast guard patrol boats for Albania, lot {number}", one, "15210", albania))
        action(f"Maritime border surveillance radar for the coast of Albania {number}", two, "43010", albania)
    target = need(montenegro, 3)
    decoy = action("Patrol boats and radar for maritime border surveillance of the coast", two, "43010", montenegro)
    match = action("Coast guard boats for Montenegro", one, "15210", montenegro)
    return SimpleNamespace(cycle=cycle, target=target, decoy=decoy, match=match)


def confirmed(need, action):
    return f.ResponseFactory(need=need, action=action, status=ResponseStatus.CONFIRMED, confirmed_at=timezone.now())


def ranked(world):
    """The actions learning.rank() proposes for the target need, best first."""
    ranking = learning.rank(Need.objects.filter(cycle=world.cycle), Action.objects.all(), top=5)
    return [match.action_id for match in ranking.get(world.target.pk, ())]


def test_with_no_decisions_the_ranking_is_the_tf_idf_ranking_itself(world):
    Response.objects.all().delete()

    assert learning.retrain() is None
    assert not MatcherModel.objects.exists()
    needs, actions = Need.objects.filter(cycle=world.cycle), Action.objects.all()
    assert learning.rank(needs, actions, top=5) == matcher.rank(needs, actions, top=5)


def test_before_any_model_is_trained_the_tf_idf_ranking_puts_the_decoy_first(world):
    assert ranked(world)[:2] == [world.decoy.pk, world.match.pk]


def test_a_confirmed_pattern_of_donor_and_area_moves_the_matching_action_up(world):
    stored = learning.retrain()

    assert stored.decisions == stored.confirmed == 3
    assert stored.weights["donor_in_area"] > 0
    assert ranked(world)[:2] == [world.match.pk, world.decoy.pk]


def test_a_rejected_pair_is_never_proposed_again(world):
    f.ResponseFactory(need=world.target, action=world.decoy, status=ResponseStatus.REJECTED)
    learning.retrain()

    assert world.decoy.pk not in ranked(world)
    assert world.match.pk in ranked(world)


def test_the_explanation_names_the_words_the_sectors_and_the_donor_history(world):
    pairs = [(world.target.pk, world.match.pk), (world.target.pk, world.decoy.pk)]

    found = learning.reasons(pairs, terms={(world.target.pk, world.match.pk): ("coast", "boats")})

    line = learning.reason_line(found[world.target.pk, world.match.pk])
    assert line == " · ".join(
        ("words: coast, boats", "sectors: 15210 (3 confirmed in the area)", "history: D1 confirmed 3 times in the area")
    )
    assert learning.reason_line(found[world.target.pk, world.decoy.pk]) == "words of the partner and pillar only"


def test_a_sector_accepted_for_the_need_is_named_first_and_weighs_for_the_action_that_carries_it(world):
    NeedSector.objects.create(need=world.target, code="15210")
    pairs = [(world.target.pk, world.match.pk), (world.target.pk, world.decoy.pk)]

    line = learning.reason_line(learning.reasons(pairs)[world.target.pk, world.match.pk])
    known = learning.decisions()
    history = learning.History(known, learning._Facts.of(pairs, known))
    of_need = learning.FEATURES.index("sectors_of_need")

    assert line.startswith("sectors: 15210 (the need's) · history:")
    assert history.features(world.target.pk, world.match.pk, 0.1)[of_need] == 1.0
    assert history.features(world.target.pk, world.decoy.pk, 0.1)[of_need] == 0.0


def test_a_sector_accepted_for_the_need_brings_the_codes_words_to_the_tf_idf_matcher(world):
    CodelistEntry.objects.create(codelist="Sector", code="15210", name="Security system management and reform")
    needs, actions = Need.objects.filter(pk=world.target.pk), Action.objects.all()
    text_before = matcher._need_texts(needs).texts[0]

    NeedSector.objects.create(need=world.target, code="15210")

    assert "Security system management and reform" not in text_before
    assert matcher._need_texts(needs).texts[0].endswith("Security system management and reform")
    assert matcher.rank(needs, actions, top=5)[world.target.pk]


def test_a_review_session_has_the_job_worker_train_the_matcher_again(world, django_capture_on_commit_callbacks):
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    run = MatcherRun.objects.create(cycle=world.cycle, created_by=secretariat, status=MatcherRun.Status.DONE)
    proposed = f.ResponseFactory(need=world.target, action=world.match, status=ResponseStatus.PROPOSED)
    run.proposals.add(proposed)

    with django_capture_on_commit_callbacks(execute=True):
        confirm_proposals(user=secretariat, run=run, responses=[proposed])

    job = DBTaskResult.objects.get()
    assert job.task_path == "iisg.analysis.tasks.retrain_matcher_job"
    assert not MatcherModel.objects.exists(), "the worker trains it, not the request"
    kept = retrain_matcher_job.call()
    assert MatcherModel.objects.get().pk == kept
    assert MatcherModel.objects.get().confirmed == 4


def test_the_review_list_says_why_each_proposal_was_made(client, world):
    login(client, Role.SECRETARIAT)
    run = MatcherRun.objects.create(cycle=world.cycle, status=MatcherRun.Status.DONE)
    proposed = f.ResponseFactory(need=world.target, action=world.match, status=ResponseStatus.PROPOSED)
    run.proposals.add(proposed)

    page = client.get(reverse("admin:analysis_matcherrun_review", args=[run.pk])).content.decode()

    assert "sectors: 15210 (3 confirmed in the area)" in page
    assert "history: D1 confirmed 3 times in the area" in page
