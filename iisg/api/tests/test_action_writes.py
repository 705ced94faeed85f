"""An action is written through the API with its rows, and its money gets its EUR figure, as in the
back office: the same services (iisg.actions.services) write both."""

from datetime import date
from decimal import Decimal

import pytest

from iisg.actions.choices import OrganisationRole, TransactionType
from iisg.actions.models import Action, ActionOrganisation, Transaction
from iisg.actions.money import Rates, load_rates

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(db):
    load_rates()  # the real monthly rates of ../shared/data/fx/
    return Rates.from_database()


def new_action(world, **extra):
    return {
        "title": "Mobile surveillance units for the green border",
        "partners": [world["albania"].pk],
        "pillars": [world["pillar"].pk],
        "planned_start": "2022-01-01",
        "planned_end": "2023-12-31",
        "default_currency": "USD",
        **extra,
    }


def test_a_donor_posts_an_action_with_its_transactions_and_each_gets_its_eur_figure(world, as_role, rates):
    body = new_action(
        world,
        transactions=[
            {"transaction_type": TransactionType.OUTGOING_COMMITMENT, "date": "2022-03-15", "value": "500000.00"},
            {
                "transaction_type": TransactionType.DISBURSEMENT,
                "date": "2022-06-01",
                "value": "120000.00",
                "currency": "GBP",
                "value_date": "2022-05-20",
            },
        ],
        budgets=[{"period_start": "2022-01-01", "period_end": "2022-12-31", "value": "250000.00"}],
        sectors=[{"vocabulary": "1", "code": "15210", "percentage": "100"}],
    )
    response = as_role("donor").post("/api/actions/", body, format="json")

    assert response.status_code == 201, response.content
    action = Action.objects.get(pk=response.json()["id"])
    commitment, disbursement = action.transactions.order_by("date")
    usd = rates.to_eur(Decimal("500000.00"), "USD", date(2022, 3, 15))
    gbp = rates.to_eur(Decimal("120000.00"), "GBP", date(2022, 5, 20))
    assert (commitment.currency, commitment.value_eur, commitment.eur_rate, commitment.rate_month) == (
        "USD",
        usd.value_eur,
        usd.rate,
        date(2022, 3, 1),
    ), "no currency given: the action's default currency, converted at the transaction's month"
    assert (disbursement.value_eur, disbursement.rate_month) == (gbp.value_eur, date(2022, 5, 1))
    assert action.budgets.get().value_eur is not None
    assert list(action.sectors.values_list("code", flat=True)) == ["15210"]
    assert ActionOrganisation.objects.filter(
        action=action, organisation=world["austria"], role=OrganisationRole.FUNDING
    ).exists(), "the donor's organisation takes part in what it creates"
    answered = response.json()["transactions"]
    assert [row["value_eur"] for row in answered] == [str(usd.value_eur), str(gbp.value_eur)]
    assert commitment.history.first().history_user == world["users"]["donor"]


