"""The refusals of the needs and response mapping workflows, beside the platform's own
(iisg.core.errors: WorkflowError, NotAllowed, InvalidTransition, CommentRequired, re-exported here).

Each says, in words a person understands, why an operation was refused; views and the back office
show the message as it is.
"""

from iisg.core.errors import CommentRequired, InvalidTransition, NotAllowed, WorkflowError

__all__ = [
    "CommentRequired",
    "CycleClosed",
    "CycleExists",
    "DuplicateResponse",
    "InvalidTransition",
    "NeedFrozen",
    "NotAllowed",
    "UnfinishedNeeds",
    "WorkflowError",
]


class CycleClosed(WorkflowError):
    """The cycle no longer takes this step: it is not open, or it is already adopted."""


class CycleExists(WorkflowError):
    """A needs cycle for this period already exists."""


class NeedFrozen(InvalidTransition):
    """The need was adopted by the Board: a change is a new cycle."""


class UnfinishedNeeds(InvalidTransition):
    """The cycle cannot be adopted while some of its needs are still under way."""

    def __init__(self, message, needs):
        super().__init__(message)
        self.needs = needs


class DuplicateResponse(WorkflowError):
    """The action is already linked to the need."""
