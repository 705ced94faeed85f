"""Rolling back an IATI import run: the database comes back to the row as it was before the run, or
the rollback is refused, naming why, and nothing changes. On the real publisher files under
../shared/data/iati/activities and on changed copies of them."""

import copy
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import formats, timezone

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Action, Response
from iisg.actions.money import load_rates
from iisg.core.choices import Role
from iisg.core.history import record, record_deletion
from iisg.core.tests import factories as f
from iisg.directory.models import Organisation
from iisg.iati.errors import RollbackRefused
from iisg.iati.importer.children import REPLACED
from iisg.iati.models import ImportChange, ImportRun
from iisg.iati.services import rollback_import, start_import
from iisg.iati.tasks import run_import
from iisg.iati.tests.test_jobs import upload_of
from iisg.iati.tests.test_parser import variant
from iisg.needs.errors import NotAllowed

pytestmark = pytest.mark.django_db

ACTIVITIES = settings.SHARED_DATA_DIR / "iati" / "activities"
CAFOD = ACTIVITIES / "cafod-drc-2013.xml"  # 57 activities of IATI 1.00
DFID = ACTIVITIES / "dfid-drc-2013.xml"  # 205 activities of IATI 1.0x, with many transactions
EXAMPLE = ACTIVITIES / "2.01-example-annotated.xml"  # IATI 2.01, every element once
# Every table an import writes to or a rollback deletes from: the actions, each kind of row the
# importer replaces (children and beneficiary partners), the pillars and the responses.
TABLES = [Action, *REPLACED, Action.pillars.through, Response]


@pytest.fixture(autouse=True)
def progress_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }


@pytest.fixture
def rates():
    load_rates()


@pytest.fixture
def secretariat():
    return f.UserFactory(roles=[Role.SECRETARIAT], first_name="Sara", last_name="Secretariat")


@pytest.fixture
def mapping(albania, serbia):
    """What the platform holds before any import: an action entered by hand, with its rows, a
    pillar, a beneficiary partner and a confirmed response; no rollback may touch it."""
    action = f.ActionFactory(title="Border police training")
    f.BudgetFactory(action=action)
    f.TransactionFactory(action=action)
    action.partners.add(albania)
    action.pillars.add(f.PillarFactory(code="wbbsi"))
    f.ResponseFactory(action=action, status=ResponseStatus.CONFIRMED, confirmed_at=timezone.now())
    return action


def rows():
    """Every row of every table in TABLES, by table, with all its columns but the action's
    version: a rollback is a new version of each action it puts back (iisg.core.concurrency)."""
    state = {}
    for model in TABLES:
        values = list(model.objects.order_by("pk").values())
        if model is Action:
            for row in values:
                row.pop("version")
        state[model._meta.label] = values
    return state


def imported(path, *, name=None):
    """`path` imported as the back office does it: uploaded under `name` by the Secretariat, then
    run by the worker."""
    run = start_import(upload_of(path, name), user=f.UserFactory(roles=[Role.SECRETARIAT]))
    assert run_import.call(run.pk) == ImportRun.Status.DONE
    run.refresh_from_db()
    return run


def on(moment):
    """A date as the messages and the history write it."""
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def with_partners(root, start, stop, code):
    """The activities start…stop benefit the partner `code` instead of the country they named."""
    for activity in root.findall("iati-activity")[start:stop]:
        activity.find("recipient-country").set("code", code)


def published(tmp_path, version):
    """CAFOD's file as `version` changes it, under the one name the publisher always uses."""
    folder = tmp_path / version.__name__
    folder.mkdir()
    return variant(folder, CAFOD, version, "cafod.xml")


def first_version(root):
    with_partners(root, 0, 5, "AL")


def second_version(root):
    """The file published again: ten activities changed (titles, money, partners, sectors), one
    gone, one new."""
    activities = root.findall("iati-activity")
    with_partners(root, 0, 5, "AL")
    with_partners(root, 0, 3, "RS")
    for number, activity in enumerate(activities[:10]):
        activity.set("last-updated-datetime", "2014-06-30T12:00:00")
        activity.find("title").text = f"Revised activity {number}"
    for activity in activities[3:6]:
        activity.remove(activity.find("transaction"))
    activities[6].find("sector[@percentage]").set("percentage", "55")
    root.remove(activities[20])
    new = copy.deepcopy(activities[30])
    new.find("iati-identifier").text = "GB-CHC-285776-DRC999"
    root.append(new)


