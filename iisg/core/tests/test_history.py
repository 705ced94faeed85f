"""The one way writes leave their history: who, when and why."""

import pytest

from iisg.core.history import insert_history, record, record_changed, record_created, record_deletion
from iisg.core.tests import factories as f
from iisg.needs.choices import Priority
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db


def test_record_saves_with_the_user_and_the_reason_in_the_history():
    need = f.NeedFactory()
    editor = f.UserFactory()
    need.title = "Drones for the green border"
    record(need, user=editor, reason="Corrected the title")
    latest = need.history.first()
    assert (latest.title, latest.history_user, latest.history_change_reason) == (
        "Drones for the green border",
        editor,
        "Corrected the title",
    )
    assert not hasattr(need, "_change_reason"), "the reason does not stick to the next save"


def test_record_deletion_names_the_user_and_the_reason():
    need = f.NeedFactory()
    editor = f.UserFactory()
    pk = need.pk
    record_deletion(need, user=editor, reason="Entered twice")
    last = Need.history.filter(id=pk).first()
    assert (last.history_type, last.history_user, last.history_change_reason) == ("-", editor, "Entered twice")


def test_record_changed_bumps_each_version_from_the_stored_one_and_keeps_history():
    needs = [f.NeedFactory(), f.NeedFactory()]
    Need.objects.filter(pk=needs[0].pk).update(version=5)  # saved by someone since it was read
    editor = f.UserFactory()
    for need in needs:
        need.priority = Priority.LOW
    record_changed(Need, needs, ["priority"], user=editor, reason="Excel workbook upload")
    stored = {need.pk: need for need in Need.objects.filter(pk__in=[n.pk for n in needs])}
    assert [stored[n.pk].version for n in needs] == [6, 2]
    assert {stored[n.pk].priority for n in needs} == {Priority.LOW}
    for need in needs:
        latest = need.history.first()
        assert (latest.priority, latest.history_user, latest.history_change_reason, latest.version) == (
            Priority.LOW,
            editor,
            "Excel workbook upload",
            stored[need.pk].version,
        )


def test_record_created_writes_each_row_with_its_history():
    cycle = f.CycleFactory()
    partner, pillar = f.PartnerFactory(), f.PillarFactory()
    editor = f.UserFactory()
    needs = [
        Need(cycle=cycle, partner=partner, pillar=pillar, reference=f"AL-X-{n}", title="t", priority=Priority.HIGH)
        for n in range(3)
    ]
    record_created(Need, needs, user=editor, reason="Excel workbook upload")
    assert Need.history.filter(history_user=editor, history_change_reason="Excel workbook upload").count() == 3


def test_insert_history_writes_plain_history_rows_as_the_records_are():
    need = f.NeedFactory()
    editor = f.UserFactory()
    insert_history(Need, [need], "~", user=editor, reason="Imported")
    latest = need.history.first()
    assert (latest.history_type, latest.history_user, latest.history_change_reason, latest.title) == (
        "~",
        editor,
        "Imported",
        need.title,
    )


def test_a_long_comment_is_kept_whole_in_the_history():
    """A reason is often a person's comment (why a need is returned): django-simple-history's
    default column held 100 characters, and PostgreSQL refused a longer one with the whole step."""
    need = f.NeedFactory()
    comment = "Please split this need: " + "the cameras and the training belong to different areas. " * 6
    need.title = "Thermal cameras"
    record(need, user=f.UserFactory(), reason=comment)
    assert need.history.first().history_change_reason == comment.strip()
