"""The needs mapping services: opening a cycle, carrying needs over, the review and the adoption,
for each role, with every refusal."""

import pytest

from iisg.core.choices import Role, Verb
from iisg.core.permissions import can
from iisg.core.tests import factories as f
from iisg.governance.choices import DecisionKind
from iisg.needs import services
from iisg.needs.choices import CycleStatus, NeedStatus, Priority
from iisg.needs.errors import (
    CommentRequired,
    CycleClosed,
    CycleExists,
    InvalidTransition,
    NeedFrozen,
    NotAllowed,
    UnfinishedNeeds,
)
from iisg.needs.models import Area, Cycle, Need

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision():
    return f.DecisionFactory(kind=DecisionKind.ADOPT_CYCLE, text="The Board adopted the needs mapping 2025–2026.")


def last_record(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


# Opening a cycle


def test_secretariat_opens_a_cycle_with_the_areas_of_the_latest_cycle(secretariat, old_cycle, pillar):
    objective = f.AreaFactory(cycle=old_cycle, pillar=pillar, code="1", name="Border management", description="Obj.")
    f.AreaFactory(cycle=old_cycle, pillar=pillar, code="1.2", name="Surveillance", parent=objective)
    f.CycleFactory(first_year=2021, last_year=2022, status=CycleStatus.ARCHIVED)

    cycle = services.open_cycle(user=secretariat, first_year=2025, last_year=2026)

    assert cycle.status == CycleStatus.OPEN
    assert last_record(cycle).history_user == secretariat
    copied = {area.code: area for area in cycle.areas.all()}
    assert set(copied) == {"1", "1.2"}
    assert copied["1"].description == "Obj."
    assert copied["1.2"].parent == copied["1"]
    assert copied["1"].pk != objective.pk
    assert old_cycle.areas.count() == 2


def test_open_cycle_copies_the_areas_of_the_cycle_chosen(secretariat, old_cycle, pillar):
    older = f.CycleFactory(first_year=2021, last_year=2022, status=CycleStatus.ARCHIVED)
    f.AreaFactory(cycle=older, pillar=pillar, code="9", name="Old area")
    f.AreaFactory(cycle=old_cycle, pillar=pillar, code="1", name="Newer area")

    cycle = services.open_cycle(user=secretariat, first_year=2025, last_year=2026, copy_areas_from=older)

    assert list(cycle.areas.values_list("code", flat=True)) == ["9"]


def test_copied_areas_are_edited_in_the_new_cycle_only(secretariat, old_cycle, pillar):
    f.AreaFactory(cycle=old_cycle, pillar=pillar, code="1", name="Border management")
    cycle = services.open_cycle(user=secretariat, first_year=2025, last_year=2026)

    Area.objects.filter(cycle=cycle).update(name="Integrated border management")
    assert old_cycle.areas.get().name == "Border management"


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.MEMBER, Role.DONOR])
def test_only_the_secretariat_opens_a_cycle(role, serbia):
    user = f.user_with(role, partner=serbia)
    with pytest.raises(NotAllowed):
        services.open_cycle(user=user, first_year=2025, last_year=2026)
    assert not Cycle.objects.exists()


def test_a_cycle_of_the_same_period_is_not_opened_twice(secretariat, cycle):
    with pytest.raises(CycleExists, match="2025–2026 already exists"):
        services.open_cycle(user=secretariat, first_year=2025, last_year=2026)


def test_a_cycle_cannot_end_before_it_starts(secretariat):
    with pytest.raises(InvalidTransition):
        services.open_cycle(user=secretariat, first_year=2026, last_year=2025)


# Carrying needs over


