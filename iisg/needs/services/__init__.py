"""The needs mapping as business operations: opening a cycle, adding needs and carrying them over,
the review of each need and the Board's adoption of the cycle.

Every service takes the acting `user` and asks iisg.core.permissions.can() itself, so the back
office, the web forms, the Excel upload and the API are held to the same rules. Each runs in one
transaction and either does all of its work or raises a domain error of iisg.needs.errors and
changes nothing. Every change of a need or a cycle is recorded in its history with the user and
the comment (the history's change reason).

The modules: `cycles` (opening, calendar, closing for review, adoption), `adding` (a need, or the
needs of the last cycle carried over), `changing` (a need's content, deletion), `review` (the
steps of a need's review) and `sectors` (the DAC sectors people accept for a need).
"""

from .adding import CarryOver, carry_over_needs, create_need, next_reference, refuse_creation
from .changing import EDITABLE_FIELDS, changed_need, delete_need, refuse_change, update_need
from .cycles import (
    CYCLE_EDITABLE_FIELDS,
    LISTED,
    adopt_cycle,
    adopt_response_cycle,
    close_cycle_for_review,
    open_cycle,
    open_response_cycle,
    update_cycle,
)
from .review import propose_need, propose_needs, reject_need, return_need, submit_need, validate_need
from .sectors import accept_sector, remove_sector

__all__ = [
    "CYCLE_EDITABLE_FIELDS",
    "EDITABLE_FIELDS",
    "LISTED",
    "CarryOver",
    "accept_sector",
    "adopt_cycle",
    "adopt_response_cycle",
    "carry_over_needs",
    "changed_need",
    "close_cycle_for_review",
    "create_need",
    "delete_need",
    "next_reference",
    "open_cycle",
    "open_response_cycle",
    "propose_need",
    "propose_needs",
    "refuse_change",
    "refuse_creation",
    "reject_need",
    "remove_sector",
    "return_need",
    "submit_need",
    "update_cycle",
    "update_need",
    "validate_need",
]
