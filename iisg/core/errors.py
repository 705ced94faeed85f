"""The refusals every service of the platform raises, whatever the app.

Each says, in words a person understands, why an operation was refused; views and the back office
show the message as it is, and the API maps each kind to its HTTP answer (iisg.api.exceptions).
`NotAllowed` is a `PermissionDenied`, so a view that lets it through answers 403. The apps add
their own kinds (iisg.needs.errors: a closed cycle, a frozen need…).
"""

from django.core.exceptions import PermissionDenied


class WorkflowError(Exception):
    """A refused step of a workflow; `str(error)` is the message for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


class NotAllowed(WorkflowError, PermissionDenied):
    """The user's role does not allow this step (iisg.core.permissions.can said no)."""


class InvalidTransition(WorkflowError):
    """The object is not in a status from which this step leads anywhere."""


class CommentRequired(WorkflowError):
    """This step must say why (a return, a rejection)."""
