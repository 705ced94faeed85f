"""What every request passes through: one log line with a request id, the limits of a signed-in
session, and the Permissions-Policy header. (The second factor the Secretariat must use is
iisg.core.twofactor's.)

The logging configuration loads this module before the apps are ready: it imports no model."""

import contextvars
import logging
import re
import time
import uuid
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import ngettext

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


# Sessions -----------------------------------------------------------------------------------------
# When the session's user signed in and when it was last seen, in seconds since the epoch.
SIGNED_IN_AT = "iisg_signed_in_at"
LAST_SEEN = "iisg_last_seen"
# The last request is noted to the minute: writing the session on every request would cost a write
# a page, and a minute more or less of idle time changes nothing.
LAST_SEEN_STEP = 60


@receiver(user_logged_in, dispatch_uid="iisg_session_signed_in_at")
def note_sign_in(sender, request, user, **kwargs):
    """Start the session's clocks at the sign-in itself (a second sign-in keeps the session's data)."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = now


class SessionLimitsMiddleware:
    """Sign a session out SESSION_ABSOLUTE_HOURS after its sign-in, whatever it does, and after
    SESSION_IDLE_MINUTES without a request (ASVS 3.3), and say which on the sign-in page.

    Only sessions: an API token is not a session and never passes here signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get(SESSION_KEY) is not None:
            now = int(time.time())
            reason = expiry_of(session, now)
            if reason is not None:
                logout(request)
                messages.warning(request, reason)
            elif SIGNED_IN_AT not in session:
                # A session from before these limits: its clocks start now.
                session[SIGNED_IN_AT] = session[LAST_SEEN] = now
            elif now - session[LAST_SEEN] >= LAST_SEEN_STEP:
                session[LAST_SEEN] = now
        return self.get_response(request)


def expiry_of(session, now):
    """Why the session is over at `now`, or None while it lasts."""
    hours, minutes = settings.SESSION_ABSOLUTE_HOURS, settings.SESSION_IDLE_MINUTES
    if now - session.get(SIGNED_IN_AT, now) >= hours * 3600:
        return ngettext(
            "You were signed out %(hours)d hour after signing in, the longest a session lasts. Sign in again.",
            "You were signed out %(hours)d hours after signing in, the longest a session lasts. Sign in again.",
            hours,
        ) % {"hours": hours}
    if now - session.get(LAST_SEEN, now) >= minutes * 60:
        return ngettext(
            "You were signed out after %(minutes)d minute without activity. Sign in again.",
            "You were signed out after %(minutes)d minutes without activity. Sign in again.",
            minutes,
        ) % {"minutes": minutes}
    return None


# Headers ------------------------------------------------------------------------------------------
# No page of the platform uses these browser features: a script that got in cannot either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb",
    )
)  # fmt: skip


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
