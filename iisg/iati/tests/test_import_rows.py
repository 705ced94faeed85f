"""The import writes new actions as plain rows (iisg.core.bulk) and reads their ids back: each action,
its history row and its child rows must still belong together, on the real files under
../shared/data/iati."""

import gc
import json
from collections import defaultdict

import pytest
from django.conf import settings
from django.db.models import Count

from iisg.actions.models import Action, ActionSector, Budget
from iisg.iati.importer import import_file
from iisg.iati.parser import BrokenFile
from iisg.iati.tests.test_parser import tree, variant

pytestmark = pytest.mark.django_db

DFID = settings.SHARED_DATA_DIR / "iati" / "activities" / "dfid-drc-2013.xml"


def test_new_actions_are_stamped_versioned_and_recorded_when_written_as_plain_rows():
    summary = import_file(DFID)
    actions = list(Action.objects.all())
    assert len(actions) == summary.counts["imported"] > 0
    for action in actions:
        assert action.created_at is not None
        assert action.created_at == action.updated_at
        assert action.version == 1
    history = Action.history.filter(history_type="+")
    assert sorted(history.values_list("id", flat=True)) == sorted(action.pk for action in actions)
    stored = {action.pk: action.iati_hash for action in actions}
    assert dict(history.values_list("id", "iati_hash")) == stored


def test_child_rows_belong_to_the_action_of_their_activity_when_ids_are_read_back():
    import_file(DFID)
    published = defaultdict(set)
    budgets = {}
    for activity in tree(DFID).getroot().iter("iati-activity"):
        identifier = activity.findtext("iati-identifier").strip()
        published[identifier] = {sector.get("code").strip() for sector in activity.findall("sector")}
        budgets[identifier] = len(activity.findall("budget"))
    held = defaultdict(set)
    for identifier, code in ActionSector.objects.values_list("action__iati_identifier", "code"):
        held[identifier].add(code)
    assert held
    for identifier, codes in held.items():
        assert codes == published[identifier], identifier
    for identifier, count in (
        Budget.objects.values("action__iati_identifier")
        .annotate(count=Count("pk"))
        .values_list("action__iati_identifier", "count")
    ):
        assert count <= budgets[identifier], identifier


def test_a_warning_on_money_names_its_row_as_plain_text_when_the_summary_is_stored(tmp_path):
    def no_currency(root):
        for activity in root.iter("iati-activity"):
            activity.attrib.pop("default-currency", None)
        for value in root.iter("value"):
            value.attrib.pop("currency", None)

    summary = import_file(variant(tmp_path, DFID, no_currency))
    reasons = {p.reason for p in summary.problems if p.field == "value/@currency"}
    assert "A transaction has no currency: its EUR figure stays empty." in reasons
    assert "A budget has no currency: its EUR figure stays empty." in reasons
    assert all(type(reason) is str for reason in reasons)
    json.dumps(summary.as_dict())  # the run keeps its summary as JSON


def test_the_collector_keeps_its_thresholds_after_an_import_when_the_file_is_refused(tmp_path):
    before = gc.get_threshold()
    import_file(DFID)
    assert gc.get_threshold() == before
    data = DFID.read_bytes()
    truncated = tmp_path / DFID.name
    truncated.write_bytes(data[: data.rindex(b"</iati-activities>")])
    with pytest.raises(BrokenFile):
        import_file(truncated)
    assert gc.get_threshold() == before
