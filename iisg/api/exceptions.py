"""Domain refusals as HTTP answers with the message a person reads in the back office.

- NotAllowed (the role does not allow it): 403;
- CycleClosed, InvalidTransition (and NeedFrozen, UnfinishedNeeds), DuplicateResponse: 409, the
  object is not in a state for this step;
- CommentRequired, any other WorkflowError, a model's ValidationError: 400;
- EditConflict (someone saved the record after the client read it) and an IntegrityError (the
  same row written at the same moment by someone else): 409.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from iisg.core.concurrency import EditConflict
from iisg.needs.errors import CycleClosed, DuplicateResponse, InvalidTransition, NotAllowed, WorkflowError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def as_api_exception(exc):
    """The DRF exception for a domain error, or None for anything else."""
    if isinstance(exc, EditConflict):
        return Conflict(str(exc))
    if isinstance(exc, NotAllowed):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, CycleClosed | InvalidTransition | DuplicateResponse):
        return Conflict(str(exc))
    if isinstance(exc, WorkflowError):
        return exceptions.ValidationError({"detail": str(exc)})
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, IntegrityError):
        return Conflict(_("Someone else changed the same record at the same moment: read it again and retry."))
    return None


def exception_handler(exc, context):
    response = drf_exception_handler(as_api_exception(exc) or exc, context)
    if isinstance(exc, EditConflict):
        response.data["version"] = exc.current_version  # the version to read again
    return response
