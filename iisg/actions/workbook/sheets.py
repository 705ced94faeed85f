"""The sheets of the actions workbook: what each column holds, as people read it in Excel."""

from iisg.core import workbook as wb

from ..models import Action, Transaction

# The currencies offered in the drop-down; the ISO 4217 codes donors of the region report in.
CURRENCIES = [
    "EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "JPY", "CAD", "AUD",
    "PLN", "CZK", "HUF", "RON", "BGN", "TRY", "RSD", "ALL", "BAM", "MKD",
]  # fmt: skip

ACTION_KEY_NOTE = "The action: its platform id, its IATI identifier, or its title as on the Actions sheet."


def _version():
    return wb.Column(
        "version",
        "Version",
        "The version of the action this workbook was made from. Keep it: an action changed by someone else since "
        "is then refused, not overwritten. Leave it empty for a new action.",
        9,
        kind=wb.WHOLE,
        locked=True,
    )


def _valued(what, fallback):
    """The columns of a value's currency and value date, then the EUR figure the platform worked out
    (shown, never read back)."""
    return (
        wb.Column(
            "currency",
            "Currency",
            "ISO 4217 code; empty means the action's default currency.",
            10,
            choices="Currencies",
        ),
        wb.Column(
            "value_date",
            "Value date",
            f"The date the amount is valued at (converted to EUR at its month); empty means {fallback}.",
            14,
            kind=wb.DATE,
        ),
        wb.Column(
            "value_eur", "Value (EUR)", f"The {what}'s EUR figure, worked out by the platform.", 14, read_only=True
        ),
        wb.Column("rate_month", "Rate month", "The month whose exchange rate gave the EUR figure.", 11, read_only=True),
    )


ACTIONS = wb.Sheet(
    "Actions",
    (
        wb.Column(
            "platform_id",
            "Platform id",
            "The action's number in the platform. Keep it to update an action; leave it empty for a new one.",
            12,
        ),
        wb.Column(
            "iati_identifier",
            "IATI identifier",
            "The IATI activity identifier; a new action without one gets the platform's. A row without platform id "
            "is matched by it, else by its title among your actions. An empty cell keeps the identifier.",
            28,
            max_length=Action._meta.get_field("iati_identifier").max_length,
        ),
        wb.Column(
            "title",
            "Title",
            "The action's title.",
            40,
            required=True,
            max_length=Action._meta.get_field("title").max_length,
        ),
        wb.Column("description", "Description", "What the action does.", 60),
        wb.Column(
            "partners",
            "Beneficiary partners",
            "The partners it benefits: names or codes separated by commas, e.g. “Serbia, Montenegro” or “RS, ME”.",
            28,
            choices="Partners",
            many=True,
        ),
        wb.Column(
            "pillars",
            "Pillars",
            "The pillars, separated by commas, e.g. “WBCTi, WBBSi”.",
            16,
            choices="Pillars",
            many=True,
        ),
        wb.Column("planned_start", "Planned start", "A date cell, or text as YYYY-MM-DD.", 14, kind=wb.DATE),
        wb.Column("planned_end", "Planned end", "A date cell, or text as YYYY-MM-DD.", 14, kind=wb.DATE),
        wb.Column("status", "Status", "The IATI activity status; empty means Implementation.", 22, choices="Statuses"),
        wb.Column(
            "default_currency",
            "Default currency",
            "ISO 4217 code; empty means EUR. Budgets and transactions without a currency of their own are in it.",
            10,
            choices="Currencies",
        ),
        wb.Column("organisations", "Organisations", "The donors and implementers taking part.", 30, read_only=True),
        _version(),
    ),
)

ROWS_NOTE = (
    " When this sheet is in the file, the rows it lists for an action of the Actions sheet are all of that "
    "action's {rows}: a row with an id changes that one, a row without adds one, and one of the action's "
    "{rows} left off the sheet is deleted. Remove the whole sheet to leave the {rows} as they are."
)

BUDGETS = wb.Sheet(
    "Budgets",
    (
        wb.Column("action", "Action", ACTION_KEY_NOTE, 30, required=True),
        wb.Column(
            "row_id",
            "Budget id",
            "The budget's number in the platform; empty for a new budget." + ROWS_NOTE.format(rows="budgets"),
            10,
            kind=wb.WHOLE,
        ),
        wb.Column("budget_type", "Type", "Original or revised; empty means original.", 11, choices="Budget types"),
        wb.Column("status", "Status", "Indicative or committed; empty means committed.", 12, choices="Budget statuses"),
        wb.Column(
            "period_start", "Period start", "A date cell, or text as YYYY-MM-DD.", 14, kind=wb.DATE, required=True
        ),
        wb.Column("period_end", "Period end", "A date cell, or text as YYYY-MM-DD.", 14, kind=wb.DATE, required=True),
        wb.Column("value", "Value", "The amount, in the currency.", 14, kind=wb.DECIMAL, required=True),
        *_valued("budget", "the period start"),
    ),
)

TRANSACTIONS = wb.Sheet(
    "Transactions",
    (
        wb.Column("action", "Action", ACTION_KEY_NOTE, 30, required=True),
        wb.Column(
            "row_id",
            "Transaction id",
            "The transaction's number in the platform; empty for a new one." + ROWS_NOTE.format(rows="transactions"),
            12,
            kind=wb.WHOLE,
        ),
        wb.Column(
            "transaction_type",
            "Type",
            "Outgoing commitment (money promised) or disbursement (money paid) are what the analysis counts.",
            22,
            required=True,
            choices="Transaction types",
        ),
        wb.Column("date", "Date", "A date cell, or text as YYYY-MM-DD.", 14, kind=wb.DATE, required=True),
        wb.Column(
            "value",
            "Value",
            "The amount, in the currency; negative for returned funds.",
            14,
            kind=wb.MONEY,
            required=True,
        ),
        *_valued("transaction", "the transaction's date")[:2],
        wb.Column(
            "provider",
            "Provider",
            "The organisation the money comes from: its name or acronym.",
            24,
            choices="Organisations",
        ),
        wb.Column(
            "receiver",
            "Receiver",
            "The organisation the money goes to: its name or acronym.",
            24,
            choices="Organisations",
        ),
        wb.Column(
            "description",
            "Description",
            "What the transaction is for.",
            30,
            max_length=Transaction._meta.get_field("description").max_length,
        ),
        *_valued("transaction", "the transaction's date")[2:],
    ),
)

RESPONSES = wb.Sheet(
    "Responses",
    (
        wb.Column("action", "Action", ACTION_KEY_NOTE, 30, required=True),
        wb.Column(
            "need",
            "Need reference",
            "The reference of the need it responds to, in this cycle.",
            16,
            required=True,
            choices="Needs",
        ),
        wb.Column("coverage", "Coverage", "Full or partial.", 10, required=True, choices="Coverages"),
        wb.Column("status", "Status", "Proposed, confirmed or rejected by the Secretariat.", 12, read_only=True),
    ),
)
SHEETS = [ACTIONS, BUDGETS, TRANSACTIONS, RESPONSES]
# A file without these sheets leaves what they hold as it is.
OPTIONAL_SHEETS = [BUDGETS.name, TRANSACTIONS.name, RESPONSES.name]
