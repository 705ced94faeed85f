"""The same change of an action made through each door — the back office, the API and the actions
workbook — leaves the same rows (the EUR figure, the new version, the history's author, the cleaned
text), and the same stale or forbidden change is refused at every door. The twin of the
figure-agreement tests: all doors write through iisg.actions.services."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from iisg.actions import services, workbook
from iisg.actions.choices import ActivityStatus, OrganisationRole, TransactionType
from iisg.actions.models import Action, Transaction
from iisg.actions.money import Rates, load_rates
from iisg.api.tests.factories import token_client
from iisg.core import workbook as wb
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import form_data

pytestmark = pytest.mark.django_db
DOORS = ["back office", "API", "workbook"]
TITLE_AS_TYPED = "  Cafe\u0301 for border police  "  # a decomposed accent, spaces around
TITLE_AS_STORED = "Café for border police"


@pytest.fixture
def world(db):
    load_rates()
    serbia = f.PartnerFactory(code="RS")
    austria = f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")
    sweden = f.OrganisationFactory(name="Sweden – SIDA", acronym="SIDA")
    donor = f.UserFactory(roles=[Role.DONOR], username="donor")
    f.PersonFactory(user=donor, organisation=austria)
    own = f.ActionFactory(title="Border scanners", default_currency="USD")
    own.partners.add(serbia)
    f.ActionOrganisationFactory(action=own, organisation=austria, role=OrganisationRole.FUNDING)
    other = f.ActionFactory(title="Police training")
    f.ActionOrganisationFactory(action=other, organisation=sweden, role=OrganisationRole.FUNDING)
    return {"donor": donor, "own": own, "other": other, "cycle": f.CycleFactory(), "rates": Rates.from_database()}


# The doors, each making "add a 500,000 commitment on 15 March 2022, and retitle the action".


def through_back_office(world, action, *, title, version=None):
    client = world.setdefault("browser", _signed_in(world["donor"]))
    url = reverse("admin:actions_action_change", args=[action.pk])
    data = form_data(client.get(url))
    prefix = "transactions"
    number = int(data[f"{prefix}-TOTAL_FORMS"])
    data |= {
        "title": title,
        f"{prefix}-TOTAL_FORMS": str(number + 1),
        f"{prefix}-{number}-transaction_type": str(TransactionType.OUTGOING_COMMITMENT),
        f"{prefix}-{number}-date": "2022-03-15",
        f"{prefix}-{number}-value": "500000",
        f"{prefix}-{number}-currency": "",
        f"{prefix}-{number}-action": str(action.pk),
    }
    if version is not None:
        data["version"] = str(version)
    response = client.post(url, data)
    if response.status_code == 302:
        return None
    if response.status_code == 200:
        form = response.context["adminform"].form
        return " ".join(form.non_field_errors()) or str(form.errors)
    return f"HTTP {response.status_code}"


def through_api(world, action, *, title, version=None):
    client = token_client(world["donor"])
    response = client.patch(
        f"/api/actions/{action.pk}/",
        {
            "version": version or action.version,
            "title": title,
            "transactions": [
                *(
                    {"id": t.pk, "transaction_type": t.transaction_type, "date": str(t.date), "value": str(t.value)}
                    for t in action.transactions.all()
                ),
                {"transaction_type": TransactionType.OUTGOING_COMMITMENT, "date": "2022-03-15", "value": "500000"},
            ],
        },
        format="json",
    )
    return None if response.status_code == 200 else f"HTTP {response.status_code} {response.content.decode()}"


def through_workbook(world, action, *, title, version=None, data=None):
    data = data or workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    book = load_workbook(io.BytesIO(data))
    actions = book["Actions"]
    headers = [cell.value for cell in actions[1]]
    for row in actions.iter_rows(min_row=2):
        if row[headers.index("Platform id")].value == action.pk:
            row[headers.index("Title")].value = title
            if version is not None:
                row[headers.index("Version")].value = version
    transactions = book["Transactions"]
    columns = [cell.value for cell in transactions[1]]
    new = {"Action": action.pk, "Type": "Outgoing commitment", "Date": datetime.date(2022, 3, 15), "Value": 500000}
    transactions.append([new.get(column) for column in columns])
    outcome = workbook.upload_workbook(user=world["donor"], cycle=world["cycle"], data=wb.to_bytes(book))
    return None if outcome.ok else "; ".join(problem.reason for problem in outcome.problems)


THROUGH = {"back office": through_back_office, "API": through_api, "workbook": through_workbook}


def _signed_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def written(action):
    """What a change left: the action's title and version, and its new transaction as stored."""
    action.refresh_from_db()
    transaction = action.transactions.get(date=datetime.date(2022, 3, 15))
    return {
        "title": action.title,
        "version": action.version,
        "money": (transaction.value, transaction.currency, transaction.value_eur, transaction.eur_rate),
        "rate_month": transaction.rate_month,
        "transaction author": transaction.history.first().history_user.username,
        "action author": action.history.first().history_user.username,
    }


