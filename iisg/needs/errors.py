"""The refusals of the needs and response mapping workflows.

Each says, in words a person understands, why an operation was refused; views and the back office
show the message as it is. `NotAllowed` is a `PermissionDenied`, so a view that lets it through
answers 403.
"""

from django.core.exceptions import PermissionDenied


class WorkflowError(Exception):
    """A refused step of the workflow; `str(error)` is the message for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


class NotAllowed(WorkflowError, PermissionDenied):
    """The user's role does not allow this step (iisg.core.permissions.can said no)."""


class CycleClosed(WorkflowError):
    """The cycle no longer takes this step: it is not open, or it is already adopted."""


class CycleExists(WorkflowError):
    """A needs cycle for this period already exists."""


class InvalidTransition(WorkflowError):
    """The object is not in a status from which this step leads anywhere."""


class NeedFrozen(InvalidTransition):
    """The need was adopted by the Board: a change is a new cycle."""


class UnfinishedNeeds(InvalidTransition):
    """The cycle cannot be adopted while some of its needs are still under way."""

    def __init__(self, message, needs):
        super().__init__(message)
        self.needs = needs


class CommentRequired(WorkflowError):
    """This step must say why (a return, a rejection)."""


class DuplicateResponse(WorkflowError):
    """The action is already linked to the need."""