def test_focal_point_carries_its_needs_over_as_drafts(serbian_focal_point, serbia, pillar, old_cycle, cycle):
    old_area = f.AreaFactory(cycle=old_cycle, pillar=pillar, code="2.1")
    new_area = f.AreaFactory(cycle=cycle, pillar=pillar, code="2.1")
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, reference="RS-WBBSi-004", area=new_area)
    old = f.NeedFactory(
        cycle=old_cycle,
        partner=serbia,
        pillar=pillar,
        area=old_area,
        reference="RS-WBBSi-001",
        status=NeedStatus.ADOPTED,
        priority=Priority.MEDIUM,
        justification="Still needed.",
    )

    result = services.carry_over_needs(user=serbian_focal_point, cycle=cycle, needs=[old])

    (draft,) = result.carried
    draft.refresh_from_db()
    assert draft.cycle == cycle
    assert draft.status == NeedStatus.DRAFT
    assert draft.carried_over_from == old
    assert draft.area == new_area
    assert draft.reference == "RS-WBBSi-005"
    assert (draft.title, draft.priority, draft.justification) == (old.title, Priority.MEDIUM, "Still needed.")
    record = last_record(draft)
    assert record.history_user == serbian_focal_point
    assert record.history_change_reason == "Carried over from RS-WBBSi-001 (2023–2024)"
    old.refresh_from_db()
    assert old.status == NeedStatus.ADOPTED


def test_carried_over_need_has_no_area_when_the_new_cycle_lacks_it(secretariat, serbia, pillar, old_cycle, cycle):
    old = f.NeedFactory(cycle=old_cycle, partner=serbia, pillar=pillar, status=NeedStatus.ADOPTED)

    (draft,) = services.carry_over_needs(user=secretariat, cycle=cycle, needs=[old]).carried
    assert draft.area is None


def test_carrying_over_twice_changes_nothing(serbian_focal_point, serbia, old_cycle, cycle):
    old = f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED)
    services.carry_over_needs(user=serbian_focal_point, cycle=cycle, needs=[old])

    again = services.carry_over_needs(user=serbian_focal_point, cycle=cycle, needs=[old])
    assert again.carried == []
    assert again.skipped == [old]
    assert Need.objects.filter(cycle=cycle).count() == 1


def test_carry_over_reports_the_needs_left_out(serbian_focal_point, serbia, old_cycle, cycle):
    kept, closed = (f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED) for _ in range(2))

    result = services.carry_over_needs(user=serbian_focal_point, cycle=cycle, needs=[kept])
    assert result.left_out == [closed]
    assert not closed.carried_over_to.exists()


def test_focal_point_cannot_carry_over_another_partners_need(serbian_focal_point, serbia, albania, old_cycle, cycle):
    own = f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED)
    other = f.NeedFactory(cycle=old_cycle, partner=albania, status=NeedStatus.ADOPTED)

    with pytest.raises(NotAllowed, match=other.reference):
        services.carry_over_needs(user=serbian_focal_point, cycle=cycle, needs=[own, other])
    assert not Need.objects.filter(cycle=cycle).exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.DONOR])
def test_members_and_donors_do_not_carry_needs_over(role, serbia, old_cycle, cycle):
    old = f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED)
    with pytest.raises(NotAllowed):
        services.carry_over_needs(user=f.user_with(role), cycle=cycle, needs=[old])


def test_needs_are_not_carried_into_a_closed_cycle(serbian_focal_point, serbia, old_cycle, cycle):
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()
    old = f.NeedFactory(cycle=old_cycle, partner=serbia, status=NeedStatus.ADOPTED)

    with pytest.raises(CycleClosed):
        services.carry_over_needs(user=serbian_focal_point, cycle=cycle, needs=[old])


def test_only_needs_of_an_earlier_cycle_are_carried_over(serbian_focal_point, serbia, cycle):
    same = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)
    with pytest.raises(InvalidTransition):
        services.carry_over_needs(user=serbian_focal_point, cycle=cycle, needs=[same])


def test_next_reference_numbers_after_the_highest(cycle, serbia, pillar):
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, reference="RS-WBBSi-009")
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, reference="RS-WBBSi-draft")
    assert services.next_reference(cycle=cycle, partner=serbia, pillar=pillar) == "RS-WBBSi-010"


