"""The refusals of the actions' own operations, beside the platform's (iisg.core.errors) and those of
the response mapping (iisg.needs.errors), which the services of this app raise too.

Each says, in words a person understands, why an operation was refused; views and the back office
show the message as it is, and the API answers a refused transition with 409 Conflict.
"""

from iisg.core.errors import InvalidTransition


class MergeRefused(InvalidTransition):
    """The two actions cannot be merged as asked: not an entered action into an imported one, the
    same action twice, or an action merged already."""