# What a rollback does


@pytest.mark.parametrize("path", [CAFOD, DFID, EXAMPLE], ids=["cafod", "dfid", "2.01 example"])
def test_rolling_back_an_import_leaves_the_database_exactly_as_before_it(path, mapping, secretariat, rates):
    before = rows()
    run = imported(path)
    assert run.summary["counts"]["imported"] == Action.objects.count() - 1 > 0

    plan = rollback_import(user=secretariat, run=run)

    assert (plan.created, plan.updated, plan.withdrawn) == (run.summary["counts"]["imported"], 0, 0)
    assert rows() == before
    run.refresh_from_db()
    assert run.status == ImportRun.Status.ROLLED_BACK
    assert run.rolled_back_by == secretariat
    assert run.rolled_back_at is not None


def test_rolling_back_a_second_import_brings_back_the_first_one_exactly_and_then_the_first_too(
    tmp_path, mapping, secretariat, rates
):
    nothing_imported = rows()
    first = imported(published(tmp_path, first_version))
    first_state = rows()
    versions = dict(Action.objects.values_list("pk", "version"))
    second = imported(published(tmp_path, second_version))
    assert {name: second.summary["counts"][name] for name in ("imported", "updated", "withdrawn")} == {
        "imported": 1,
        "updated": 10,
        "withdrawn": 1,
    }
    assert rows() != first_state

    plan = rollback_import(user=secretariat, run=second)

    assert (plan.created, plan.updated, plan.withdrawn) == (1, 10, 1)
    assert rows() == first_state
    touched = second.changes.exclude(kind=ImportChange.Kind.CREATED)
    for action_id, version_after in touched.values_list("action_id", "version_after"):
        assert Action.objects.get(pk=action_id).version == version_after + 1 == versions[action_id] + 2

    rollback_import(user=secretariat, run=first)
    assert rows() == nothing_imported


def test_a_rollback_is_in_the_history_of_each_action_with_who_and_why(tmp_path, secretariat):
    first = imported(published(tmp_path, first_version))
    second = imported(published(tmp_path, second_version))
    changes = list(second.changes.values_list("action_id", "kind"))
    updated = next(action_id for action_id, kind in changes if kind == ImportChange.Kind.UPDATED)

    rollback_import(user=secretariat, run=second)

    history = Action.history.filter(history_user=secretariat)
    assert sorted((row.id, row.history_type) for row in history) == sorted(
        (action_id, "-" if kind == ImportChange.Kind.CREATED else "~") for action_id, kind in changes
    )
    assert {row.history_change_reason for row in history} == {
        f"Import “cafod.xml” of {on(second.created_at)} rolled back"
    }
    latest = Action.history.filter(id=updated).first()
    assert (latest.history_user, latest.title) == (secretariat, Action.objects.get(pk=updated).title)
    first.refresh_from_db()
    assert first.status == ImportRun.Status.DONE


def test_the_reason_in_the_history_keeps_a_long_file_name_whole(secretariat):
    name = "IATI activities of the Department for International Development, Democratic Republic of Congo, 2013.xml"
    run = imported(CAFOD, name=name)
    rollback_import(user=secretariat, run=run)

    rolled_back_as, imported_as = sorted(set(Action.history.values_list("history_change_reason", flat=True)))
    assert imported_as == f"Imported from {name}"
    assert rolled_back_as == f"Import “{name}” of {on(run.created_at)} rolled back"


def test_a_created_action_someone_deleted_since_is_passed_over(secretariat):
    before = rows()
    run = imported(CAFOD)
    record_deletion(Action.objects.first(), user=secretariat, reason="Not ours")

    plan = rollback_import(user=secretariat, run=run)

    assert plan.created == 57
    assert rows() == before


