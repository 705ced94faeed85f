"""Merging an entered action into the imported one it turns out to be (services.merge_actions): what
moves, what stays, who may, and that the merged action counts nowhere once merged."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from iisg.actions import services
from iisg.actions.choices import ActionSource, OrganisationRole, ResponseStatus, RoundAnswerKind
from iisg.actions.errors import MergeRefused
from iisg.actions.models import Action, ActionOrganisation, Response, RoundAnswer
from iisg.actions.round import round_actions
from iisg.analysis import quality
from iisg.core.choices import Role, Verb
from iisg.core.concurrency import EditConflict
from iisg.core.permissions import can
from iisg.core.tests import factories as f
from iisg.iati.importer import import_file
from iisg.needs.choices import CycleStatus, NeedStatus
from iisg.needs.errors import CommentRequired, InvalidTransition, NotAllowed

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2023, 6, 30)
WHY = "The same border police project: Austria entered it before publishing it."


@pytest.fixture
def austria():
    return f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")


@pytest.fixture
def secretariat():
    return f.user_with(Role.SECRETARIAT)


@pytest.fixture
def donor(austria):
    return f.user_with(Role.DONOR, organisation=austria)


@pytest.fixture
def borders():
    return f.PillarFactory(code="wbbsi")


@pytest.fixture
def crime():
    return f.PillarFactory(code="wbcsci")


def action_of(austria, albania, title, *, pillars=(), **fields):
    made = f.ActionFactory(title=title, **fields)
    made.partners.set([albania])
    made.pillars.set(pillars)
    f.ActionOrganisationFactory(action=made, organisation=austria, role=OrganisationRole.FUNDING)
    return made


@pytest.fixture
def entered(austria, albania, borders, crime):
    return action_of(austria, albania, "Border police capacity building in Albania", pillars=(borders, crime))


@pytest.fixture
def imported(austria, albania, borders):
    return action_of(
        austria,
        albania,
        "Border Police Capacity-Building, Albania",
        pillars=(borders,),
        source=ActionSource.IATI,
        iati_identifier="AT-1-123",
        planned_start=datetime.date(2022, 6, 1),
        planned_end=datetime.date(2024, 12, 31),
    )


def need(reference):
    return f.NeedFactory(status=NeedStatus.ADOPTED, reference=reference)


def respond(action, need, status=ResponseStatus.PROPOSED):
    confirmed_at = timezone.now() if status == ResponseStatus.CONFIRMED else None
    return f.ResponseFactory(action=action, need=need, status=status, confirmed_at=confirmed_at)


def last_record(action):
    return action.history.order_by("-history_date", "-history_id").first()


def test_the_secretariat_merges_an_entered_action_into_the_imported_one(secretariat, entered, imported, crime):
    first, second = need("AL-WBBSi-001"), need("AL-WBBSi-002")
    moved = [respond(entered, first, ResponseStatus.CONFIRMED), respond(entered, second)]
    own = respond(imported, need("AL-WBBSi-003"))
    versions = entered.version, imported.version

    kept = services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)

    assert kept == imported
    entered.refresh_from_db()
    imported.refresh_from_db()
    assert entered.merged_into == imported
    assert set(imported.responses.all()) == {*moved, own}
    assert not entered.responses.exists()
    assert crime in imported.pillars.all(), "the pillars people gave go with it; an import never sets pillars"
    assert (entered.version, imported.version) == (versions[0] + 1, versions[1] + 1)
    for action, said in ((entered, "Merged into “Border Police"), (imported, "“Border police capacity")):
        record = action.history.filter(history_change_reason__contains=WHY).get()
        assert record.history_user == secretariat
        assert record.history_change_reason.startswith(said)
    assert entered.history.filter(merged_into=imported).exists()
    moved_record = moved[0].history.order_by("-history_id").first()
    assert (moved_record.history_user, moved_record.action_id) == (secretariat, imported.pk)
    assert WHY in moved_record.history_change_reason
    assert Response.objects.get(pk=moved[0].pk).status == ResponseStatus.CONFIRMED


def test_a_merged_action_counts_nowhere(secretariat, entered, imported):
    services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)
    entered.refresh_from_db()

    assert list(Action.objects.counted()) == [imported]
    assert list(Action.objects.active_in(2022)) == [imported]
    assert not entered.is_active_in(2022)
    assert list(Action.objects.standing()) == [imported]
    assert Action.objects.filter(pk=entered.pk).exists(), "merged, not deleted"
    cycle = f.CycleFactory(kind="response", first_year=2022, last_year=2022, status=CycleStatus.OPEN)
    assert list(round_actions(cycle)) == [imported]


@pytest.mark.parametrize(
    ("entered_status", "imported_status", "stays"),
    [
        (ResponseStatus.CONFIRMED, ResponseStatus.PROPOSED, "entered"),
        (ResponseStatus.REJECTED, ResponseStatus.PROPOSED, "entered"),
        (ResponseStatus.PROPOSED, ResponseStatus.CONFIRMED, "imported"),
        (ResponseStatus.CONFIRMED, ResponseStatus.REJECTED, "entered"),
        (ResponseStatus.PROPOSED, ResponseStatus.PROPOSED, "imported"),
    ],
)
def test_of_two_responses_to_the_same_need_the_one_further_along_stays(
    secretariat, entered, imported, entered_status, imported_status, stays
):
    shared = need("AL-WBBSi-001")
    responses = {
        "entered": respond(entered, shared, entered_status),
        "imported": respond(imported, shared, imported_status),
    }
    ended = responses["imported" if stays == "entered" else "entered"]

    services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)

    (left,) = Response.objects.filter(need=shared)
    assert (left.pk, left.action_id) == (responses[stays].pk, imported.pk)
    assert not Response.objects.filter(pk=ended.pk).exists()
    end = Response.history.filter(id=ended.pk, history_type="-").get()
    assert end.history_user == secretariat
    assert WHY in end.history_change_reason
    assert "AL-WBBSi-001" in end.history_change_reason


def test_the_round_answers_move_and_of_two_in_one_round_the_later_stands(secretariat, entered, imported):
    rounds = [f.CycleFactory(kind="response", first_year=year, last_year=year) for year in (2022, 2023, 2024)]
    earlier, later = timezone.now() - datetime.timedelta(days=3), timezone.now()

    def answer(action, cycle, kind, at):
        return RoundAnswer.objects.create(cycle=cycle, action=action, answer=kind, answered_at=at)

    only_entered = answer(entered, rounds[0], RoundAnswerKind.CONFIRMED, earlier)
    entered_later = answer(entered, rounds[1], RoundAnswerKind.UPDATED, later)
    answer(imported, rounds[1], RoundAnswerKind.CONFIRMED, earlier)
    answer(entered, rounds[2], RoundAnswerKind.UPDATED, earlier)
    imported_later = answer(imported, rounds[2], RoundAnswerKind.CONFIRMED, later)

    services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)

    assert set(RoundAnswer.objects.values_list("pk", "cycle", "action")) == {
        (only_entered.pk, rounds[0].pk, imported.pk),
        (entered_later.pk, rounds[1].pk, imported.pk),
        (imported_later.pk, rounds[2].pk, imported.pk),
    }


def test_what_a_re_import_replaces_stays_with_the_merged_action(secretariat, entered, imported, austria):
    other_donor = f.OrganisationFactory(acronym="IT MoI")
    f.ActionOrganisationFactory(action=entered, organisation=other_donor, role=OrganisationRole.FUNDING)
    budget = f.BudgetFactory(action=entered, value=Decimal("500000"))

    services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)

    assert not imported.participations.filter(organisation=other_donor).exists()
    assert entered.participations.filter(organisation=other_donor).exists()
    assert list(entered.budgets.all()) == [budget]
    assert not imported.budgets.exists()


def snapshot():
    return {
        "actions": sorted(Action.objects.values_list("pk", "version", "merged_into")),
        "responses": sorted(Response.objects.values_list("pk", "action", "status")),
        "answers": sorted(RoundAnswer.objects.values_list("pk", "action")),
        "pillars": sorted(Action.pillars.through.objects.values_list("action", "pillar")),
        "history": Action.history.count() + Response.history.count(),
    }


def refused_merges(entered, imported, secretariat, donor):
    """(the error, the merge) of each merge the service refuses."""
    other_entered = f.ActionFactory(title="Another entered action")
    already = f.ActionFactory(title="Merged before", merged_into=imported)
    return {
        "a donor": (NotAllowed, {"user": donor, "keep": imported, "absorb": entered, "comment": WHY}),
        "no reason": (CommentRequired, {"user": secretariat, "keep": imported, "absorb": entered, "comment": "  "}),
        "two entered": (MergeRefused, {"user": secretariat, "keep": other_entered, "absorb": entered, "comment": WHY}),
        "the wrong way": (MergeRefused, {"user": secretariat, "keep": entered, "absorb": imported, "comment": WHY}),
        "itself": (MergeRefused, {"user": secretariat, "keep": imported, "absorb": imported, "comment": WHY}),
        "merged already": (MergeRefused, {"user": secretariat, "keep": imported, "absorb": already, "comment": WHY}),
        "a stale page": (
            EditConflict,
            {"user": secretariat, "keep": imported, "absorb": entered, "comment": WHY, "absorb_version": 0},
        ),
    }


@pytest.mark.parametrize(
    "case", ["a donor", "no reason", "two entered", "the wrong way", "itself", "merged already", "a stale page"]
)
def test_a_refused_merge_changes_nothing(case, secretariat, donor, entered, imported):
    respond(entered, need("AL-WBBSi-001"), ResponseStatus.CONFIRMED)
    respond(imported, need("AL-WBBSi-002"))
    RoundAnswer.objects.create(
        cycle=f.CycleFactory(kind="response"), action=entered, answer="confirmed", answered_at=timezone.now()
    )
    error, merge = refused_merges(entered, imported, secretariat, donor)[case]
    before = snapshot()

    with pytest.raises(error):
        services.merge_actions(**merge)

    assert snapshot() == before


def test_an_imported_action_withdrawn_from_its_file_takes_no_merge(secretariat, entered, imported):
    Action.objects.filter(pk=imported.pk).update(withdrawn_at=timezone.now())
    with pytest.raises(MergeRefused, match="withdrawn"):
        services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)


def test_only_the_secretariat_reviews_an_action(secretariat, donor, entered):
    assert can(secretariat, Verb.REVIEW, entered)
    assert not can(donor, Verb.REVIEW, entered)
    assert not can(secretariat, Verb.REVIEW, entered.participations.first()), "its rows have nothing to review"


def test_the_action_merged_into_is_not_deleted_from_under_the_merged_one(secretariat, entered, imported):
    services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)
    with pytest.raises(InvalidTransition, match="was merged into it"):
        services.delete_action(user=secretariat, action=imported)
    assert Action.objects.filter(pk=imported.pk).exists()


def test_no_response_is_proposed_for_a_merged_action(secretariat, entered, imported):
    services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)
    entered.refresh_from_db()
    with pytest.raises(InvalidTransition, match="merged into"):
        services.propose_response(user=secretariat, action=entered, need=need("AL-WBBSi-009"))


# The data-quality alert that proposes the merge


def test_the_duplicate_alert_leads_to_the_merge_page_and_is_gone_once_merged(secretariat, entered, imported):
    (finding,) = quality.likely_duplicates(TODAY)
    assert finding.record == entered
    assert finding.fix_url == f"/admin/actions/action/{entered.pk}/merge-into/{imported.pk}/"

    services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)

    assert quality.likely_duplicates(TODAY) == []
    assert entered.pk not in {finding.record.pk for finding in quality.no_partner_or_pillar(TODAY)}


# The IATI file of the imported action, imported again

ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity last-updated-datetime="{updated}" default-currency="EUR">
  <iati-identifier>AT-1-123</iati-identifier>
  <reporting-org ref="AT-1" type="10"><narrative>Austria – Ministry of Interior</narrative></reporting-org>
  <title><narrative>{title}</narrative></title>
  <description><narrative>Training and equipment of the border police.</narrative></description>
  <participating-org ref="AT-1" role="1"><narrative>Austria – Ministry of Interior</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date iso-date="2022-06-01" type="1"/>
  <activity-date iso-date="2024-12-31" type="3"/>
  <recipient-country code="AL" percentage="100"/>
  <budget type="1" status="2">
   <period-start iso-date="2022-06-01"/><period-end iso-date="2022-12-31"/>
   <value currency="EUR" value-date="2022-06-01">{budget}</value>
  </budget>
 </iati-activity>
</iati-activities>
"""


