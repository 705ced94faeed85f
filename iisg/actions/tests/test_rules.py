"""The rules of the response mapping are stated once (iisg.actions.models) and every door asks them:
the query and the predicate agree for every kind of action, and the back office's filter, the API's
filter, the support mapping, the response mapping and the IATI export list the same actions."""

import datetime

import pytest
from django.urls import reverse

from iisg.actions.choices import ActivityStatus, ResponseStatus
from iisg.actions.models import Action, Recipient
from iisg.actions.queries import is_active, year_span
from iisg.analysis import selectors
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.iati.export import exportable_actions
from iisg.needs.choices import CycleStatus, NeedStatus

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def kinds(albania):
    """One action of each kind the rule must decide, all benefiting Albania."""
    made = {
        "running": {"planned_start": D(2021, 1, 1), "planned_end": D(2023, 12, 31)},
        "actual dates win": {
            "planned_start": D(2019, 1, 1),
            "planned_end": D(2019, 12, 31),
            "actual_start": D(2022, 3, 1),
            "actual_end": D(2022, 10, 31),
        },
        "open ended": {"planned_start": D(2020, 5, 1), "planned_end": None},
        "only an end": {"planned_start": None, "planned_end": D(2022, 6, 30)},
        "undated": {"planned_start": None, "planned_end": None},
        "cancelled": {
            "planned_start": D(2021, 1, 1),
            "planned_end": D(2023, 12, 31),
            "status": ActivityStatus.CANCELLED,
        },
        "pipeline": {"planned_start": D(2021, 1, 1), "planned_end": D(2023, 12, 31), "status": ActivityStatus.PIPELINE},
        "closed": {"planned_start": D(2021, 1, 1), "planned_end": D(2022, 1, 31), "status": ActivityStatus.CLOSED},
        "withdrawn": {
            "planned_start": D(2021, 1, 1),
            "planned_end": D(2023, 12, 31),
            "withdrawn_at": datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC),
        },
        "ended before": {"planned_start": D(2018, 1, 1), "planned_end": D(2021, 12, 31)},
    }
    actions = {}
    for title, values in made.items():
        action = f.ActionFactory(title=title, **values)
        action.partners.add(albania)
        actions[title] = action
    return actions


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2022, 2023, 2024])
def test_the_query_and_the_predicate_agree_for_every_kind_of_action(kinds, year):
    first, last = year_span(year)
    expected = {
        action.title
        for action in Action.objects.all()
        if is_active(
            status=action.status,
            start=action.start,
            end=action.end,
            withdrawn=action.withdrawn_at,
            first=first,
            last=last,
        )
    }
    assert set(Action.objects.active_in(year).values_list("title", flat=True)) == expected
    assert {a.title for a in Action.objects.all() if a.is_active_in(year)} == expected


def test_the_rule_for_undated_cancelled_and_withdrawn_actions_in_2022(kinds):
    assert set(Action.objects.active_in(2022).values_list("title", flat=True)) == {
        "running",
        "actual dates win",
        "open ended",
        "closed",
    }, "undated, end-only, cancelled, in the pipeline, withdrawn and ended actions are not active"


def test_the_back_office_filter_and_the_api_filter_ask_the_same_rule(client, kinds):
    client.force_login(f.UserFactory(roles=[Role.SECRETARIAT]))
    listed = client.get(reverse("admin:actions_action_changelist"), {"year": "2022"}).context["cl"].result_list
    expected = set(Action.objects.active_in(2022).values_list("pk", flat=True))
    assert {action.pk for action in listed} == expected
    api = client.get("/api/actions/", {"active_on": "2022-06-30", "page_size": 100}).json()["results"]
    assert {row["id"] for row in api} == set(Action.objects.active_on(D(2022, 6, 30)).values_list("pk", flat=True))


def test_the_export_of_a_cycle_holds_the_actions_active_in_its_years(kinds):
    f.CycleFactory(first_year=2022, last_year=2022)
    exported = set(exportable_actions(cycle="2022").values_list("pk", flat=True))
    assert exported == set(Action.objects.active_in(2022).values_list("pk", flat=True))


def test_the_support_and_response_mappings_count_the_active_actions_of_the_mission_only(albania):
    cycle = f.CycleFactory(first_year=2021, last_year=2022, status=CycleStatus.ADOPTED)
    need = f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.ADOPTED)
    ours = f.ActionFactory(title="Border police training")
    ours.partners.add(albania)
    regional = f.ActionFactory(title="Regional programme")
    Recipient.objects.create(action=regional, kind=Recipient.Kind.REGION, code="88", vocabulary="1")
    elsewhere = f.ActionFactory(title="Imported for another country")
    Recipient.objects.create(action=elsewhere, kind=Recipient.Kind.COUNTRY, code="KE")
    undated = f.ActionFactory(title="Undated", planned_start=None, planned_end=None)
    undated.partners.add(albania)
    for action in (ours, regional, elsewhere, undated):
        f.ResponseFactory(
            action=action,
            need=need,
            status=ResponseStatus.CONFIRMED,
            confirmed_at=datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC),
        )
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])

    assert set(Action.objects.in_mission().values_list("title", flat=True)) == {
        "Border police training",
        "Regional programme",
        "Undated",
    }
    [coverage] = selectors.support_mapping(secretariat, selectors.Scope(cycle=cycle, year=2022)).needs
    assert sorted(line.title for line in coverage.responses) == [
        "Border police training",
        "Regional programme",
        "Undated",
    ]
    assert sorted(line.title for line in coverage.active_responses) == ["Border police training", "Regional programme"]
    titles = [row.title for row in selectors.response_mapping(secretariat, 2022).actions]
    assert titles == ["Border police training", "Regional programme"]