def test_proposed_responses_of_a_created_action_go_with_it(secretariat):
    run = imported(CAFOD)
    proposed = f.ResponseFactory(action=Action.objects.first(), status=ResponseStatus.PROPOSED)

    plan = rollback_import(user=secretariat, run=run)

    assert plan.proposed_responses == 1
    assert not Response.objects.filter(pk=proposed.pk).exists()


def test_organisations_an_import_added_to_the_directory_stay(secretariat):
    run = imported(CAFOD)
    added = set(Organisation.objects.values_list("pk", flat=True))
    assert added

    rollback_import(user=secretariat, run=run)

    assert set(Organisation.objects.values_list("pk", flat=True)) == added


def test_an_import_records_the_state_before_it_only_of_what_it_updated(tmp_path, albania):
    first = imported(published(tmp_path, first_version))
    assert set(first.changes.values_list("kind", "version_after", "before")) == {("created", 1, None)}
    titles = dict(Action.objects.values_list("pk", "title"))
    partners = set(Action.partners.through.objects.values_list("pk", "action_id", "partner_id"))
    second = imported(published(tmp_path, second_version))

    assert sorted(second.changes.values_list("kind", flat=True)) == ["created"] + ["updated"] * 10 + ["withdrawn"]
    assert second.changes.exclude(kind=ImportChange.Kind.UPDATED).filter(before__isnull=False).count() == 0
    recorded = set()
    for change in second.changes.filter(kind=ImportChange.Kind.UPDATED):
        assert change.before["fields"]["title"] == titles[change.action_id]
        assert change.before["fields"]["version"] == change.version_after - 1
        table = change.before["rows"].get("actions.action_partners", {"columns": ["id", "partner_id"], "values": []})
        assert table["columns"] == ["id", "partner_id"]
        recorded |= {(pk, change.action_id, partner) for pk, partner in table["values"]}
    assert recorded == partners


def test_an_import_from_the_command_line_records_nothing():
    call_command("import_iati", str(CAFOD), stdout=io.StringIO())
    assert Action.objects.count() == 57
    assert not ImportChange.objects.exists()


# When a rollback is refused, nothing changes


def refused(run, user):
    """The reasons the rollback of `run` is refused; the database and the run are as they were."""
    state, status = rows(), run.status
    with pytest.raises(RollbackRefused) as refusal:
        rollback_import(user=user, run=run)
    assert rows() == state
    run.refresh_from_db()
    assert run.status == status
    return refusal.value


def test_a_rollback_is_refused_when_an_action_was_edited_since_naming_it_and_who(secretariat):
    run = imported(CAFOD)
    editor = f.UserFactory(roles=[Role.SECRETARIAT], first_name="Edith", last_name="Editor")
    action = Action.objects.get(iati_identifier="GB-CHC-285776-DRC173")
    action.title = "Conflict analysis, South Kivu"
    record(action, user=editor, reason="Clearer title")

    refusal = refused(run, secretariat)

    assert len(refusal.reasons) == 1
    [reason] = refusal.reasons
    assert reason.startswith("1 action this import touched was changed since: “Conflict analysis, South Kivu”")
    assert "(GB-CHC-285776-DRC173) by Edith Editor on " in reason
    assert "(title)" in reason
    assert reason.endswith("A rollback would undo that change.")


def test_a_rollback_is_refused_while_a_later_import_touched_the_same_actions_naming_it(tmp_path, secretariat):
    first = imported(published(tmp_path, first_version))
    second = imported(published(tmp_path, second_version))

    refusal = refused(first, secretariat)

    assert refusal.reasons == [
        f"The later import “cafod.xml” of {on(second.created_at)} changed 11 actions this one touched: "
        "roll it back first."
    ]


def test_a_rollback_is_refused_when_an_action_was_edited_between_two_imports_rolled_back_since(tmp_path, secretariat):
    first = imported(published(tmp_path, first_version))
    action = Action.objects.get(iati_identifier="GB-CHC-285776-DRC173")
    action.description = "Edited by hand before the file came again."
    record(action, user=secretariat, reason="Edited")
    second = imported(published(tmp_path, second_version))
    rollback_import(user=secretariat, run=second)
    assert Action.objects.get(pk=action.pk).description == "Edited by hand before the file came again."

    refusal = refused(first, secretariat)

    assert refusal.reasons[0].startswith("1 action this import touched was changed since: “")
    assert "(GB-CHC-285776-DRC173)" in refusal.reasons[0]


