"""The child rows of an imported action (participants, sectors, recipients, money, links), checked
against what the tables hold before they are written."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iisg.actions.models import (
    Action,
    ActionOrganisation,
    ActionSector,
    Budget,
    DocumentLink,
    PlannedDisbursement,
    PolicyMarker,
    Recipient,
    RelatedActivity,
    Transaction,
)

from ..activity import Problem
from .columns import clip, is_currency

MAX_MONEY = Decimal("1e16")  # the money columns hold 18 digits, 2 after the point
# Named in warnings only; lazy, since translating costs more than checking a row (the parser's too).
_A_BUDGET = gettext_lazy("A budget")
_A_PLANNED_DISBURSEMENT = gettext_lazy("A planned disbursement")
_A_TRANSACTION = gettext_lazy("A transaction")
_CENT = Decimal("0.01")

# The children an update replaces, deleted before the activity's rows are written again.
CHILDREN = (
    ActionOrganisation,
    ActionSector,
    Budget,
    PlannedDisbursement,
    Transaction,
    Recipient,
    DocumentLink,
    PolicyMarker,
    RelatedActivity,
)
# Every kind of row an update replaces: the children and the beneficiary partners (the recipient
# countries that are partners). The rest of an action (its pillars, its responses) is the
# platform's own and is never touched by an import.
REPLACED = (*CHILDREN, Action.partners.through)


def clear(action_ids):
    """Delete the rows an update replaces (REPLACED) of the actions `action_ids`."""
    for model in REPLACED:
        model.objects.filter(action_id__in=action_ids).delete()


class ChildRows:
    """The child rows of one action, checked against what the tables hold before they are written:
    a row the database would refuse is left out with a warning, so one odd value never aborts the
    whole file."""

    def __init__(self, run, action, activity, rows):
        self.run, self.action, self.activity, self.rows = run, action, activity, rows

    def warn(self, reason, field_name):
        self.run.summary.problems.append(
            Problem("warning", reason, self.activity.identifier, self.activity.line, field_name)
        )

    def add(self, model, **values):
        self.rows[model].append({"action_id": self.action.pk, **values})

    def build(self):
        self.participations()
        self.sectors()
        self.recipients()
        self.budgets()
        self.planned_disbursements()
        self.transactions()
        self.links()

    def participations(self):
        seen = set()
        for org in self.activity.participating_orgs:
            if not org.role.isdigit() or int(org.role) not in (1, 2, 3, 4):
                self.warn(
                    _("A participating organisation without a known role was left out."), "participating-org/@role"
                )
                continue
            organisation_id = self.run.organisations.id_of(org)
            if organisation_id is None:
                self.warn(
                    _("A participating organisation with neither a reference nor a name was left out."),
                    "participating-org",
                )
                continue
            key = (organisation_id, int(org.role))
            if key not in seen:
                seen.add(key)
                self.add(ActionOrganisation, organisation_id=organisation_id, role=int(org.role))

    def sectors(self):
        seen = set()
        for sector in self.activity.sectors:
            key = (clip(sector.vocabulary, 10), clip(sector.code, 20))
            if key in seen:
                self.warn(
                    _("Sector %(code)s is listed twice; the first one was kept.") % {"code": sector.code}, "sector"
                )
                continue
            seen.add(key)
            self.add(ActionSector, vocabulary=key[0], code=key[1], percentage=_share(sector.percentage))

    def recipients(self):
        for recipient in self.activity.recipients:
            self.add(
                Recipient,
                kind=recipient.kind,
                code=clip(recipient.code, 10),
                vocabulary=clip(recipient.vocabulary, 10),
                percentage=_share(recipient.percentage),
            )

    def money(self, value, on, what):
        """The money fields of a value, or None (with a warning) when the table cannot hold it."""
        amount = value.amount.quantize(_CENT)
        if abs(amount) >= MAX_MONEY:
            self.warn(
                _("%(what)s of %(value)s is too large to store; left out.") % {"what": what, "value": value.raw},
                "value",
            )
            return None
        currency = value.currency if is_currency(value.currency) else ""
        if not currency:
            self.warn(_("%(what)s has no currency: its EUR figure stays empty.") % {"what": what}, "value/@currency")
        conversion = self.run.rates.to_eur(amount, currency, value.value_date or on)
        if currency and conversion is None:
            self.warn(
                _("No exchange rate for %(currency)s: the EUR figure stays empty.") % {"currency": currency},
                "value/@currency",
            )
        return {
            "value": amount,
            "value_raw": clip(value.raw, 50),
            "currency": currency,
            "value_date": value.value_date,
            "value_eur": conversion.value_eur if conversion and abs(conversion.value_eur) < MAX_MONEY else None,
            "eur_rate": conversion.rate if conversion else None,
            "rate_month": conversion.month if conversion else None,
        }

    def budgets(self):
        for budget in self.activity.budgets:
            if budget.period_end < budget.period_start:
                self.warn(_("A budget ending before it starts was left out."), "budget/period-end")
                continue
            money = self.money(budget.value, budget.period_start, _A_BUDGET)
            if money is None:
                continue
            self.add(
                Budget,
                budget_type=int(budget.type) if budget.type in ("1", "2") else 1,
                status=int(budget.status) if budget.status in ("1", "2") else 1,
                period_start=budget.period_start,
                period_end=budget.period_end,
                **money,
            )

    def planned_disbursements(self):
        for planned in self.activity.planned_disbursements:
            end = planned.period_end
            if end is not None and end < planned.period_start:
                self.warn(_("A planned disbursement ending before it starts keeps no end."), "planned-disbursement")
                end = None
            money = self.money(planned.value, planned.period_start, _A_PLANNED_DISBURSEMENT)
            if money is None:
                continue
            self.add(
                PlannedDisbursement,
                disbursement_type=int(planned.type) if planned.type in ("1", "2") else None,
                period_start=planned.period_start,
                period_end=end,
                provider_id=self.run.organisations.id_of(planned.provider),
                receiver_id=self.run.organisations.id_of(planned.receiver),
                **money,
            )

    def transactions(self):
        for item in self.activity.transactions:
            if not item.type.isdigit() or not 1 <= int(item.type) <= 13:
                self.warn(
                    _("A transaction of unknown type %(type)s was left out.") % {"type": item.type}, "transaction"
                )
                continue
            money = self.money(item.value, item.date, _A_TRANSACTION)
            if money is None:
                continue
            self.add(
                Transaction,
                transaction_type=int(item.type),
                date=item.date,
                reference=clip(item.reference, 200),
                description=clip(item.description, 500),
                provider_id=self.run.organisations.id_of(item.provider),
                provider_activity=clip(item.provider.activity_id if item.provider else "", 200),
                receiver_id=self.run.organisations.id_of(item.receiver),
                receiver_activity=clip(item.receiver.activity_id if item.receiver else "", 200),
                humanitarian=item.humanitarian,
                sector_vocabulary=clip(item.sector.vocabulary if item.sector else "", 10),
                sector_code=clip(item.sector.code if item.sector else "", 20),
                recipient_country=clip(item.recipient_country, 2),
                recipient_region=clip(item.recipient_region, 10),
                **money,
            )

    def links(self):
        for link in self.activity.document_links:
            if len(link.url) > 1000:
                self.warn(_("A document address longer than 1,000 characters was left out."), "document-link/@url")
                continue
            self.add(
                DocumentLink,
                url=link.url,
                file_format=clip(link.format, 100),
                titles=[[n.lang, n.text] for n in link.titles],
                categories=link.categories,
                languages=link.languages,
                document_date=link.document_date,
            )
        for marker in self.activity.policy_markers:
            self.add(
                PolicyMarker,
                vocabulary=clip(marker.vocabulary or "1", 10),
                code=clip(marker.code, 20),
                significance=int(marker.significance) if marker.significance.isdigit() else None,
            )
        for related in self.activity.related_activities:
            if related.type.isdigit() and related.ref:
                self.add(RelatedActivity, relation=int(related.type), ref=clip(related.ref, 200))


def _share(percentage):
    if percentage is None or not Decimal(0) <= percentage <= Decimal(100):
        return None
    return percentage.quantize(Decimal("0.01"))
