"""Loading the demo again changes nothing: no row added, changed or deleted, no history recorded.
What someone changed is changed back through the services where a step of the rules allows it,
and named where none does."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command

from iisg.actions.models import Action
from iisg.actions.money import Rates
from iisg.actions.services import update_action
from iisg.demo.mapping import DEFAULT_SEED, plan
from iisg.demo.services import load_demo
from iisg.demo.upsert import CHANGE_REASON
from iisg.events.models import Event
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
    assert demo.kept == []
    before = _dump()
    assert before["needs.HistoricalNeed"]
    assert before["actions.HistoricalAction_partners"]
    call_command("load_demo", *arguments, stdout=StringIO())
    after = _dump()
    assert {label: len(rows) for label, rows in after.items()} == {label: len(rows) for label, rows in before.items()}
    changed = [label for label in before if before[label] != after[label]]
    assert changed == []


def test_the_entered_actions_are_found_again_by_title_and_source_though_they_now_have_an_identifier(demo):
    entered = [action for action in plan(DEFAULT_SEED).actions if not action.iati_identifier]
    assert entered
    stored = Action.objects.filter(title__in=[action.title for action in entered])
    assert stored.count() == len(entered)
    assert not stored.filter(iati_identifier__isnull=True).exists()
    load_demo()
    assert Action.objects.filter(title__in=[action.title for action in entered]).count() == len(entered)
    assert Action.objects.count() == demo.mapping.actions


def test_loading_again_changes_back_an_action_changed_in_the_back_office(demo, fast_hashers):
    planned = next(
        action
        for action in plan(DEFAULT_SEED).actions
        if len(action.sectors) > 1 and "15210" not in dict(action.sectors) and action.budgets
    )
    action = Action.objects.get(iati_identifier=planned.iati_identifier) if planned.iati_identifier else None
    action = action or Action.objects.get(title=planned.title)
    secretariat = User.objects.get(username="secretariat")
    budget = action.budgets.order_by("period_start").first()
    rows = [{"id": row.pk} for row in action.budgets.exclude(pk=budget.pk)]
    update_action(
        user=secretariat,
        action=action,
        version=action.version,
        changes={"description": "Changed in the back office."},
        sectors=[{"vocabulary": "1", "code": "15210", "percentage": Decimal(100)}],
        budgets=[{"id": budget.pk, "value": budget.value * 2}, *rows],
    )
    history = action.history.count()

    summary = load_demo()

    action.refresh_from_db()
    assert summary.kept == []
    assert action.description == planned.description
    assert sorted(action.sectors.values_list("code", "percentage")) == sorted(planned.sectors)
    budget.refresh_from_db()
    assert budget.value == planned.budgets[0].value
    rates = Rates.from_database()
    assert budget.value_eur == rates.to_eur(budget.value, budget.currency, budget.value_date).value_eur
    latest = action.history.first()
    assert action.history.count() == history + 1
    assert (latest.history_user.username, latest.history_change_reason) == ("secretariat", CHANGE_REASON)


def test_loading_again_moves_back_an_event_moved_by_hand_and_tells_calendars(demo, fast_hashers):
    event = Event.objects.get(slug="regional-risk-analysis-workshop")
    planned = (event.start_date, event.end_date, event.sequence)
    Event.objects.filter(pk=event.pk).update(start_date=datetime.date(2018, 6, 11), end_date=None)

    load_demo()

    event.refresh_from_db()
    assert (event.start_date, event.end_date) == planned[:2]
    assert event.sequence == planned[2] + 1


def test_an_adopted_need_changed_by_hand_is_left_as_it_is_and_named(demo, fast_hashers):
    need = Need.objects.get(reference="AL-WBBSi-001", cycle__first_year=2021)  # the adopted cycle
    changed = Priority.LOW if need.priority != Priority.LOW else Priority.HIGH
    # Only a direct save can change an adopted need: every service refuses (it is frozen).
    Need.objects.filter(pk=need.pk).update(priority=changed)
    history = need.history.count()
    output = StringIO()

    call_command("load_demo", stdout=output)

    need.refresh_from_db()
    assert need.priority == changed
    assert need.history.count() == history
    assert "AL-WBBSi-001 differs from the plan (priority)" in output.getvalue()