@pytest.mark.parametrize(
    "status", [ImportRun.Status.QUEUED, ImportRun.Status.RUNNING, ImportRun.Status.REFUSED, ImportRun.Status.FAILED]
)
def test_only_an_import_that_is_done_is_rolled_back(status, secretariat):
    run = ImportRun.objects.create(source_name="cafod.xml", status=status)
    label = ImportRun.Status(status).label
    assert refused(run, secretariat).reasons == [
        f"Only an import that is done can be rolled back; this one is “{label}”."
    ]


def test_an_import_is_rolled_back_once(secretariat):
    run = imported(CAFOD)
    rollback_import(user=secretariat, run=run)
    run.refresh_from_db()

    [reason] = refused(run, secretariat).reasons
    assert reason.startswith("This import was already rolled back by Sara Secretariat on ")


def test_an_import_done_before_imports_recorded_their_changes_is_not_rolled_back(secretariat):
    run = imported(CAFOD)
    run.changes.all().delete()
    assert refused(run, secretariat).reasons == [
        "This import ran before imports recorded what they changed: it cannot be rolled back."
    ]


def test_a_rollback_is_refused_when_a_created_action_has_confirmed_responses_naming_them(secretariat):
    run = imported(CAFOD)
    action = Action.objects.get(iati_identifier="GB-CHC-285776-DRC173")
    f.ResponseFactory(
        action=action,
        need=f.NeedFactory(reference="AL-WBBSi-007"),
        status=ResponseStatus.CONFIRMED,
        confirmed_at=timezone.now(),
    )

    assert refused(run, secretariat).reasons == [
        "An action this import created has 1 confirmed response, which a rollback would delete with it: "
        f"“{action.title}” to need AL-WBBSi-007."
    ]


def test_a_rollback_is_refused_when_an_action_it_updated_was_deleted_since(tmp_path, secretariat):
    imported(published(tmp_path, first_version))
    second = imported(published(tmp_path, second_version))
    updated = second.changes.filter(kind=ImportChange.Kind.UPDATED).order_by("pk").first()
    record_deletion(updated.action, user=secretariat, reason="Duplicate")

    assert refused(second, secretariat).reasons == [
        f"1 action this import updated or withdrew was deleted since ({updated.iati_identifier}): "
        "it cannot be put back as it was."
    ]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_only_the_secretariat_rolls_back_an_import(role):
    run = imported(CAFOD)
    state = rows()
    with pytest.raises(NotAllowed, match=r"Only the Secretariat rolls back IATI imports\."):
        rollback_import(user=f.user_with(role), run=run)
    with pytest.raises(NotAllowed):
        rollback_import(user=None, run=run)
    assert rows() == state


# The command


def test_the_command_rolls_back_a_run_for_a_member_of_the_secretariat(secretariat, capsys):
    before = rows()
    run = imported(CAFOD)

    call_command("rollback_iati_import", str(run.pk), "--user", secretariat.username)

    assert rows() == before
    assert capsys.readouterr().out == (
        f"cafod-drc-2013.xml (run {run.pk}) rolled back: 57 actions deleted, 0 put back as they were, "
        "0 counted again.\n"
    )


def test_the_command_says_why_it_refuses(secretariat):
    run = imported(CAFOD)
    member = f.UserFactory(roles=[Role.MEMBER])
    with pytest.raises(CommandError, match=r"Only the Secretariat rolls back IATI imports\."):
        call_command("rollback_iati_import", str(run.pk), "--user", member.username)
    with pytest.raises(CommandError, match=rf"No import run {run.pk + 1}\."):
        call_command("rollback_iati_import", str(run.pk + 1), "--user", secretariat.username)
    with pytest.raises(CommandError, match=r"No active user 'nobody'\."):
        call_command("rollback_iati_import", str(run.pk), "--user", "nobody")
    call_command("rollback_iati_import", str(run.pk), "--user", secretariat.username)
    with pytest.raises(CommandError, match="This import was already rolled back by Sara Secretariat"):
        call_command("rollback_iati_import", str(run.pk), "--user", secretariat.username)
