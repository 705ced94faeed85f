"""Actions, their money and their responses refuse bad data with a clear message."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Action, Budget, Response
from iisg.core.tests import factories as f
from iisg.core.tests.assertions import error_messages

pytestmark = pytest.mark.django_db


def test_an_iati_identifier_is_unique():
    f.ActionFactory(iati_identifier="XM-DAC-41122-SEE-2021-01")
    twin = Action(title="Copy", iati_identifier="XM-DAC-41122-SEE-2021-01")
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert error.value.message_dict["iati_identifier"] == ["Another action already has this IATI identifier."]
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_actions_without_iati_identifier_coexist():
    f.ActionFactory(iati_identifier=None)
    f.ActionFactory(iati_identifier=None)
    assert Action.objects.filter(iati_identifier__isnull=True).count() == 2


def test_an_action_cannot_end_before_it_starts():
    action = Action(title="Backwards", planned_start=datetime.date(2022, 1, 1), planned_end=datetime.date(2021, 1, 1))
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "The planned end cannot be before the planned start." in error_messages(error)
    with pytest.raises(IntegrityError), transaction.atomic():
        action.save()


def test_a_budget_period_cannot_end_before_it_starts_and_names_its_currency():
    action = f.ActionFactory()
    budget = Budget(
        action=action,
        period_start=datetime.date(2022, 1, 1),
        period_end=datetime.date(2021, 12, 31),
        value=Decimal("1000.00"),
        currency="eur",
        value_date=datetime.date(2022, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        budget.full_clean()
    assert "A budget period cannot end before it starts." in error_messages(error)
    assert error.value.message_dict["currency"] == ["Use an ISO 4217 currency code such as EUR."]
    with pytest.raises(IntegrityError), transaction.atomic():
        budget.save()


def test_money_keeps_its_decimals():
    budget = f.BudgetFactory(value=Decimal("1234567890123.45"), currency="GBP")
    budget.refresh_from_db()
    assert budget.value == Decimal("1234567890123.45")
    assert str(budget) == "1,234,567,890,123.45 GBP (2021-01–2021-12)"


def test_a_sector_share_lies_between_0_and_100():
    sector = f.ActionSectorFactory.build(action=f.ActionFactory(), percentage=Decimal("120"))
    with pytest.raises(ValidationError) as error:
        sector.full_clean()
    assert "percentage" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        sector.save()


def test_an_action_responds_to_a_need_once():
    response = f.ResponseFactory()
    twin = Response(action=response.action, need=response.need)
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert "This action is already linked to this need." in error_messages(error)


def test_a_confirmed_response_records_when():
    response = f.ResponseFactory()
    response.status = ResponseStatus.CONFIRMED
    with pytest.raises(ValidationError) as error:
        response.full_clean()
    assert "A confirmed response records when it was confirmed." in error_messages(error)
    with pytest.raises(IntegrityError), transaction.atomic():
        response.save()


def test_beneficiary_partners_and_pillars_are_in_the_action_history():
    action = f.ActionFactory()
    action.partners.add(f.PartnerFactory(code="ME"))
    assert action.history.count() == 2
    assert [p.partner.code for p in action.history.first().partners.all()] == ["ME"]
