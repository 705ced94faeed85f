"""The refusals of the workplace's services, beside the platform's own (iisg.core.errors)."""

from iisg.core.errors import WorkflowError


class CannotInvite(WorkflowError):
    """A login cannot be sent a link to set its password: it has no e-mail address, or is inactive."""
