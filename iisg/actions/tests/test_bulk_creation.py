"""Many new actions at once (create_actions, the actions workbook's writer) leave the rows and the
history that create_action leaves for each of them, and refuse the same rows for the same reasons."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from iisg.actions import services, workbook
from iisg.actions.choices import ActionSource, OrganisationRole
from iisg.actions.models import Action
from iisg.actions.tests.test_workbook import edit
from iisg.actions.workbook.upload import UPLOAD_REASON
from iisg.core.choices import Role
from iisg.core.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    from iisg.actions.money import load_rates

    load_rates()  # the real monthly rates of ../shared/data/fx/
    ada = f.OrganisationFactory(name="Austrian Development Agency", acronym="ADA")
    donor = f.user_with(Role.DONOR, organisation=ada)
    return {
        "donor": donor,
        "ada": ada,
        "serbia": f.PartnerFactory(code="RS", name="Serbia"),
        "montenegro": f.PartnerFactory(code="ME", name="Montenegro"),
        "wbbsi": f.PillarFactory(code="wbbsi", acronym="WBBSi"),
        "wbcti": f.PillarFactory(code="wbcti", acronym="WBCTi"),
        "cycle": f.CycleFactory(),
    }


def new_actions(world):
    """Three actions as a workbook gives them: partners and pillars or none, money in two currencies,
    with and without an IATI identifier."""
    return [
        {
            "title": "Border scanners",
            "iati_identifier": "AT-1-001",
            "description": "Scanners for  the crossings. ",
            "planned_start": datetime.date(2025, 1, 1),
            "planned_end": datetime.date(2026, 12, 31),
            "default_currency": "USD",
            "partners": [world["serbia"], world["montenegro"]],
            "pillars": [world["wbbsi"]],
            "budgets": [
                {
                    "period_start": datetime.date(2025, 1, 1),
                    "period_end": datetime.date(2025, 12, 31),
                    "value": Decimal("100000"),
                },
                {
                    "period_start": datetime.date(2026, 1, 1),
                    "period_end": datetime.date(2026, 12, 31),
                    "value": Decimal("50000"),
                    "currency": "EUR",
                },
            ],
            "transactions": [
                {
                    "transaction_type": 2,
                    "date": datetime.date(2025, 3, 15),
                    "value": Decimal("25000"),
                    "provider": world["ada"],
                },
            ],
        },
        {"title": "Cyber lab", "partners": [world["serbia"]], "pillars": []},
        {"title": "Training of trainers", "pillars": [world["wbcti"], world["wbbsi"]]},
    ]


def written():
    """Every row the actions and their rows hold and every history row they left, by what they say
    rather than by their keys (which differ between two runs on PostgreSQL)."""

    def history(obj, *extra):
        return [
            (h.history_type, h.history_change_reason, h.history_user_id, *(e(h) for e in extra))
            for h in obj.history.order_by("history_id")
        ]

    def partners_then(h):
        return sorted(p.partner.code for p in h.partners.all())

    def pillars_then(h):
        return sorted(p.pillar.code for p in h.pillars.all())

    def money(row, *names):
        return (*(getattr(row, name) for name in names), row.value, row.currency, row.value_eur, row.eur_rate,
                row.rate_month, history(row))  # fmt: skip

    actions = {}
    for action in Action.objects.order_by("title"):
        identifier = action.iati_identifier
        if identifier and identifier.endswith(f"-{action.pk}"):
            identifier = identifier.removesuffix(str(action.pk)) + "<id>"
        actions[action.title] = {
            "fields": (
                action.description,
                action.status,
                action.planned_start,
                action.planned_end,
                action.default_currency,
                action.source,
                action.version,
                identifier,
            ),
            "partners": sorted(action.partners.values_list("code", flat=True)),
            "pillars": sorted(action.pillars.values_list("code", flat=True)),
            "history": history(action, partners_then, pillars_then),
            "budgets": [money(b, "period_start", "period_end") for b in action.budgets.order_by("period_start")],
            "transactions": [money(t, "transaction_type", "date", "provider_id") for t in action.transactions.all()],
            "participations": [
                (p.organisation_id, p.role, history(p)) for p in action.participations.order_by("organisation_id")
            ],
        }
    return actions


def both_ways(write_in_bulk, write_one_by_one):
    """What each way writes from the same database, each rolled back after."""
    seen = []
    for write in (write_in_bulk, write_one_by_one):
        with transaction.atomic():
            write()
            seen.append(written())
            transaction.set_rollback(True)
    return seen


def test_create_actions_writes_the_rows_and_history_create_action_writes_when_given_the_same_actions(world):
    donor = world["donor"]
    in_bulk, one_by_one = both_ways(
        lambda: services.create_actions(user=donor, actions=new_actions(world), comment="Excel workbook upload"),
        lambda: [
            services.create_action(user=donor, **action, comment="Excel workbook upload")
            for action in new_actions(world)
        ],
    )
    assert in_bulk == one_by_one
    scanners = in_bulk["Border scanners"]
    assert scanners["history"][0][:3] == ("+", "Excel workbook upload", donor.pk)
    assert [entry[0] for entry in scanners["history"]] == ["+", "~", "~"], "created, then partners, then pillars"
    assert scanners["participations"] == [
        (world["ada"].pk, OrganisationRole.FUNDING, [("+", "Takes part as the creator's organisation", donor.pk)])
    ]
    assert scanners["budgets"][0][4] is not None, "the USD budget has its EUR figure"
    assert in_bulk["Cyber lab"]["fields"][-1] == "XI-IATI-IISGDEMO-<id>", "the platform's identifier"


def test_a_workbook_of_new_actions_is_written_as_create_action_writes_each_of_its_rows_when_applied(world):
    donor, cycle = world["donor"], world["cycle"]
    data = edit(
        workbook.build_workbook(user=donor, cycle=cycle),
        append=[
            {"Title": "Border scanners", "IATI identifier": "AT-1-001", "Beneficiary partners": "Serbia, ME",
             "Pillars": "WBBSi", "Planned start": datetime.date(2025, 1, 1), "Planned end": datetime.date(2026, 12, 31),
             "Default currency": "USD"},
            {"Title": "Cyber lab", "Beneficiary partners": "RS"},
        ],
    )  # fmt: skip
    data = edit(
        data,
        "Budgets",
        append=[{"Action": "AT-1-001", "Period start": "2025-01-01", "Period end": "2025-12-31", "Value": 100000}],
    )

    def one_by_one():
        services.create_action(
            user=donor, title="Border scanners", iati_identifier="AT-1-001", description="",
            partners=[world["serbia"], world["montenegro"]], pillars=[world["wbbsi"]],
            planned_start=datetime.date(2025, 1, 1), planned_end=datetime.date(2026, 12, 31), default_currency="USD",
            source=ActionSource.EXCEL, comment=UPLOAD_REASON,
            budgets=[{"budget_type": 1, "status": 2, "period_start": datetime.date(2025, 1, 1),
                      "period_end": datetime.date(2025, 12, 31), "value": 100000, "currency": "USD",
                      "value_date": None}],
        )  # fmt: skip
        services.create_action(
            user=donor, title="Cyber lab", description="", partners=[world["serbia"]], pillars=[],
            source=ActionSource.EXCEL, comment=UPLOAD_REASON,
        )  # fmt: skip

    def in_bulk():
        outcome = workbook.upload_workbook(user=donor, cycle=cycle, data=data)
        assert (outcome.ok, outcome.added) == (True, 2), outcome.problems

    from_workbook, from_services = both_ways(in_bulk, one_by_one)
    assert from_workbook == from_services
    assert len(from_workbook["Border scanners"]["budgets"]) == 1


def test_create_actions_refuses_the_first_action_create_action_refuses_and_writes_nothing_when_a_row_breaks_a_rule(
    world,
):
    actions = new_actions(world)
    actions[2]["budgets"] = [
        {"period_start": datetime.date(2026, 1, 1), "period_end": datetime.date(2025, 1, 1), "value": 5}
    ]
    actions[1]["planned_start"], actions[1]["planned_end"] = datetime.date(2026, 1, 1), datetime.date(2025, 1, 1)
    with pytest.raises(ValidationError) as alone:
        services.create_action(user=world["donor"], **actions[1])
    before = Action.history.count()
    with pytest.raises(services.RowRefused) as refusal:
        services.create_actions(user=world["donor"], actions=actions)
    assert refusal.value.index == 1
    assert refusal.value.error.message_dict == alone.value.message_dict
    assert "The planned end cannot be before the planned start." in str(refusal.value.error)
    assert (Action.objects.count(), Action.history.count()) == (0, before)


def test_create_actions_names_the_budget_the_table_refuses_as_create_action_does_when_its_period_ends_first(world):
    actions = new_actions(world)
    actions[2]["budgets"] = [
        {"period_start": datetime.date(2026, 1, 1), "period_end": datetime.date(2025, 1, 1), "value": 5}
    ]
    with transaction.atomic():
        with pytest.raises(ValidationError) as alone:
            services.create_action(user=world["donor"], **actions[2])
        transaction.set_rollback(True)
    with pytest.raises(services.RowRefused) as refusal:
        services.create_actions(user=world["donor"], actions=actions)
    assert refusal.value.index == 2
    assert refusal.value.error.message_dict == alone.value.message_dict
    assert not Action.objects.exists()


def test_create_actions_refuses_the_later_of_two_actions_with_one_iati_identifier(world):
    actions = new_actions(world)
    actions[2]["iati_identifier"] = "AT-1-001"
    with pytest.raises(services.RowRefused) as refusal:
        services.create_actions(user=world["donor"], actions=actions)
    assert refusal.value.index == 2
    assert refusal.value.error.message_dict == {"iati_identifier": ["Another action already has this IATI identifier."]}
    assert not Action.objects.exists()


def test_create_actions_refuses_a_user_who_may_not_create_actions_with_create_actions_reason(world):
    member = f.UserFactory(roles=[Role.MEMBER])
    with pytest.raises(services.RowRefused) as refusal:
        services.create_actions(user=member, actions=new_actions(world))
    assert refusal.value.index == 0
    assert str(refusal.value.error) == "Only donors, implementers and the Secretariat create actions."


def test_full_clean_many_refuses_each_row_full_clean_refuses_when_rows_share_the_values_a_rule_reads(world):
    from iisg.actions.models import Budget
    from iisg.core.bulk import full_clean_many

    def budgets():
        ends = [datetime.date(2025, 12, 31), datetime.date(2024, 1, 1)] * 3
        return [
            Budget(period_start=datetime.date(2025, 1, 1), period_end=end, value=5, currency=currency)
            for end, currency in zip(ends, ["EUR", "EUR", "usd", "EUR", "EUR", "EURO"], strict=True)
        ]

    alone = {}
    for index, budget in enumerate(budgets()):
        try:
            budget.full_clean(exclude=["action"])
        except ValidationError as error:
            alone[index] = error.message_dict
    refused = full_clean_many(budgets(), exclude=["action"])
    assert {index: error.message_dict for index, error in refused.items()} == alone
    assert sorted(alone) == [1, 2, 3, 5]
