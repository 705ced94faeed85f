"""The matcher ranks, for each need, the actions whose words it shares, among the actions that may
respond to it, and says which words matched."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from iisg.actions.choices import ActivityStatus, ResponseStatus
from iisg.actions.models import Action
from iisg.analysis import matcher
from iisg.analysis.matcher import Match, explain, rank, rank_cycle
from iisg.core.tests import factories as f
from iisg.iati.models import CodelistEntry
from iisg.needs.choices import CycleKind, NeedStatus
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db


@pytest.fixture
def borders():
    return f.PillarFactory(code="wbbsi")


@pytest.fixture
def terrorism():
    return f.PillarFactory(code="wbcti")


@pytest.fixture
def cycle():
    return f.CycleFactory()


def need(cycle, partner, pillar, title, description="", **fields):
    area = f.AreaFactory(cycle=cycle, pillar=pillar, name="Surveillance of the green border")
    return f.NeedFactory(
        cycle=cycle, partner=partner, pillar=pillar, area=area, title=title, description=description, **fields
    )


def action(title, description="", *, partners=(), pillars=(), **fields):
    created = f.ActionFactory(title=title, description=description, **fields)
    created.partners.set(partners)
    created.pillars.set(pillars)
    return created


@pytest.fixture
def drones_need(cycle, albania, borders):
    return need(
        cycle,
        albania,
        borders,
        "Border surveillance drones",
        "The border police need drones with thermal cameras to watch the green border at night.",
    )


@pytest.fixture
def drone_action(albania, borders):
    return action(
        "Surveillance drones for the border police of Albania",
        "The action delivers drones with thermal cameras and trains their operators.",
        partners=[albania],
        pillars=[borders],
    )


@pytest.fixture
def training_action(albania, borders):
    return action(
        "Training of the border police in detecting forged documents",
        "Courses on document fraud for border crossing points.",
        partners=[albania],
        pillars=[borders],
    )


@pytest.fixture
def unrelated(albania, borders):
    """Actions of the same partner and pillar about other things: like a real mapping, they make
    the words every text has (the partner's and pillar's names) weigh little."""
    themes = [
        "Maritime search and rescue boats",
        "Veterinary checks at crossing points",
        "Statistics on irregular migration",
        "Customs laboratory equipment",
        "Alignment of the visa policy",
        "A code of ethics for the civil service",
    ]
    return [action(theme, partners=[albania], pillars=[borders]) for theme in themes]


def ranked(ranking, need):
    return [match.action_id for match in ranking.get(need.pk, [])]


def test_a_need_about_border_surveillance_drones_ranks_the_drone_action_first(
    drones_need, drone_action, training_action
):
    ranking = rank(Need.objects.all(), Action.objects.all())

    assert ranked(ranking, drones_need) == [drone_action.pk, training_action.pk]
    best, second = ranking[drones_need.pk]
    assert (best.need_id, best.action_id) == (drones_need.pk, drone_action.pk)
    assert 0 < second.score < best.score <= 1


def test_the_words_that_matched_are_reported_strongest_first(drones_need, drone_action, training_action, unrelated):
    best, second, *_ = rank(Need.objects.all(), Action.objects.all())[drones_need.pk]

    assert isinstance(best, Match)
    assert best.terms == ("drones", "surveillance", "cameras", "drones border", "drones thermal", "surveillance drones")
    # The training shares only "border police" and the words every text of the block has (its
    # partner's and pillar's names).
    assert second.action_id == training_action.pk
    assert second.terms == ("border", "border police", "police", "albania", "balkan", "balkan border")


def test_explain_gives_a_pair_the_score_and_words_the_ranking_gives_it(
    drones_need, drone_action, training_action, unrelated, cycle
):
    ranking = {match.action_id: match for match in rank_cycle(cycle)[drones_need.pk]}
    pairs = [(drones_need.pk, drone_action.pk), (drones_need.pk, training_action.pk)]
    explained = explain(cycle, pairs)
    for pair in pairs:
        assert explained[pair].terms == ranking[pair[1]].terms
        assert explained[pair].score == pytest.approx(ranking[pair[1]].score, abs=1e-6)


def test_explain_leaves_out_pairs_that_take_no_part(drones_need, drone_action, cycle):
    drone_action.withdrawn_at = timezone.now()
    drone_action.save()
    assert explain(cycle, [(drones_need.pk, drone_action.pk)]) == {}


def test_actions_of_another_partner_or_pillar_or_withdrawn_are_never_ranked(
    drones_need, drone_action, serbia, terrorism, albania, borders
):
    words = ("Border surveillance drones", "Drones with thermal cameras for the green border at night.")
    serbian = action(*words, partners=[serbia], pillars=[borders])
    counter_terrorism = action(*words, partners=[albania], pillars=[terrorism])
    withdrawn = action(*words, partners=[albania], pillars=[borders], withdrawn_at=timezone.now())

    ranking = rank(Need.objects.all(), Action.objects.all())

    assert ranked(ranking, drones_need) == [drone_action.pk]
    assert not {serbian.pk, counter_terrorism.pk, withdrawn.pk} & set(ranked(ranking, drones_need))


def test_an_action_for_no_partner_and_no_pillar_in_particular_is_compared_with_every_need(
    drones_need, cycle, serbia, terrorism
):
    serbian_need = need(cycle, serbia, terrorism, "Drones for the counter-terrorism police")
    anywhere = action("Regional drones programme", "Drones and their operators.")

    ranking = rank(Need.objects.all(), Action.objects.all())

    assert ranked(ranking, drones_need) == [anywhere.pk]
    assert ranked(ranking, serbian_need) == [anywhere.pk]


def test_accents_are_folded(cycle, albania, borders, unrelated):
    ministry = need(cycle, albania, borders, "Analysis unit of the Ministria e Punëve të Brendshme")
    matching = action("Support to the Puneve te Brendshme", partners=[albania], pillars=[borders])
    action("Support to the State Police", partners=[albania], pillars=[borders])

    best = rank(Need.objects.all(), Action.objects.all())[ministry.pk][0]

    assert best.action_id == matching.pk
    assert best.terms[:3] == ("brendshme", "puneve", "puneve brendshme")


def test_the_little_words_of_the_partners_languages_count_for_nothing(cycle, albania, borders, unrelated):
    little = "dhe për të; i za od što; и за од што; во со кој ќе"
    spoken = need(cycle, albania, borders, f"Kufiri {little}")
    with_them = action(f"Kufiri {little}", partners=[albania], pillars=[borders])
    without_them = action("Kufiri", partners=[albania], pillars=[borders])

    first, second, *_ = rank(Need.objects.filter(pk=spoken.pk), Action.objects.all())[spoken.pk]

    assert (first.action_id, second.action_id) == (with_them.pk, without_them.pk)  # a tie: the older first
    assert first.score == second.score
    assert first.terms == second.terms
    assert first.terms[0] == "kufiri"


def test_titles_in_every_language_and_sector_names_are_words_of_the_action(cycle, albania, borders, unrelated):
    CodelistEntry.objects.create(codelist="Sector", code="15210", name="Security system management and reform")
    reform = need(cycle, albania, borders, "Security system reform", "Mbikëqyrja e kufirit me dronë")
    published = action("Project 7", partners=[albania], pillars=[borders])
    published.titles = [["en", "Project 7"], ["sq", "Mbikeqyrja e kufirit"]]
    published.descriptions = [{"type": "1", "lang": "sq", "text": "Dronë për policinë"}]
    published.save()
    f.ActionSectorFactory(action=published, code="15210")
    action("Project 8", partners=[albania], pillars=[borders])

    best = rank(Need.objects.filter(pk=reform.pk), Action.objects.all())[reform.pk][0]

    assert best.action_id == published.pk
    assert {"mbikeqyrja", "kufirit", "drone", "reform"} <= set(best.terms)


def test_the_same_words_score_one_and_the_best_come_first_up_to_top(cycle, albania, borders):
    text = "Mobile border surveillance units with night vision"
    wanted = f.NeedFactory(cycle=cycle, partner=albania, pillar=borders, area=None, title=text, description="")
    twin = action(text, partners=[albania], pillars=[borders])
    action("Mobile border surveillance units", partners=[albania], pillars=[borders])
    action("Night vision for border surveillance", partners=[albania], pillars=[borders])

    ranking = rank(Need.objects.filter(pk=wanted.pk), Action.objects.all(), top=2)[wanted.pk]

    assert len(ranking) == 2
    assert ranking[0].action_id == twin.pk
    assert ranking[0].score == pytest.approx(1, abs=1e-6)
    assert 0 < ranking[1].score < ranking[0].score


def test_existing_responses_play_no_part_in_the_ranking(drones_need, drone_action, training_action):
    before = rank(Need.objects.all(), Action.objects.all())
    f.ResponseFactory(need=drones_need, action=drone_action, status=ResponseStatus.REJECTED)
    f.ResponseFactory(
        need=drones_need, action=training_action, status=ResponseStatus.CONFIRMED, confirmed_at=timezone.now()
    )

    assert rank(Need.objects.all(), Action.objects.all()) == before


def test_rank_cycle_leaves_out_needs_nobody_responds_to_and_other_cycles(drones_need, drone_action, cycle):
    closed = [
        need(cycle, drones_need.partner, drones_need.pillar, "Drones", status=status, review_comment="No")
        for status in (NeedStatus.DRAFT, NeedStatus.RETURNED, NeedStatus.REJECTED)
    ]
    later = f.CycleFactory(kind=CycleKind.NEEDS, first_year=2023, last_year=2024)
    elsewhere = need(later, drones_need.partner, drones_need.pillar, "Border surveillance drones")

    ranking = rank_cycle(cycle)

    assert set(ranking) == {drones_need.pk}
    assert not {n.pk for n in closed} & set(ranking)
    assert elsewhere.pk in rank_cycle(later)


def test_texts_are_read_with_the_same_number_of_queries_however_many_rows(cycle, albania, borders, serbia):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            rank(Need.objects.all(), Action.objects.all())
        return len(captured)

    def add_rows(count):
        for number in range(count):
            need(cycle, albania, borders, f"Border drones {number}")
            added = action(f"Drones {number}", partners=[albania, serbia], pillars=[borders])
            f.ActionSectorFactory(action=added)

    add_rows(2)
    few = queries()
    add_rows(20)
    assert queries() == few


def test_nothing_to_rank_gives_an_empty_ranking(drones_need):
    assert rank(Need.objects.all(), Action.objects.all()) == {}
    assert rank(Need.objects.none(), Action.objects.all()) == {}


def test_the_ranking_does_not_depend_on_how_many_scores_are_held_at_once(
    drones_need, drone_action, training_action, unrelated, monkeypatch
):
    whole = rank(Need.objects.all(), Action.objects.all(), top=3)
    monkeypatch.setattr(matcher, "SCORES_AT_ONCE", 1)

    assert rank(Need.objects.all(), Action.objects.all(), top=3) == whole


def test_cancelled_actions_and_actions_ended_before_the_cycle_are_not_candidates(cycle, albania, borders, drones_need):
    import datetime

    words = ("Border surveillance drones", "Drones with thermal cameras for the green border at night.")
    cancelled = action(*words, partners=[albania], pillars=[borders], status=ActivityStatus.CANCELLED)
    earlier = {"planned_start": datetime.date(2019, 1, 1), "planned_end": datetime.date(2020, 12, 31)}
    ended = action(*words, partners=[albania], pillars=[borders], **earlier)
    ended_late = action(*words, partners=[albania], pillars=[borders], **earlier, actual_end=datetime.date(2021, 3, 31))
    open_ended = action(*words, partners=[albania], pillars=[borders], planned_end=None)

    ranked_ids = ranked(rank_cycle(cycle), drones_need)

    assert set(ranked_ids) == {ended_late.pk, open_ended.pk}
    assert cancelled.pk not in ranked_ids
    assert ended.pk not in ranked_ids
    # A person may still have linked such an action: explain() gives its words all the same.
    assert explain(cycle, [(drones_need.pk, ended.pk)])[drones_need.pk, ended.pk].terms
