from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityStatus(models.IntegerChoices):
    """The IATI ActivityStatus codelist."""

    PIPELINE = 1, _("Pipeline/identification")
    IMPLEMENTATION = 2, _("Implementation")
    FINALISATION = 3, _("Finalisation")
    CLOSED = 4, _("Closed")
    CANCELLED = 5, _("Cancelled")
    SUSPENDED = 6, _("Suspended")


class OrganisationRole(models.IntegerChoices):
    """The IATI OrganisationRole codelist."""

    FUNDING = 1, _("Funding")
    ACCOUNTABLE = 2, _("Accountable")
    EXTENDING = 3, _("Extending")
    IMPLEMENTING = 4, _("Implementing")


class TransactionType(models.IntegerChoices):
    """The IATI TransactionType codelist."""

    INCOMING_FUNDS = 1, _("Incoming funds")
    OUTGOING_COMMITMENT = 2, _("Outgoing commitment")
    DISBURSEMENT = 3, _("Disbursement")
    EXPENDITURE = 4, _("Expenditure")
    INTEREST_PAYMENT = 5, _("Interest payment")
    LOAN_REPAYMENT = 6, _("Loan repayment")
    REIMBURSEMENT = 7, _("Reimbursement")
    PURCHASE_OF_EQUITY = 8, _("Purchase of equity")
    SALE_OF_EQUITY = 9, _("Sale of equity")
    CREDIT_GUARANTEE = 10, _("Credit guarantee")
    INCOMING_COMMITMENT = 11, _("Incoming commitment")
    OUTGOING_PLEDGE = 12, _("Outgoing pledge")
    INCOMING_PLEDGE = 13, _("Incoming pledge")


class BudgetType(models.IntegerChoices):
    """The IATI BudgetType codelist."""

    ORIGINAL = 1, _("Original")
    REVISED = 2, _("Revised")


class BudgetStatus(models.IntegerChoices):
    """The IATI BudgetStatus codelist."""

    INDICATIVE = 1, _("Indicative")
    COMMITTED = 2, _("Committed")


class ActionSource(models.TextChoices):
    ENTERED = "entered", _("Entered in the platform")
    EXCEL = "excel", _("Excel template")
    IATI = "iati", _("IATI file")


class Coverage(models.TextChoices):
    FULL = "full", _("Full")
    PARTIAL = "partial", _("Partial")


class ResponseStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class RoundAnswerKind(models.TextChoices):
    """How an action was answered for in an annual response-mapping round."""

    CONFIRMED = "confirmed", _("No change")
    UPDATED = "updated", _("Updated")