def publish(tmp_path, *, updated, title, budget):
    path = tmp_path / "austria.xml"
    path.write_text(ACTIVITY.format(updated=updated, title=title, budget=budget), encoding="utf-8")
    return path


def test_a_re_import_keeps_the_merge_and_what_it_moved(tmp_path, secretariat, albania, borders):
    title = "Border Police Capacity-Building, Albania"
    import_file(publish(tmp_path, updated="2024-01-01T00:00:00Z", title=title, budget="100000"))
    imported = Action.objects.get(iati_identifier="AT-1-123")
    imported.pillars.set([borders])
    funder = ActionOrganisation.objects.get(action=imported, role=OrganisationRole.FUNDING).organisation
    entered = action_of(funder, albania, "Border police capacity building in Albania", pillars=(borders,))
    confirmed = respond(entered, need("AL-WBBSi-001"), ResponseStatus.CONFIRMED)
    assert [finding.record for finding in quality.likely_duplicates(TODAY)] == [entered]

    services.merge_actions(user=secretariat, keep=imported, absorb=entered, comment=WHY)
    summary = import_file(publish(tmp_path, updated="2024-06-01T00:00:00Z", title=title, budget="120000"))

    assert summary.counts["updated"] == 1
    entered.refresh_from_db()
    assert entered.merged_into_id == imported.pk
    assert Response.objects.get(pk=confirmed.pk).action_id == imported.pk
    assert list(Action.objects.get(pk=imported.pk).pillars.all()) == [borders]
    assert [budget.value for budget in imported.budgets.all()] == [Decimal("120000.00")]
    assert list(Action.objects.counted()) == [imported]
    assert quality.likely_duplicates(TODAY) == []
