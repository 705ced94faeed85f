import json
from datetime import date
from decimal import Decimal

import pytest

from iisg.actions.models import ExchangeRate
from iisg.actions.money import Rates, load_rates, rates_file

JAN, FEB, JUN = date(2020, 1, 1), date(2020, 2, 1), date(2020, 6, 1)


def rates(*rows):
    return Rates([(currency, month, Decimal(value)) for currency, month, value in rows])


def test_the_eur_rate_is_the_cross_rate_of_the_same_month():
    table = rates(("EUR", JAN, "0.8"), ("USD", JAN, "0.72"), ("EUR", FEB, "0.9"), ("USD", FEB, "0.45"))
    conversion = table.to_eur(Decimal("1000.00"), "USD", date(2020, 2, 17))
    assert conversion.rate == Decimal("0.5")
    assert conversion.month == FEB
    assert conversion.value_eur == Decimal("500.00")


def test_the_nearest_month_is_used_and_named_when_the_month_has_no_rate():
    table = rates(("EUR", JAN, "0.8"), ("USD", JAN, "0.72"), ("EUR", JUN, "0.8"), ("USD", JUN, "0.4"))
    assert table.rate("USD", date(2020, 3, 3)) == (Decimal("0.9"), JAN)
    assert table.rate("USD", date(2020, 5, 3)) == (Decimal("0.5"), JUN)
    assert table.rate("USD", date(2031, 1, 1)) == (Decimal("0.5"), JUN)


def test_negative_values_convert_as_returned_funds():
    table = rates(("EUR", JAN, "1"), ("GBP", JAN, "1.2"))
    assert table.to_eur(Decimal("-1000"), "GBP", JAN).value_eur == Decimal("-1200.00")


def test_without_a_currency_a_date_or_a_rate_the_eur_figure_stays_empty_never_zero():
    table = rates(("EUR", JAN, "0.8"), ("USD", JAN, "0.72"))
    assert table.to_eur(Decimal(5), "", JAN) is None
    assert table.to_eur(Decimal(5), "USD", None) is None
    assert table.to_eur(Decimal(5), "XOF", JAN) is None
    assert table.fields(Decimal(5), "XOF", JAN) == {"value_eur": None, "eur_rate": None, "rate_month": None}


def test_euro_converts_at_one():
    assert rates().to_eur(Decimal("12.34"), "EUR", date(1990, 5, 5)).value_eur == Decimal("12.34")


@pytest.mark.django_db
def test_the_shared_rates_load_once_and_a_second_load_changes_nothing():
    rows = json.loads(rates_file().read_text())
    assert load_rates() == {"created": len(rows), "updated": 0, "unchanged": 0}
    assert ExchangeRate.objects.count() == len(rows)
    assert load_rates() == {"created": 0, "updated": 0, "unchanged": len(rows)}
    january = {r["currency_id"]: Decimal(str(r["value"])) for r in rows if (r["year"], r["month"]) == (2020, 1)}
    conversion = Rates.from_database().to_eur(Decimal("100"), "USD", date(2020, 1, 31))
    assert conversion.rate == (january["USD"] / january["EUR"]).quantize(Decimal("0.0000000001"))
    assert conversion.value_eur == Decimal("90.08")


@pytest.mark.django_db
def test_money_saved_by_anyone_gets_its_eur_figure_at_its_value_date_else_its_own_date():
    from iisg.actions.models import Transaction
    from iisg.core.tests import factories as f

    load_rates()
    table = Rates.from_database()
    transaction = f.TransactionFactory(value=Decimal("1000.00"), currency="USD", value_date=None, date=date(2021, 7, 9))
    assert transaction.value_eur == table.to_eur(Decimal("1000.00"), "USD", date(2021, 7, 9)).value_eur
    assert transaction.rate_month == date(2021, 7, 1)

    transaction.value_date = date(2020, 1, 15)
    transaction.save(update_fields=["value_date"])
    stored = Transaction.objects.get(pk=transaction.pk)
    assert (stored.value_eur, stored.rate_month) == (
        table.to_eur(Decimal("1000.00"), "USD", date(2020, 1, 15)).value_eur,
        date(2020, 1, 1),
    ), "a save of some fields still writes the EUR figure it changed"


@pytest.mark.django_db
def test_rates_loaded_later_fill_the_missing_eur_figures_and_the_history_says_so():
    from iisg.actions.models import Transaction
    from iisg.actions.money import fill_missing_eur
    from iisg.core.tests import factories as f

    waiting = f.TransactionFactory(value=Decimal("50.00"), currency="GBP", date=date(2021, 3, 3))
    assert waiting.value_eur is None, "no rate yet: no EUR figure, never 0"
    unknown = f.TransactionFactory(value=Decimal("5.00"), currency="XOF", date=date(2021, 3, 3))

    load_rates()
    assert fill_missing_eur()["transactions"] == 1
    waiting.refresh_from_db()
    assert waiting.value_eur == Rates.from_database().to_eur(Decimal("50.00"), "GBP", date(2021, 3, 3)).value_eur
    assert waiting.history.first().history_change_reason == "EUR figure from the loaded exchange rates"
    assert Transaction.objects.get(pk=unknown.pk).value_eur is None
    assert fill_missing_eur()["transactions"] == 0, "a second run changes nothing"
