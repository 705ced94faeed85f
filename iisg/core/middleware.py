"""One log line per request, and a request id that ties it to the other lines of that request."""

import contextvars
import logging
import re
import time
import uuid
from urllib.parse import quote

from django.utils.functional import LazyObject, empty

logger = logging.getLogger("iisg.request")

# The request being served, for RequestIdFilter to stamp on every log line written meanwhile.
current_request_id = contextvars.ContextVar("current_request_id", default=None)

# What a proxy or a load balancer sends as X-Request-ID (UUIDs, hex, AWS trace ids); anything else is
# replaced, so a client cannot write arbitrary text into the logs.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/@-]{1,128}")
# The load balancer's probes: logged at DEBUG while healthy, not one INFO line every few seconds.
QUIET_PATHS = {"/healthz"}


class RequestLogMiddleware:
    """Log method, path (never the query string: it may carry tokens), status, duration, user id and
    request id of each request on the `iisg.request` logger, and echo the id in X-Request-ID."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_of(request)
        reset = current_request_id.set(request.request_id)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - start) * 1000, 1)
            response.headers["X-Request-ID"] = request.request_id
            quiet = request.path in QUIET_PATHS and response.status_code < 400
            path = quote(request.path, safe="/:@!$&'()*+,;=-._~")
            logger.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %s %.1fms",
                request.method,
                path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user_id_of(request),
                    "request_id": request.request_id,
                },
            )
            return response
        finally:
            current_request_id.reset(reset)


def request_id_of(request):
    given = request.headers.get("X-Request-ID", "")
    return given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def user_id_of(request):
    """The signed-in user's id, if the request looked at its user; never a query for the log's sake
    (the user of a request that did not need it is not loaded just to log it)."""
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, LazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class RequestIdFilter(logging.Filter):
    """Stamp the current request's id on every log record written while it is served."""

    def filter(self, record):
        request_id = current_request_id.get()
        if request_id and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True
