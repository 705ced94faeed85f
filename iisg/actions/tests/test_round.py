"""The annual response-mapping round: whom it calls, the answers (confirmed unchanged or updated),
its progress, and the tasks it gives."""

import datetime

import pytest
from django.contrib.auth.models import Group

from iisg.actions import round, services
from iisg.actions.choices import ActivityStatus, OrganisationRole, ResponseStatus, RoundAnswerKind
from iisg.actions.models import RoundAnswer
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.worklist import tasks_for
from iisg.needs.choices import CycleKind, CycleStatus
from iisg.needs.errors import CycleClosed, InvalidTransition, NotAllowed

pytestmark = pytest.mark.django_db

YEAR = 2026


@pytest.fixture
def cycle():
    return f.CycleFactory(
        kind=CycleKind.RESPONSE,
        first_year=YEAR,
        last_year=YEAR,
        status=CycleStatus.OPEN,
        opens_on=datetime.date(YEAR, 3, 1),
        closes_on=datetime.date(YEAR, 4, 30),
    )


@pytest.fixture
def austria():
    return f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")


@pytest.fixture
def giz():
    return f.OrganisationFactory(name="Deutsche Gesellschaft für Internationale Zusammenarbeit", acronym="GIZ")


def action_of(*organisations, title, start=datetime.date(YEAR - 1, 1, 1), end=datetime.date(YEAR + 1, 12, 31), **kw):
    """An action of the mission (it benefits Serbia), with its organisations as (organisation, role)."""
    action = f.ActionFactory(title=title, planned_start=start, planned_end=end, **kw)
    action.partners.add(f.PartnerFactory(code="RS"))
    for organisation, role in organisations:
        f.ActionOrganisationFactory(action=action, organisation=organisation, role=role)
    return action


# Whom the round calls


def test_the_round_calls_each_funder_and_implementer_of_actions_active_in_its_year(cycle, austria, giz):
    border = action_of((austria, OrganisationRole.FUNDING), (giz, OrganisationRole.IMPLEMENTING), title="Border")
    cyber = action_of((giz, OrganisationRole.IMPLEMENTING), title="Cyber")

    assert round.calls(cycle) == {austria: [border], giz: [border, cyber]}


def test_the_round_leaves_out_actions_not_active_in_its_year(cycle, austria):
    active = action_of((austria, OrganisationRole.FUNDING), title="Active")
    action_of((austria, OrganisationRole.FUNDING), title="Ended", end=datetime.date(YEAR - 1, 12, 31))
    action_of((austria, OrganisationRole.FUNDING), title="Not yet", start=datetime.date(YEAR + 1, 1, 1))
    action_of((austria, OrganisationRole.FUNDING), title="Cancelled", status=ActivityStatus.CANCELLED)
    outside = f.ActionFactory(title="Outside the mission", planned_start=datetime.date(YEAR, 1, 1), planned_end=None)
    f.ActionOrganisationFactory(action=outside, organisation=austria)

    assert round.calls(cycle) == {austria: [active]}


def test_the_round_does_not_call_accountable_or_extending_organisations(cycle, austria, giz):
    action_of((austria, OrganisationRole.ACCOUNTABLE), (giz, OrganisationRole.EXTENDING), title="Border")

    assert round.calls(cycle) == {}


def test_an_organisation_funding_and_implementing_one_action_is_asked_about_it_once(cycle, giz):
    action = action_of((giz, OrganisationRole.FUNDING), (giz, OrganisationRole.IMPLEMENTING), title="Border")

    assert round.calls(cycle) == {giz: [action]}


def test_the_calls_take_one_query_however_many_organisations(cycle, django_assert_num_queries):
    for n in range(5):
        organisation = f.OrganisationFactory()
        for m in range(3):
            action_of((organisation, OrganisationRole.FUNDING), title=f"Action {n}.{m}")

    with django_assert_num_queries(1):
        called = round.calls(cycle)

    assert sum(len(actions) for actions in called.values()) == 15


def test_the_people_answering_for_an_organisation_are_its_active_donors_and_implementers(austria, giz):
    donor = f.user_with(Role.DONOR, organisation=austria)
    implementer = f.user_with(Role.IMPLEMENTER, organisation=austria)
    both = f.user_with(Role.DONOR, organisation=austria)
    both.groups.add(Group.objects.get(name=Role.IMPLEMENTER))
    f.user_with(Role.DONOR, organisation=giz)
    f.user_with(Role.MEMBER, organisation=austria)
    gone = f.user_with(Role.DONOR, organisation=austria)
    gone.is_active = False
    gone.save()

    assert set(round.users_of(austria)) == {donor, implementer, both}
    assert len(round.users_of(austria)) == 3


# Confirming an action unchanged


@pytest.fixture
def donor(austria):
    return f.user_with(Role.DONOR, organisation=austria)