# Submitting


@pytest.mark.parametrize("status", [NeedStatus.DRAFT, NeedStatus.RETURNED])
def test_focal_point_submits_its_need(serbian_focal_point, serbia, cycle, status):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=status)

    need = services.submit_need(user=serbian_focal_point, need=need, comment="Ready.")
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    record = last_record(need)
    assert (record.history_user, record.history_change_reason) == (serbian_focal_point, "Ready.")


def test_secretariat_submits_a_need_for_a_partner(secretariat, serbia, cycle):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)
    assert services.submit_need(user=secretariat, need=need).status == NeedStatus.SUBMITTED


def test_focal_point_cannot_submit_another_partners_need(serbian_focal_point, albania, cycle):
    need = f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.DRAFT)
    with pytest.raises(NotAllowed):
        services.submit_need(user=serbian_focal_point, need=need)
    need.refresh_from_db()
    assert need.status == NeedStatus.DRAFT


def test_member_cannot_submit_a_need(member, serbia, cycle):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.RETURNED)
    with pytest.raises(NotAllowed):
        services.submit_need(user=member, need=need)


def test_need_is_not_submitted_once_the_cycle_is_closed(serbian_focal_point, serbia, cycle):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()
    with pytest.raises(CycleClosed):
        services.submit_need(user=serbian_focal_point, need=need)


def test_submitted_need_is_not_submitted_again(serbian_focal_point, serbia, cycle):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED, reference="RS-WBBSi-003")
    with pytest.raises(InvalidTransition, match=r"RS-WBBSi-003 is submitted: it cannot be submitted\."):
        services.submit_need(user=serbian_focal_point, need=need)


# The Secretariat's review


def test_secretariat_validates_a_submitted_need(secretariat, serbia, cycle):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED, review_comment="Old remark")

    services.validate_need(user=secretariat, need=need, comment="Clear and justified.")
    need.refresh_from_db()
    assert need.status == NeedStatus.VALIDATED
    assert need.review_comment == ""
    record = last_record(need)
    assert (record.history_user, record.history_change_reason) == (secretariat, "Clear and justified.")


def test_validation_without_a_comment_records_the_step(secretariat, cycle):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)
    services.validate_need(user=secretariat, need=need)
    assert last_record(need).history_change_reason == "Validated"


@pytest.mark.parametrize(
    "service", [services.validate_need, services.propose_need, services.return_need, services.reject_need]
)
def test_focal_point_does_not_review_its_own_need(service, serbian_focal_point, serbia, cycle):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)
    with pytest.raises(NotAllowed):
        service(user=serbian_focal_point, need=need, comment="Looks good to me.")
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED


def test_member_does_not_validate(member, cycle):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)
    with pytest.raises(NotAllowed):
        services.validate_need(user=member, need=need)


def test_draft_is_not_validated(secretariat, cycle):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.DRAFT, reference="AL-WBBSi-002")
    with pytest.raises(InvalidTransition, match="AL-WBBSi-002 is draft"):
        services.validate_need(user=secretariat, need=need)


def test_secretariat_returns_a_need_with_a_comment(secretariat, serbian_focal_point, serbia, cycle):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)

    services.return_need(user=secretariat, need=need, comment="Name the responsible institution.")
    need.refresh_from_db()
    assert need.status == NeedStatus.RETURNED
    assert need.review_comment == "Name the responsible institution."
    assert last_record(need).history_change_reason == "Name the responsible institution."
    assert can(serbian_focal_point, Verb.CHANGE, need)


@pytest.mark.parametrize("service", [services.return_need, services.reject_need])
@pytest.mark.parametrize("comment", ["", "   "])
def test_return_and_rejection_must_say_why(secretariat, cycle, service, comment):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)
    with pytest.raises(CommentRequired):
        service(user=secretariat, need=need, comment=comment)
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED


