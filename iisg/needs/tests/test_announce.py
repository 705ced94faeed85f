"""Each step of the needs mapping is announced (iisg.core.events) once, after its transaction
commits, with its target, actor and comment; a refused step announces nothing."""

import pytest

from iisg.core.choices import Step
from iisg.core.tests import factories as f
from iisg.governance.choices import DecisionKind
from iisg.needs import services
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
from iisg.needs.errors import CommentRequired, InvalidTransition, NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision():
    return f.DecisionFactory(kind=DecisionKind.ADOPT_CYCLE, text="The Board adopted the mapping.")


def test_opening_a_needs_cycle_announces_it_once_after_commit(
    secretariat, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cycle = services.open_cycle(user=secretariat, first_year=2027, last_year=2028, comment="Call for needs")
        assert announced == []

    [event] = announced
    assert (event.step, event.target, event.actor, event.comment) == (
        Step.CYCLE_OPENED,
        cycle,
        secretariat,
        "Call for needs",
    )


def test_opening_a_response_round_announces_it(secretariat, announced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cycle = services.open_response_cycle(user=secretariat, year=2027)

    assert [(event.step, event.target) for event in announced] == [(Step.ROUND_OPENED, cycle)]


def test_a_refused_opening_announces_nothing(member, announced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        services.open_cycle(user=member, first_year=2027, last_year=2028)

    assert announced == []


def test_submitting_a_need_announces_it_with_the_comment(
    serbian_focal_point, serbia, cycle, announced, django_capture_on_commit_callbacks
):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_need(user=serbian_focal_point, need=need, comment="  Ready  ")

    [event] = announced
    assert (event.step, event.target.pk, event.actor, event.comment) == (
        Step.NEED_SUBMITTED,
        need.pk,
        serbian_focal_point,
        "Ready",
    )


@pytest.mark.parametrize(
    ("service", "status", "step", "comment"),
    [
        (services.validate_need, NeedStatus.SUBMITTED, Step.NEED_VALIDATED, ""),
        (services.return_need, NeedStatus.SUBMITTED, Step.NEED_RETURNED, "Name the border crossings."),
        (services.reject_need, NeedStatus.VALIDATED, Step.NEED_REJECTED, "Covered by the regional need."),
    ],
)
def test_each_review_step_announces_itself_once(
    secretariat, cycle, announced, django_capture_on_commit_callbacks, service, status, step, comment
):
    need = f.NeedFactory(cycle=cycle, status=status)

    with django_capture_on_commit_callbacks(execute=True):
        service(user=secretariat, need=need, comment=comment)

    assert [(event.step, event.target.pk, event.actor, event.comment) for event in announced] == [
        (step, need.pk, secretariat, comment)
    ]


def test_a_return_without_a_comment_announces_nothing(
    secretariat, cycle, announced, django_capture_on_commit_callbacks
):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommentRequired):
        services.return_need(user=secretariat, need=need, comment="  ")

    assert announced == []


def test_a_focal_point_validating_announces_nothing(
    serbian_focal_point, serbia, cycle, announced, django_capture_on_commit_callbacks
):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        services.validate_need(user=serbian_focal_point, need=need)

    assert announced == []


def test_proposing_several_needs_is_one_announcement_of_the_cycle(
    secretariat, cycle, announced, django_capture_on_commit_callbacks
):
    needs = [f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED, reference=f"AL-WBBSi-00{n}") for n in (1, 2, 3)]

    with django_capture_on_commit_callbacks(execute=True):
        services.propose_needs(user=secretariat, needs=needs, comment="Support Group meeting")

    [event] = announced
    assert (event.step, event.target, event.actor, event.comment) == (
        Step.NEEDS_PROPOSED,
        cycle,
        secretariat,
        "Support Group meeting",
    )
    assert event.details == {"count": 3, "references": ["AL-WBBSi-001", "AL-WBBSi-002", "AL-WBBSi-003"]}


def test_proposing_one_need_announces_a_count_of_one(secretariat, cycle, announced, django_capture_on_commit_callbacks):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED, reference="AL-WBBSi-004")

    with django_capture_on_commit_callbacks(execute=True):
        services.propose_need(user=secretariat, need=need)

    assert [(event.step, event.target, event.details) for event in announced] == [
        (Step.NEEDS_PROPOSED, cycle, {"count": 1, "references": ["AL-WBBSi-004"]})
    ]


def test_a_proposal_with_one_need_refused_announces_nothing(
    secretariat, cycle, announced, django_capture_on_commit_callbacks
):
    validated = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED)
    submitted = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition):
        services.propose_needs(user=secretariat, needs=[validated, submitted])

    assert announced == []


def test_adopting_a_needs_cycle_announces_it_once(
    secretariat, cycle, decision, announced, django_capture_on_commit_callbacks
):
    f.NeedFactory(cycle=cycle, status=NeedStatus.PROPOSED)
    f.NeedFactory(cycle=cycle, status=NeedStatus.PROPOSED)

    with django_capture_on_commit_callbacks(execute=True):
        services.adopt_cycle(user=secretariat, cycle=cycle, decision=decision)

    [event] = announced
    assert (event.step, event.target, event.actor, event.details) == (
        Step.CYCLE_ADOPTED,
        cycle,
        secretariat,
        {"decision": decision},
    )


def test_a_refused_adoption_announces_nothing(
    secretariat, cycle, decision, announced, django_capture_on_commit_callbacks
):
    f.NeedFactory(cycle=cycle, status=NeedStatus.DRAFT)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition):
        services.adopt_cycle(user=secretariat, cycle=cycle, decision=decision)

    assert announced == []


def test_adopting_a_response_round_announces_it(secretariat, announced, django_capture_on_commit_callbacks):
    cycle = f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2025, last_year=2025, status=CycleStatus.IN_REVIEW)

    with django_capture_on_commit_callbacks(execute=True):
        services.adopt_response_cycle(user=secretariat, cycle=cycle, comment="Adopted by written procedure.")

    assert [(event.step, event.target, event.comment) for event in announced] == [
        (Step.CYCLE_ADOPTED, cycle, "Adopted by written procedure.")
    ]


def test_nothing_is_announced_when_the_transaction_is_rolled_back(secretariat, cycle, announced):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)

    # Without a commit (the test's transaction is rolled back), the listeners are never told.
    services.validate_need(user=secretariat, need=need)

    assert announced == []


def test_a_member_adopting_is_refused_and_nothing_is_announced(
    member, cycle, decision, announced, django_capture_on_commit_callbacks
):
    f.NeedFactory(cycle=cycle, status=NeedStatus.PROPOSED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        services.adopt_cycle(user=member, cycle=cycle, decision=decision)

    assert announced == []