@pytest.mark.parametrize("door", DOORS)
def test_every_door_leaves_the_same_rows(world, door):
    error = THROUGH[door](world, world["own"], title=TITLE_AS_TYPED)
    assert error is None, error
    usd = world["rates"].to_eur(Decimal(500000), "USD", datetime.date(2022, 3, 15))
    assert written(world["own"]) == {
        "title": TITLE_AS_STORED,
        "version": 2,
        "money": (Decimal("500000.00"), "USD", usd.value_eur, usd.rate),
        "rate_month": datetime.date(2022, 3, 1),
        "transaction author": "donor",
        "action author": "donor",
    }
    assert world["own"].history.first().history_change_reason, "every change says why"


@pytest.mark.parametrize("door", DOORS)
def test_every_door_refuses_a_change_made_from_an_older_version(world, door):
    downloaded = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
    services.update_action(user=world["donor"], action=world["own"], version=1, changes={"status": 3})
    before = Transaction.objects.count()

    if door == "workbook":
        error = through_workbook(world, world["own"], title="Stale", data=downloaded)
    else:
        error = THROUGH[door](world, world["own"], title="Stale", version=1)

    assert error is not None
    assert "was changed by" in error, error
    assert "(status)" in error, "says what was changed"
    world["own"].refresh_from_db()
    assert (world["own"].title, world["own"].status) == ("Border scanners", ActivityStatus.FINALISATION)
    assert Transaction.objects.count() == before


@pytest.mark.parametrize("door", DOORS)
def test_every_door_refuses_a_donor_writing_another_donors_action(world, door):
    other = world["other"]
    before = (Transaction.objects.count(), Action.history.count())
    if door == "workbook":
        data = workbook.build_workbook(user=world["donor"], cycle=world["cycle"])
        book = load_workbook(io.BytesIO(data))
        actions = book["Actions"]
        headers = [cell.value for cell in actions[1]]
        row = {"Platform id": other.pk, "Title": "Taken over", "Version": other.version}
        actions.append([row.get(header) for header in headers])
        outcome = workbook.upload_workbook(user=world["donor"], cycle=world["cycle"], data=wb.to_bytes(book))
        error = None if outcome.ok else outcome.problems[0].reason
    elif door == "back office":
        client = _signed_in(world["donor"])
        response = client.post(reverse("admin:actions_action_change", args=[other.pk]), {"title": "Taken over"})
        error = None if response.status_code == 302 else f"HTTP {response.status_code}"
    else:
        error = through_api(world, other, title="Taken over")
    assert error is not None
    assert (Transaction.objects.count(), Action.history.count()) == before
    other.refresh_from_db()
    assert other.title == "Police training"


@pytest.mark.parametrize("door", DOORS)
def test_money_entered_at_every_door_shows_in_euros_on_the_dashboard_and_in_the_report(world, door, client):
    """The €0 the Board saw: a USD commitment typed in counted nothing, having no EUR figure."""
    from iisg.actions.choices import ResponseStatus
    from iisg.analysis.selectors import Scope, support_mapping
    from iisg.needs.choices import CycleStatus, NeedStatus
    from iisg.reports.content import build

    cycle = f.CycleFactory(first_year=2021, last_year=2022, status=CycleStatus.ADOPTED)
    need = f.NeedFactory(cycle=cycle, partner=world["own"].partners.get(), status=NeedStatus.ADOPTED)
    f.ResponseFactory(
        action=world["own"],
        need=need,
        status=ResponseStatus.CONFIRMED,
        confirmed_at=datetime.datetime(2022, 1, 5, tzinfo=datetime.UTC),
    )
    assert THROUGH[door](world, world["own"], title="Border scanners") is None
    usd = world["rates"].to_eur(Decimal(500000), "USD", datetime.date(2022, 3, 15)).value_eur

    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    mapping = support_mapping(secretariat, Scope(cycle=cycle, year=2022))
    assert (mapping.needs[0].committed, mapping.transactions_without_eur) == (usd, 0)
    client.force_login(secretariat)
    assert client.get("/api/coverage/", {"cycle": cycle.pk, "year": 2022}).json()["total"]["committed"] == str(usd)
    report = build("analysis", user=secretariat, cycle=cycle, year=2022)
    assert usd in _numbers(report), "the analysis report's tables carry the same EUR figure"