def test_a_change_replaces_the_listed_rows_keeps_those_named_by_id_and_is_one_new_version(world, as_role, rates):
    client = as_role("donor")
    created = client.post(
        "/api/actions/",
        new_action(
            world,
            transactions=[
                {"transaction_type": 2, "date": "2022-03-15", "value": "1000.00"},
                {"transaction_type": 3, "date": "2022-04-15", "value": "400.00"},
            ],
        ),
        format="json",
    ).json()
    kept, dropped = created["transactions"]
    response = client.patch(
        f"/api/actions/{created['id']}/",
        {
            "version": created["version"],
            "transactions": [
                {"id": kept["id"], "transaction_type": 2, "date": "2022-03-15", "value": "2000.00"},
                {"transaction_type": 3, "date": "2022-09-01", "value": "700.00", "currency": "EUR"},
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["version"] == created["version"] + 1
    rows = {row.pk: row for row in Transaction.objects.filter(action_id=created["id"])}
    assert kept["id"] in rows
    assert dropped["id"] not in rows
    assert rows[kept["id"]].value == Decimal("2000.00")
    assert rows[kept["id"]].value_eur == rates.to_eur(Decimal("2000.00"), "USD", date(2022, 3, 15)).value_eur
    added = next(row for pk, row in rows.items() if pk != kept["id"])
    assert (added.currency, added.value_eur) == ("EUR", Decimal("700.00"))


def test_a_change_from_an_older_version_is_refused_and_writes_no_row(world, as_role, rates):
    client = as_role("donor")
    created = client.post("/api/actions/", new_action(world), format="json").json()
    client.patch(f"/api/actions/{created['id']}/", {"version": created["version"], "title": "Renamed"}, format="json")

    stale = client.patch(
        f"/api/actions/{created['id']}/",
        {"version": created["version"], "transactions": [{"transaction_type": 2, "date": "2022-01-01", "value": "9"}]},
        format="json",
    )
    assert stale.status_code == 409
    assert "(title)" in stale.json()["detail"], "says what the other person changed"
    assert not Transaction.objects.filter(action_id=created["id"]).exists()


def test_unknown_fields_are_refused_by_name_at_the_top_and_in_a_row(world, as_role):
    client = as_role("donor")
    response = client.post("/api/actions/", new_action(world, funding="lots"), format="json")
    assert response.status_code == 400
    assert "funding" in response.json()
    response = client.post(
        "/api/actions/",
        new_action(world, transactions=[{"transaction_type": 2, "date": "2022-01-01", "value": "1", "amount": "1"}]),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["transactions"] == {"0": {"amount": ["Unknown field: this endpoint does not take it."]}}
    assert not Action.objects.filter(title=new_action(world)["title"]).exists()


def test_a_row_the_model_refuses_is_named_and_nothing_is_written(world, as_role):
    response = as_role("donor").post(
        "/api/actions/",
        new_action(world, budgets=[{"period_start": "2022-12-31", "period_end": "2022-01-01", "value": "5"}]),
        format="json",
    )
    assert response.status_code == 400
    assert any(key.startswith("budgets[0]") for key in response.json()), response.json()
    assert not Action.objects.filter(title=new_action(world)["title"]).exists()


def test_a_form_body_which_would_flatten_the_rows_away_is_refused(world, as_role):
    response = as_role("donor").post("/api/actions/", {"title": "Radios"}, format="multipart")
    assert response.status_code == 415
    assert not Action.objects.filter(title="Radios").exists()


def test_a_control_character_in_a_title_is_refused_naming_the_field(world, as_role):
    response = as_role("donor").post("/api/actions/", new_action(world, title="Radios\x1b[31m"), format="json")
    assert response.status_code == 400
    assert "U+001B" in response.json()["title"][0]
    assert not Action.objects.filter(title__startswith="Radios").exists()


def test_a_donor_cannot_write_rows_of_an_action_its_organisation_does_not_take_part_in(world, as_role):
    other = world["actions"]["other"]
    response = as_role("donor").patch(
        f"/api/actions/{other.pk}/",
        {"version": other.version, "transactions": [{"transaction_type": 2, "date": "2022-01-01", "value": "1"}]},
        format="json",
    )
    assert response.status_code == 403
    assert not other.transactions.exists()


def test_a_list_naming_a_row_by_its_key_without_its_id_changes_that_row(world, as_role):
    client = as_role("donor")
    created = client.post(
        "/api/actions/", new_action(world, sectors=[{"code": "15210", "percentage": "60"}]), format="json"
    ).json()
    [sector] = created["sectors"]
    response = client.patch(
        f"/api/actions/{created['id']}/",
        {"version": created["version"], "sectors": [{"code": "15210", "percentage": "100"}, {"code": "15130"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [(row["code"], row["percentage"]) for row in response.json()["sectors"]] == [
        ("15130", None),
        ("15210", "100.00"),
    ]
    assert Action.objects.get(pk=created["id"]).sectors.get(code="15210").history.count() == 2, "changed, not new"
    assert sector["code"] == "15210"