def test_only_a_submitted_need_is_returned(secretariat, cycle):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED)
    with pytest.raises(InvalidTransition):
        services.return_need(user=secretariat, need=need, comment="Please add detail.")


@pytest.mark.parametrize("status", [NeedStatus.DRAFT, NeedStatus.VALIDATED, NeedStatus.PROPOSED])
def test_secretariat_rejects_a_need_not_yet_adopted(secretariat, cycle, status):
    need = f.NeedFactory(cycle=cycle, status=status)

    services.reject_need(user=secretariat, need=need, comment="Covered by the regional need.")
    need.refresh_from_db()
    assert need.status == NeedStatus.REJECTED
    assert need.review_comment == "Covered by the regional need."


def test_rejected_need_is_not_rejected_again(secretariat, cycle):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.REJECTED, review_comment="Duplicate.")
    with pytest.raises(InvalidTransition):
        services.reject_need(user=secretariat, need=need, comment="Still a duplicate.")


def test_secretariat_records_the_support_groups_proposal(secretariat, cycle):
    needs = [f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED) for _ in range(2)]

    services.propose_needs(user=secretariat, needs=needs, comment="Support Group meeting of 3 March")
    for need in needs:
        need.refresh_from_db()
        assert need.status == NeedStatus.PROPOSED
        assert last_record(need).history_change_reason == "Support Group meeting of 3 March"


def test_proposal_is_all_or_nothing(secretariat, cycle):
    validated = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED)
    submitted = f.NeedFactory(cycle=cycle, status=NeedStatus.SUBMITTED)

    with pytest.raises(InvalidTransition, match=submitted.reference):
        services.propose_needs(user=secretariat, needs=[validated, submitted])
    validated.refresh_from_db()
    assert validated.status == NeedStatus.VALIDATED


def test_needs_of_an_adopted_cycle_are_no_longer_reviewed(secretariat, old_cycle):
    need = f.NeedFactory(cycle=old_cycle, status=NeedStatus.REJECTED, review_comment="Duplicate.")
    with pytest.raises(CycleClosed):
        services.reject_need(user=secretariat, need=need, comment="Again.")


# Closing for review and adoption


def test_closing_for_review_stops_focal_points_editing(secretariat, serbian_focal_point, serbia, cycle):
    need = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)

    services.close_cycle_for_review(user=secretariat, cycle=cycle)
    cycle.refresh_from_db()
    need.refresh_from_db()
    assert cycle.status == CycleStatus.IN_REVIEW
    assert not can(serbian_focal_point, Verb.CHANGE, need)
    with pytest.raises(CycleClosed):
        services.submit_need(user=serbian_focal_point, need=need)


def test_only_the_secretariat_closes_a_cycle_for_review(serbian_focal_point, cycle):
    with pytest.raises(NotAllowed):
        services.close_cycle_for_review(user=serbian_focal_point, cycle=cycle)


def test_closed_cycle_is_not_closed_again(secretariat, old_cycle):
    with pytest.raises(InvalidTransition):
        services.close_cycle_for_review(user=secretariat, cycle=old_cycle)


def test_adoption_freezes_the_proposed_needs(secretariat, serbian_focal_point, serbia, cycle, decision):
    proposed = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.PROPOSED)
    rejected = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.REJECTED, review_comment="Dup.")

    services.adopt_cycle(user=secretariat, cycle=cycle, decision=decision, comment="6th Board meeting")

    cycle.refresh_from_db()
    proposed.refresh_from_db()
    rejected.refresh_from_db()
    assert (cycle.status, cycle.adopted_by) == (CycleStatus.ADOPTED, decision)
    assert proposed.status == NeedStatus.ADOPTED
    assert rejected.status == NeedStatus.REJECTED
    record = last_record(proposed)
    assert (record.history_user, record.history_change_reason) == (secretariat, "6th Board meeting")
    assert last_record(cycle).history_change_reason == "6th Board meeting"
    for user in (secretariat, serbian_focal_point):
        assert not can(user, Verb.CHANGE, proposed)
        assert not can(user, Verb.REVIEW, proposed)
    with pytest.raises(NeedFrozen, match=rf"{proposed.reference} is adopted: a change is a new cycle\."):
        services.reject_need(user=secretariat, need=proposed, comment="Changed our mind.")
    with pytest.raises(NeedFrozen):
        services.validate_need(user=secretariat, need=proposed)