def _numbers(document):
    return [value for table in (t for _s, t in document.tables()) for row in table.rows for value in row]


# Funders: a donor names only its own organisation; the Secretariat anyone.


def name_funder_through_back_office(world, action, organisation):
    client = _signed_in(world["donor"])
    url = reverse("admin:actions_action_change", args=[action.pk])
    data = form_data(client.get(url))
    prefix = "participations"
    number = int(data[f"{prefix}-TOTAL_FORMS"])
    data |= {
        f"{prefix}-TOTAL_FORMS": str(number + 1),
        f"{prefix}-{number}-organisation": str(organisation.pk),
        f"{prefix}-{number}-role": str(OrganisationRole.FUNDING),
        f"{prefix}-{number}-action": str(action.pk),
    }
    response = client.post(url, data)
    return None if response.status_code == 302 else f"HTTP {response.status_code} {response.content.decode()}"


def name_funder_through_row_page(world, action, organisation):
    client = _signed_in(world["donor"])
    response = client.post(
        reverse("admin:actions_actionorganisation_add"),
        {"action": action.pk, "organisation": organisation.pk, "role": OrganisationRole.FUNDING},
    )
    return None if response.status_code == 302 else f"HTTP {response.status_code} {response.content.decode()}"


def name_funder_through_api(world, action, organisation):
    client = token_client(world["donor"])
    rows = [{"id": p.pk, "organisation": p.organisation_id, "role": p.role} for p in action.participations.all()]
    response = client.patch(
        f"/api/actions/{action.pk}/",
        {"version": action.version, "participations": [*rows, {"organisation": organisation.pk, "role": "1"}]},
        format="json",
    )
    return None if response.status_code == 200 else f"HTTP {response.status_code} {response.content.decode()}"


NAME_FUNDER = {
    "back office": name_funder_through_back_office,
    "back office row": name_funder_through_row_page,
    "API": name_funder_through_api,
}


@pytest.mark.parametrize("door", list(NAME_FUNDER))
def test_every_door_refuses_a_donor_naming_another_organisation_as_funder(world, door):
    sweden = world["other"].participations.get().organisation
    error = NAME_FUNDER[door](world, world["own"], sweden)
    assert error is not None
    # The change form shows the refusal on the row, the other doors answer 403 with it.
    assert error.startswith("HTTP 200" if door == "back office" else "HTTP 403"), error
    assert "A donor names only its own organisation as a funder" in error
    assert not world["own"].participations.filter(organisation=sweden).exists()


def test_a_donor_creating_an_action_may_not_name_another_funder(world):
    sweden = world["other"].participations.get().organisation
    with pytest.raises(services.NotAllowed, match="“Sweden – SIDA” is not yours"):
        services.create_action(
            user=world["donor"],
            title="Border crossing cameras",
            participations=[{"organisation": sweden, "role": OrganisationRole.FUNDING}],
        )
    assert not Action.objects.filter(title="Border crossing cameras").exists()


def test_a_donor_keeps_a_funder_the_secretariat_named_when_it_edits_the_action(world):
    sweden = world["other"].participations.get().organisation
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    assert name_funder_through_api({"donor": secretariat}, world["own"], sweden) is None
    world["own"].refresh_from_db()
    client = token_client(world["donor"])
    rows = [{"id": p.pk, "organisation": p.organisation_id, "role": p.role} for p in world["own"].participations.all()]
    response = client.patch(
        f"/api/actions/{world['own'].pk}/",
        {"version": world["own"].version, "title": "Border scanners, phase 2", "participations": rows},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert set(world["own"].participations.values_list("organisation__acronym", flat=True)) == {"AT MoI", "SIDA"}


def test_an_implementer_names_the_donors_that_fund_its_action(world):
    giz = f.OrganisationFactory(name="Deutsche Gesellschaft für Internationale Zusammenarbeit", acronym="GIZ")
    implementer = f.user_with(Role.IMPLEMENTER, organisation=giz)
    sweden = world["other"].participations.get().organisation
    action = services.create_action(
        user=implementer,
        title="Prosecutors' exchange",
        participations=[{"organisation": sweden, "role": OrganisationRole.FUNDING}],
    )
    assert {(p.organisation.acronym, p.role) for p in action.participations.all()} == {
        ("SIDA", OrganisationRole.FUNDING),
        ("GIZ", OrganisationRole.IMPLEMENTING),
    }
