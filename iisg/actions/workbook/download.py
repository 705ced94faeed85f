"""The actions workbook as a donor, an implementer or the Secretariat downloads it."""

from django.db.models import Prefetch

from iisg.core import workbook as wb
from iisg.core.choices import Verb
from iisg.core.permissions import permitted, visible
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.models import Need

from ..choices import ActivityStatus, BudgetStatus, BudgetType, Coverage, TransactionType
from ..models import Action, ActionOrganisation, Response, Transaction
from .sheets import ACTIONS, BUDGETS, CURRENCIES, RESPONSES, TRANSACTIONS


def actions_in_scope(user):
    """The actions of a user's workbook: those it may change (the Secretariat: all)."""
    return (
        permitted(user, Verb.CHANGE, Action.objects.all())
        .prefetch_related(
            "partners",
            "pillars",
            "budgets",
            Prefetch("transactions", queryset=Transaction.objects.select_related("provider", "receiver")),
            Prefetch("participations", queryset=ActionOrganisation.objects.select_related("organisation")),
        )
        .order_by("title", "pk")
    )


def organisation_names(actions):
    """The organisations the Transactions sheet offers: those taking part in the user's actions and
    those already named on their transactions, by name."""
    ids = {p.organisation_id for action in actions for p in action.participations.all()}
    ids |= {pk for action in actions for t in action.transactions.all() for pk in (t.provider_id, t.receiver_id) if pk}
    return list(Organisation.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True))


def build_workbook(*, user, cycle):
    """The actions workbook of a user, with their budgets and transactions, and their responses to
    the needs of `cycle`, as .xlsx bytes."""
    actions = list(actions_in_scope(user))
    needs = visible(user, Need.objects.filter(cycle=cycle)).order_by("reference") if cycle else Need.objects.none()
    responses = visible(
        user, Response.objects.filter(action__in=[a.pk for a in actions], need__in=needs.values("pk"))
    ).select_related("need")
    workbook = wb.new_workbook()
    ranges = wb.add_code_lists(
        workbook,
        {
            "Partners": [partner.name for partner in Partner.objects.all()],
            "Pillars": [pillar.acronym for pillar in Pillar.objects.all()],
            "Statuses": [str(label) for label in ActivityStatus.labels],
            "Currencies": CURRENCIES,
            "Coverages": [str(label) for label in Coverage.labels],
            "Needs": list(needs.values_list("reference", flat=True)),
            "Budget types": [str(label) for label in BudgetType.labels],
            "Budget statuses": [str(label) for label in BudgetStatus.labels],
            "Transaction types": [str(label) for label in TransactionType.labels],
            "Organisations": organisation_names(actions),
        },
    )
    wb.write_sheet(workbook, ACTIONS, [_action_row(action) for action in actions], ranges, index=0)
    wb.write_sheet(
        workbook,
        BUDGETS,
        [_budget_row(action, budget) for action in actions for budget in action.budgets.all()],
        ranges,
        index=1,
    )
    wb.write_sheet(
        workbook,
        TRANSACTIONS,
        [_transaction_row(action, item) for action in actions for item in action.transactions.all()],
        ranges,
        index=2,
    )
    wb.write_sheet(
        workbook,
        RESPONSES,
        [
            {
                "action": response.action_id,
                "need": response.need.reference,
                "coverage": response.get_coverage_display(),
                "status": response.get_status_display(),
            }
            for response in responses.order_by("action__title", "need__reference")
        ],
        ranges,
        index=3,
    )
    workbook.active = 0
    return wb.to_bytes(workbook)


def _action_row(action):
    return {
        "platform_id": action.pk,
        "iati_identifier": action.iati_identifier,
        "title": action.title,
        "description": action.description or None,
        "partners": ", ".join(partner.name for partner in action.partners.all()) or None,
        "pillars": ", ".join(pillar.acronym for pillar in action.pillars.all()) or None,
        "planned_start": action.planned_start,
        "planned_end": action.planned_end,
        "status": action.get_status_display(),
        "default_currency": action.default_currency,
        "organisations": ", ".join(
            f"{p.organisation.short_name} ({p.get_role_display()})" for p in action.participations.all()
        ),
        "version": action.version,
    }


def _money(row):
    return {
        "value": row.value,
        "currency": row.currency or None,
        "value_date": row.value_date,
        "value_eur": row.value_eur,
        "rate_month": row.rate_month.strftime("%Y-%m") if row.rate_month else None,
    }


def _budget_row(action, budget):
    return {
        "action": action.pk,
        "row_id": budget.pk,
        "budget_type": budget.get_budget_type_display(),
        "status": budget.get_status_display(),
        "period_start": budget.period_start,
        "period_end": budget.period_end,
        **_money(budget),
    }


def _transaction_row(action, item):
    return {
        "action": action.pk,
        "row_id": item.pk,
        "transaction_type": item.get_transaction_type_display(),
        "date": item.date,
        "provider": item.provider.name if item.provider else None,
        "receiver": item.receiver.name if item.receiver else None,
        "description": item.description or None,
        **_money(item),
    }
