"""EUR figures for money in any currency, from the monthly average rates in ../shared/data/fx/.

The rates file gives, per month, the value of one unit of each currency in a common unit; the EUR
rate of a currency is its value divided by the value of the euro in the same month. A figure is
converted at the month of its value date, else the nearest month for which both rates are known,
and the rate and that month are stored beside the figure. Without a currency or a rate the EUR
figure stays empty: never 0.
"""

import bisect
import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.history import record_changed

from .models import Budget, ExchangeRate, PlannedDisbursement, Transaction

MONEY_MODELS = (Budget, PlannedDisbursement, Transaction)

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0000000001")


def rates_file():
    return Path(settings.SHARED_DATA_DIR) / "fx" / "currency_monthlyaverage.json"


@transaction.atomic
def load_rates(path=None):
    """Upsert the monthly rates of `path` (the shared rates file by default) into ExchangeRate.
    A second run changes nothing. Returns {"created": n, "updated": n, "unchanged": n}."""
    rows = json.loads(Path(path or rates_file()).read_text())
    existing = {(r.currency, r.month): r for r in ExchangeRate.objects.all()}
    created, updated, unchanged = [], [], 0
    for row in rows:
        key = (row["currency_id"], date(row["year"], row["month"], 1))
        value = Decimal(str(row["value"])).quantize(Decimal("0.000000000001"))
        rate = existing.get(key)
        if rate is None:
            created.append(ExchangeRate(currency=key[0], month=key[1], value=value))
        elif rate.value != value:
            rate.value = value
            updated.append(rate)
        else:
            unchanged += 1
    ExchangeRate.objects.bulk_create(created, batch_size=2000)
    ExchangeRate.objects.bulk_update(updated, ["value"], batch_size=2000)
    return {"created": len(created), "updated": len(updated), "unchanged": unchanged}


@dataclass(frozen=True)
class Conversion:
    value_eur: Decimal
    rate: Decimal  # EUR for one unit of the currency
    month: date  # the month whose rates were used


class Rates:
    """The EUR rates of every currency and month, held in memory for a run of conversions."""

    def __init__(self, rows):
        by_currency = {}
        for currency, month, value in rows:
            by_currency.setdefault(currency, {})[month] = value
        euro = by_currency.get("EUR", {})
        # For each currency, the months where both it and the euro are known, in order.
        self._months = {}
        self._rates = {}
        for currency, values in by_currency.items():
            months = sorted(m for m in values if euro.get(m))
            self._months[currency] = [m.toordinal() for m in months]
            self._rates[currency] = [
                (m, (values[m] / euro[m]).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)) for m in months
            ]

    @classmethod
    def from_database(cls):
        return cls(ExchangeRate.objects.values_list("currency", "month", "value").iterator(chunk_size=5000))

    @classmethod
    def for_currencies(cls, currencies):
        """The rates of `currencies` (and the euro's, which every cross rate needs) only: what a
        single row's conversion reads, a few hundred rows instead of the whole table."""
        wanted = {code for code in currencies if code} - {"EUR"}
        if not wanted:
            return cls([])
        rows = ExchangeRate.objects.filter(currency__in=[*wanted, "EUR"]).values_list("currency", "month", "value")
        return cls(rows)

    def rate(self, currency, on):
        """(rate, month) of `currency` in EUR at the month of `on`, else the nearest known month;
        None when the currency has no rate."""
        if currency == "EUR":
            return Decimal(1), date(on.year, on.month, 1)
        months = self._months.get(currency)
        if not months:
            return None
        target = date(on.year, on.month, 1).toordinal()
        i = bisect.bisect_left(months, target)
        if i == len(months) or (i > 0 and target - months[i - 1] <= months[i] - target):
            i -= 1
        return self._rates[currency][i][1], self._rates[currency][i][0]

    def to_eur(self, amount, currency, on):
        """The Conversion of `amount` in `currency` valued `on` (a date), or None when the currency
        or the date is unknown, or no rate exists."""
        if amount is None or not currency or on is None:
            return None
        found = self.rate(currency, on)
        if found is None:
            return None
        rate, month = found
        return Conversion((amount * rate).quantize(CENT, rounding=ROUND_HALF_EVEN), rate, month)

    def fields(self, amount, currency, on):
        """The EUR fields of a Money row (value_eur, eur_rate, rate_month), empty when not convertible."""
        conversion = self.to_eur(amount, currency, on)
        if conversion is None:
            return {"value_eur": None, "eur_rate": None, "rate_month": None}
        return {"value_eur": conversion.value_eur, "eur_rate": conversion.rate, "rate_month": conversion.month}


@transaction.atomic
def fill_missing_eur(rates=None):
    """Give a EUR figure to every budget, planned disbursement and transaction that has a currency
    but none yet (saved before a rate of its month was loaded), now that the rates allow it; each
    change is kept in the row's history. Returns {model verbose name plural: rows filled}."""
    rates = rates or Rates.from_database()
    filled = {}
    for model in MONEY_MODELS:
        rows = []
        for row in model.objects.filter(value_eur__isnull=True).exclude(currency="").iterator(chunk_size=2000):
            row.fill_eur(rates)
            if row.value_eur is not None:
                rows.append(row)
        record_changed(model, rows, model.EUR_FIELDS, user=None, reason=_("EUR figure from the loaded exchange rates"))
        filled[str(model._meta.verbose_name_plural)] = len(rows)
    return filled
