"""The actions workbook: a donor's or implementer's actions with their budgets, transactions and
responses to needs, to fill in and upload back.

`build_workbook` (download.py) writes the actions the user may change (the Secretariat: all) on an
Actions sheet, their money on a Budgets and a Transactions sheet (with the EUR figure the platform
worked out), and their responses to the needs of a needs cycle. `upload_workbook` (upload.py)
checks every row of every sheet and writes nothing while there is a problem; a clean workbook is
applied through iisg.actions.services in one transaction. The sheets and their columns are in
sheets.py.

Actions are keyed by their platform id, else their IATI identifier, else their title among the
user's own actions; the other sheets name an action the same way, by what the Actions sheet shows.
When the Budgets (or Transactions) sheet is in the file, the rows it lists for an action of the
Actions sheet are all of that action's budgets (transactions); without the sheet, they stay as
they are.
"""

from .download import actions_in_scope, build_workbook
from .sheets import ACTIONS, BUDGETS, CURRENCIES, RESPONSES, SHEETS, TRANSACTIONS
from .upload import upload_workbook

__all__ = [
    "ACTIONS",
    "BUDGETS",
    "CURRENCIES",
    "RESPONSES",
    "SHEETS",
    "TRANSACTIONS",
    "actions_in_scope",
    "build_workbook",
    "upload_workbook",
]