def test_adoption_is_refused_while_needs_are_under_way(secretariat, cycle, decision):
    f.NeedFactory(cycle=cycle, status=NeedStatus.PROPOSED)
    draft = f.NeedFactory(cycle=cycle, status=NeedStatus.DRAFT, reference="AL-WBBSi-001")
    validated = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED, reference="AL-WBBSi-002")

    with pytest.raises(UnfinishedNeeds, match="AL-WBBSi-001, AL-WBBSi-002") as refused:
        services.adopt_cycle(user=secretariat, cycle=cycle, decision=decision)
    assert refused.value.needs == [draft, validated]
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN
    assert not Need.objects.filter(status=NeedStatus.ADOPTED).exists()


def test_adoption_needs_a_decision_that_adopted_a_mapping(secretariat, cycle):
    f.NeedFactory(cycle=cycle, status=NeedStatus.PROPOSED)
    with pytest.raises(InvalidTransition, match="did not adopt a mapping"):
        services.adopt_cycle(user=secretariat, cycle=cycle, decision=f.DecisionFactory())


def test_adoption_needs_a_proposed_need(secretariat, cycle, decision):
    with pytest.raises(InvalidTransition, match="no need proposed"):
        services.adopt_cycle(user=secretariat, cycle=cycle, decision=decision)


def test_adopted_cycle_is_not_adopted_again(secretariat, old_cycle, decision):
    with pytest.raises(InvalidTransition, match="already adopted"):
        services.adopt_cycle(user=secretariat, cycle=old_cycle, decision=decision)


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.MEMBER])
def test_only_the_secretariat_records_the_adoption(role, serbia, cycle, decision):
    f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.PROPOSED)
    with pytest.raises(NotAllowed):
        services.adopt_cycle(user=f.user_with(role, partner=serbia), cycle=cycle, decision=decision)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN


def test_a_response_mapping_is_adopted_by_a_decision_or_with_the_reason_none_is_on_record():
    from iisg.governance.choices import DecisionKind
    from iisg.needs.errors import CommentRequired, InvalidTransition
    from iisg.needs.services import adopt_response_cycle, close_cycle_for_review, open_response_cycle

    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    cycle = open_response_cycle(user=secretariat, year=2021)
    close_cycle_for_review(user=secretariat, cycle=cycle)
    with pytest.raises(CommentRequired):
        adopt_response_cycle(user=secretariat, cycle=cycle)
    with pytest.raises(InvalidTransition):
        adopt_response_cycle(user=secretariat, cycle=cycle, decision=f.DecisionFactory(kind=DecisionKind.OTHER))
    decision = f.DecisionFactory(kind=DecisionKind.ADOPT_CYCLE)
    adopted = adopt_response_cycle(user=secretariat, cycle=cycle, decision=decision)
    assert (adopted.status, adopted.adopted_by) == (CycleStatus.ADOPTED, decision)
    with pytest.raises(InvalidTransition):
        adopt_response_cycle(user=secretariat, cycle=cycle, comment="again")


def test_a_change_that_is_the_same_text_once_cleaned_saves_nothing():
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    need = f.NeedFactory(title="Café for the crossing")
    saved = services.update_need(
        user=secretariat, need=need, changes={"title": "  Cafe\u0301 for the crossing "}, version=1
    )
    assert (saved.version, need.history.count()) == (1, 1), "no new version for the same text typed again"
