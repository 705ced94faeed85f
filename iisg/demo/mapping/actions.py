"""The actions of a plan, through the actions services: each is created with its beneficiary
partners, pillars, participating organisations, sectors, budgets and transactions in one call of
create_action, which gives its money the EUR figure of the monthly rates (loaded once per load)
and an action without an IATI identifier the platform's.

A second load finds each action again: one the plan gives an IATI identifier by that identifier;
another (entered, or from a workbook) by its title and source among the actions the demo created
(the reason of their first history record), since the platform gave it an identifier of its own.
An action as planned is left alone; one that differs is changed back by update_action.
"""

from django.db.models import Q

from iisg.actions.models import Action, ActionOrganisation, ActionSector, Budget, Transaction
from iisg.actions.money import Rates
from iisg.actions.services import create_action, update_action

from ..compare import differences, ids_differ, rows_differ, with_ids
from ..upsert import CHANGE_REASON

DAC_5_DIGIT = "1"  # IATI SectorVocabulary: OECD DAC CRS purpose codes (5 digit)
# The child rows of an action, by the name create_action and update_action give each list, with
# the fields that name a row of an action in the plan.
ROWS = {
    "participations": (ActionOrganisation, ("organisation", "role")),
    "sectors": (ActionSector, ("vocabulary", "code")),
    "budgets": (Budget, ("budget_type", "period_start")),
    "transactions": (Transaction, ("transaction_type", "date")),
}


def load_actions(planned, *, directory, actors, kept):
    """The planned actions by ActionPlan.key, as stored."""
    stored = stored_actions(planned)
    rates = None
    actions = {}
    for plan in planned:
        fields, relations = wanted(plan, directory)
        action = stored.get(_key(plan.iati_identifier, plan.title, plan.source))
        if action is None:
            rates = rates or Rates.from_database()
            action = create_action(
                user=actors.secretariat,
                iati_identifier=plan.iati_identifier,
                source=plan.source,
                **fields,
                **relations,
                comment=CHANGE_REASON,
                rates=rates,
            )
        elif changes := changed(action, fields, relations):
            rates = rates or Rates.from_database()
            action = update_action(
                user=actors.secretariat,
                action=action,
                version=action.version,
                **changes,
                comment=CHANGE_REASON,
                rates=rates,
            )
        if action.source != plan.source:
            kept.append(f"Action “{action}” came from another source ({action.get_source_display()}) than the plan's.")
        actions[plan.key] = action
    return actions


def stored_actions(planned):
    """The actions of the plan already stored, by _key()."""
    identifiers = {plan.iati_identifier for plan in planned if plan.iati_identifier}
    titles = [plan.title for plan in planned if not plan.iati_identifier]
    created_by_demo = Action.history.filter(history_type="+", history_change_reason=CHANGE_REASON).values("id")
    found = (
        Action.objects.filter(Q(iati_identifier__in=identifiers) | Q(pk__in=created_by_demo, title__in=titles))
        .prefetch_related("partners", "pillars", *ROWS)
        .order_by("pk")
    )
    stored = {}
    for action in found:
        identifier = action.iati_identifier if action.iati_identifier in identifiers else None
        stored.setdefault(_key(identifier, action.title, action.source), action)
    return stored


def _key(identifier, title, source):
    return identifier or (title, source)


def wanted(plan, directory):
    """The fields of an action of the plan, and its relations: partners, pillars and child rows."""
    organisations = directory.organisations
    fields = {
        "title": plan.title,
        "description": plan.description,
        "status": plan.status,
        "planned_start": plan.planned_start,
        "planned_end": plan.planned_end,
        "actual_start": plan.actual_start,
        "actual_end": plan.actual_end,
        "default_currency": plan.currency,
    }
    relations = {
        "partners": [directory.partners[code] for code in plan.partners],
        "pillars": [directory.pillars[code] for code in plan.pillars],
        "participations": [{"organisation": organisations[key], "role": role} for key, role in plan.participations],
        "sectors": [
            {"vocabulary": DAC_5_DIGIT, "code": code, "percentage": percentage} for code, percentage in plan.sectors
        ],
        "budgets": [
            {
                "budget_type": budget.budget_type,
                "status": budget.status,
                "period_start": budget.period_start,
                "period_end": budget.period_end,
                "value": budget.value,
                "currency": plan.currency,
                "value_date": budget.period_start,
            }
            for budget in plan.budgets
        ],
        "transactions": [
            {
                "transaction_type": transaction.transaction_type,
                "date": transaction.date,
                "value": transaction.value,
                "currency": plan.currency,
                "value_date": transaction.date,
                "provider": organisations[transaction.provider],
                "receiver": organisations[transaction.receiver] if transaction.receiver else None,
                "description": transaction.description,
            }
            for transaction in plan.transactions
        ],
    }
    return fields, relations


def changed(action, fields, relations):
    """The arguments of update_action that bring `action` (prefetched) back to the plan: the
    fields that differ, and each relation that does, whole (its rows matched to the stored ones);
    empty when it is as planned."""
    changes = {}
    if field_changes := differences(action, fields):
        changes["changes"] = field_changes
    for name in ("partners", "pillars"):
        if ids_differ(getattr(action, name), relations[name]):
            changes[name] = relations[name]
    for name, (model, key) in ROWS.items():
        rows = getattr(action, name).all()
        if rows_differ(rows, relations[name], model):
            changes[name] = with_ids(rows, relations[name], model, key)
    return changes
