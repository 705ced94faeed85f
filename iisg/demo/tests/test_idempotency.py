"""Loading the demo again changes nothing: no row added, changed or deleted, no history recorded."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from iisg.needs.choices import Priority
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db


def _dump():
    """Every row of every table Django knows, many-to-many and history tables included."""
    dump = {}
    for model in apps.get_models(include_auto_created=True):
        columns = [field.attname for field in model._meta.concrete_fields]
        dump[model._meta.label] = sorted(model._base_manager.values_list(*columns), key=repr)
    return dump


@pytest.mark.parametrize("arguments", [[], ["--no-logins"]])
def test_loading_the_demo_twice_gives_the_same_database(demo, fast_hashers, arguments):
    before = _dump()
    assert before["needs.HistoricalNeed"]
    assert before["actions.HistoricalAction_partners"]
    call_command("load_demo", *arguments, stdout=StringIO())
    after = _dump()
    assert {label: len(rows) for label, rows in after.items()} == {label: len(rows) for label, rows in before.items()}
    changed = [label for label in before if before[label] != after[label]]
    assert changed == []


def test_loading_again_restores_a_demo_need_changed_by_hand(demo, fast_hashers):
    need = Need.objects.get(reference="AL-WBBSi-001")
    loaded_priority = need.priority
    need.priority = Priority.LOW if loaded_priority != Priority.LOW else Priority.HIGH
    need.save()
    call_command("load_demo", stdout=StringIO())
    need.refresh_from_db()
    assert need.priority == loaded_priority
    assert need.history.count() == 3