@pytest.fixture
def border(austria):
    return action_of((austria, OrganisationRole.FUNDING), title="Border police capacity building")


def test_a_donor_confirms_its_action_unchanged_in_one_click(cycle, donor, border):
    answer = services.confirm_unchanged(user=donor, action=border, cycle=cycle)

    answer.refresh_from_db()
    assert (answer.cycle, answer.action, answer.answer) == (cycle, border, RoundAnswerKind.CONFIRMED)
    assert answer.answered_by == donor
    assert answer.answered_at is not None


def test_a_confirmation_leaves_its_reason_in_the_actions_history_without_a_new_version(cycle, donor, border):
    version = border.version

    services.confirm_unchanged(user=donor, action=border, cycle=cycle)

    border.refresh_from_db()
    assert border.version == version
    last = border.history.order_by("-history_date", "-history_id").first()
    assert last.history_change_reason == "Confirmed unchanged for the 2026 response mapping"
    assert last.history_user == donor


def test_an_action_is_not_confirmed_twice_in_a_round(cycle, donor, border):
    services.confirm_unchanged(user=donor, action=border, cycle=cycle)

    with pytest.raises(InvalidTransition, match="already answered for"):
        services.confirm_unchanged(user=donor, action=border, cycle=cycle)
    assert RoundAnswer.objects.count() == 1


def test_a_donor_cannot_confirm_another_organisations_action(cycle, giz, donor):
    theirs = action_of((giz, OrganisationRole.IMPLEMENTING), title="Theirs")

    with pytest.raises(NotAllowed, match="does not take part"):
        services.confirm_unchanged(user=donor, action=theirs, cycle=cycle)
    assert not RoundAnswer.objects.exists()


def test_a_member_cannot_confirm_an_action(cycle, border):
    member = f.user_with(Role.MEMBER)

    with pytest.raises(NotAllowed):
        services.confirm_unchanged(user=member, action=border, cycle=cycle)


def test_no_action_is_confirmed_once_the_round_is_closed(cycle, donor, border):
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()

    with pytest.raises(CycleClosed, match="in review"):
        services.confirm_unchanged(user=donor, action=border, cycle=cycle)
    assert not RoundAnswer.objects.exists()


def test_an_action_not_active_in_the_rounds_year_is_not_confirmed_in_it(cycle, austria, donor):
    ended = action_of((austria, OrganisationRole.FUNDING), title="Ended", end=datetime.date(YEAR - 1, 6, 30))

    with pytest.raises(InvalidTransition, match="not active in 2026"):
        services.confirm_unchanged(user=donor, action=ended, cycle=cycle)


def test_an_action_is_confirmed_only_in_a_response_mapping(donor, border):
    needs_cycle = f.CycleFactory(kind=CycleKind.NEEDS, first_year=YEAR, last_year=YEAR + 1)

    with pytest.raises(InvalidTransition, match="not a response mapping"):
        services.confirm_unchanged(user=donor, action=border, cycle=needs_cycle)


# Updating an action answers for it


def test_updating_an_action_while_its_round_is_open_records_it_as_updated(cycle, donor, border):
    services.update_action(user=donor, action=border, version=border.version, changes={"description": "New"})

    answer = RoundAnswer.objects.get()
    assert (answer.cycle, answer.action, answer.answer, answer.answered_by) == (
        cycle,
        border,
        RoundAnswerKind.UPDATED,
        donor,
    )


def test_an_update_after_a_confirmation_turns_the_answer_into_updated(cycle, donor, border):
    services.confirm_unchanged(user=donor, action=border, cycle=cycle)
    border.refresh_from_db()

    services.update_action(user=donor, action=border, version=border.version, changes={"description": "New"})

    assert list(RoundAnswer.objects.values_list("answer", flat=True)) == [RoundAnswerKind.UPDATED]


def test_an_update_that_ends_an_action_before_the_year_still_answers_for_it(cycle, donor, border):
    services.update_action(
        user=donor, action=border, version=border.version, changes={"planned_end": datetime.date(YEAR - 1, 12, 31)}
    )

    assert RoundAnswer.objects.get().answer == RoundAnswerKind.UPDATED


def test_updating_an_action_answers_nothing_when_no_round_is_open(cycle, donor, border):
    cycle.status = CycleStatus.ADOPTED
    cycle.save()

    services.update_action(user=donor, action=border, version=border.version, changes={"description": "New"})

    assert not RoundAnswer.objects.exists()


def test_updating_an_action_of_another_year_answers_nothing(cycle, austria, donor):
    old = action_of(
        (austria, OrganisationRole.FUNDING),
        title="Old",
        start=datetime.date(YEAR - 3, 1, 1),
        end=datetime.date(YEAR - 2, 12, 31),
    )

    services.update_action(user=donor, action=old, version=old.version, changes={"description": "New"})

    assert not RoundAnswer.objects.exists()


