"""A database that is locked or gone, or a disk that refuses files, answers 503 with Retry-After.

Without this, such a moment is Django's HTML 500 (also to the API's callers), which says the
platform is broken when it is only busy or out of room. The middleware turns those exceptions,
raised by a view or while its page renders, into "try again shortly": JSON `{"detail": …}` under
/api/, a small page of its own elsewhere. The page reads nothing from the database (which may be
what is missing): no menu, no user, no session.
"""

import errno
import logging
import sqlite3

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# How long a caller should wait before trying again: a write lock is held for seconds, a full or
# read-only disk needs someone to act.
RETRY_AFTER_DATABASE = 30
RETRY_AFTER_STORAGE = 300

# SQLite's words for a database another process holds, or one this process cannot write (a read-only
# var/, a full disk). Its other errors ("no such table", a bad query) are faults of the code: a 500.
SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "database schema is locked",
    "attempt to write a readonly database",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
)

# A file that cannot be written because of the disk, not because of the request.
STORAGE_ERRNOS = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM}


def database_unavailable(exception):
    """Does `exception` say the database cannot answer now (rather than that a query is wrong)?

    On PostgreSQL every OperationalError is of that kind (the server refused or dropped the
    connection, too many clients, a lock or statement timeout, a full disk); on SQLite only the
    messages of SQLITE_UNAVAILABLE."""
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    if isinstance(exception.__cause__, sqlite3.Error):
        return str(exception).lower().startswith(SQLITE_UNAVAILABLE)
    return True


def storage_unavailable(exception):
    return isinstance(exception, OSError) and exception.errno in STORAGE_ERRNOS


class UnavailableMiddleware:
    """Answer 503 with Retry-After when a view meets a locked or unreachable database, or a disk
    that refuses to store a file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unavailable(exception):
            logger.error("The database cannot answer: %s", exception, exc_info=exception)
            message = _("The platform is busy and could not complete your request. Please try again in a moment.")
            return unavailable_response(request, message, retry_after=RETRY_AFTER_DATABASE)
        if storage_unavailable(exception):
            logger.error("A file cannot be stored: %s", exception, exc_info=exception)
            message = _(
                "The file could not be stored: the server's disk is full or cannot be written to. "
                "Your change was not saved; please try again later, and tell the IISG Secretariat if it persists."
            )
            return unavailable_response(request, message, retry_after=RETRY_AFTER_STORAGE)
        return None


def unavailable_response(request, message, *, retry_after):
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        # Rendered without the request: the context processors would read the session and the user.
        response = HttpResponse(render_to_string("core/unavailable.html", {"message": message}), status=503)
    response["Retry-After"] = str(retry_after)
    return response