def test_a_row_saved_on_its_own_counts_as_an_update(cycle, donor, border):
    row = f.ActionSectorFactory.build(action=border, code="15130")

    services.save_row(user=donor, row=row)

    assert RoundAnswer.objects.get().answer == RoundAnswerKind.UPDATED


def test_a_refused_update_answers_nothing(cycle, giz, border):
    stranger = f.user_with(Role.DONOR, organisation=giz)

    with pytest.raises(NotAllowed):
        services.update_action(user=stranger, action=border, version=border.version, changes={"description": "x"})
    assert not RoundAnswer.objects.exists()


# Progress


def test_the_progress_counts_each_organisations_answers_and_the_rounds_totals(cycle, austria, giz, donor):
    shared = action_of((austria, OrganisationRole.FUNDING), (giz, OrganisationRole.IMPLEMENTING), title="Shared")
    own = action_of((austria, OrganisationRole.FUNDING), title="Own")
    action_of((giz, OrganisationRole.IMPLEMENTING), title="Theirs")
    services.confirm_unchanged(user=donor, action=shared, cycle=cycle)
    services.update_action(user=donor, action=own, version=own.version, changes={"description": "New"})

    progress = round.round_progress(cycle)

    rows = {
        call.organisation: (len(call.answers), call.confirmed, call.updated, call.unanswered) for call in progress.calls
    }
    assert rows == {austria: (2, 1, 1, 0), giz: (2, 1, 0, 1)}
    assert (progress.actions, progress.confirmed, progress.updated, progress.unanswered) == (3, 1, 1, 1)
    assert progress.organisations_answered == 1


def test_the_progress_takes_a_fixed_number_of_queries(cycle, django_assert_num_queries):
    for n in range(4):
        organisation = f.OrganisationFactory()
        for m in range(3):
            action_of((organisation, OrganisationRole.FUNDING), title=f"Action {n}.{m}")

    with django_assert_num_queries(2):
        progress = round.round_progress(cycle)

    assert progress.actions == 12


def test_an_organisations_call_lists_its_actions_with_their_answers(cycle, austria, donor, border):
    other = action_of((austria, OrganisationRole.IMPLEMENTING), title="Another")
    answer = services.confirm_unchanged(user=donor, action=border, cycle=cycle)

    call = round.call_of(cycle, austria)

    assert [(action, found) for action, found in call.answers] == [(other, None), (border, answer)]


# Tasks


def titles(tasks):
    return [(task.title, task.count, task.url) for task in tasks]


def test_a_donor_is_asked_to_answer_for_its_unanswered_actions_in_each_open_round(cycle, austria, donor, border):
    action_of((austria, OrganisationRole.FUNDING), title="Another")
    services.confirm_unchanged(user=donor, action=border, cycle=cycle)

    assert titles(tasks_for(donor)) == [
        ("Actions to confirm or update for the 2026 response mapping", 1, f"/admin/actions/action/round/{cycle.pk}/")
    ]
    assert "answer by 30 April 2026" in tasks_for(donor)[0].detail


def test_a_donor_with_every_action_answered_has_no_round_task(cycle, donor, border):
    services.confirm_unchanged(user=donor, action=border, cycle=cycle)

    assert tasks_for(donor) == []


def test_a_closed_round_gives_no_task(cycle, donor, border):
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()

    assert tasks_for(donor) == []


def test_the_secretariat_is_asked_to_confirm_proposed_responses(border):
    secretariat = f.user_with(Role.SECRETARIAT)
    f.ResponseFactory(action=border, status=ResponseStatus.PROPOSED)
    f.ResponseFactory(action=border, status=ResponseStatus.PROPOSED)
    f.ResponseFactory(action=border, status=ResponseStatus.REJECTED)

    # The needs the responses answer wait for review too: those are the needs mapping's tasks.
    responses = [task for task in tasks_for(secretariat) if task.url.startswith("/admin/actions/")]
    assert titles(responses) == [
        ("Responses proposed, waiting for confirmation", 2, "/admin/actions/response/?status__exact=proposed")
    ]


def test_a_donors_rejected_response_is_not_a_task(donor, border):
    f.ResponseFactory(action=border, status=ResponseStatus.REJECTED)

    assert tasks_for(donor) == []


def test_members_and_focal_points_have_no_response_mapping_tasks(cycle, border):
    f.ResponseFactory(action=border, status=ResponseStatus.PROPOSED)
    member = f.user_with(Role.MEMBER)
    focal_point = f.user_with(Role.FOCAL_POINT, partner=f.PartnerFactory(code="ME"))

    assert tasks_for(member) == []
    assert tasks_for(focal_point) == []
