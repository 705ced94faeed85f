"""Public pages from the shared cache, with conditional GET (ETag, Last-Modified, 304).

What an anonymous visitor sees depends on the published data, the language, the day (an upcoming
event becomes a past one at midnight) and the address, nothing else: `public_page` keeps one copy
of a page per address (scheme, host, path and query string), language and day, under the current
*data version*, and every web machine serves it from there to every anonymous visitor.

The data version is one key in the shared cache. A write that can change a public page calls
`changed()`; once its transaction commits, the key takes a new value (the time in nanoseconds), so
each machine's next request looks under a new key and renders the page again, and the copies
under the old version are never read again (they expire after PAGE_TIMEOUT). iisg.core.history
and iisg.core.bulk call it for the writes of many rows at once (which send no signal), and every
`save()`, `delete()` and many-to-many change of a model of the platform's own apps calls it, so a
write is covered whichever code makes it (an event's service saves it without a history row).
`manage.py migrate` starts a new version too, so a release's pages replace the last one's.

Never cached: a signed-in visitor's page (neither read nor stored), a page rendered in a
transaction whose changes are not committed yet (it may show what a rollback takes back), and a
page whose rendering took something of one visitor's (a CSRF token, a cookie, a session change)
or that is not a plain 200. Only the view's own response is kept: what the middleware around the
view adds to each response (the security headers, Vary, X-Request-ID, cookies) is added to a
cached page as to a fresh one.
"""

import datetime
import hashlib
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import condition

VERSION_KEY = "iisg:data-version"
PAGE_KEY_PREFIX = "iisg:page:"
# Seconds a page stays cached: a change replaces it at once through the version, so this only bounds
# how long the copies of versions gone by take room.
PAGE_TIMEOUT = 24 * 60 * 60
# The cache alias of the pages and the data version; a configuration that names none (a test that
# sets its own CACHES) keeps them in the default cache.
PAGES_ALIAS = "pages"


def _pages_cache():
    return caches[PAGES_ALIAS if PAGES_ALIAS in settings.CACHES else "default"]


# The data version ------------------------------------------------------------------------------


def data_version():
    """The current data version, an integer that changes with every committed change of the domain.

    A cache that lost the key (evicted, emptied) starts a new version: every page renders again."""
    cache = _pages_cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    return version


# Sent once a change of the data is committed and the data version changed (not for a migrate):
# what keeps figures derived from the data (iisg.analysis) works them out again. Core imports no
# app that listens.
data_changed = Signal()


def _bump():
    _new_version()
    data_changed.send(sender=None)


def _new_version():
    # A new value, never an increment: two machines bumping at once must not both write the same
    # successor of the value they read, or a page rendered between their commits would stay.
    _pages_cache().set(VERSION_KEY, time.time_ns(), timeout=None)


def changed(*, using="default"):
    """Note that the current transaction changed what public pages may show: the data version
    changes once it commits (at once outside a transaction). Once a transaction however many of its
    writes call this; a rolled-back transaction changes nothing."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _bump()
    elif not _bump_due(connection):
        # Robust: the data is committed by now; a cache that fails here must not turn the write
        # into an error page. The pages then show the change once PAGE_TIMEOUT has passed.
        transaction.on_commit(_bump, using=using, robust=True)


def _bump_due(connection):
    """Is a bump already waiting for this connection's transaction to commit?"""
    # Django keeps a transaction's callbacks as (savepoint ids, callable, robust) and drops those of
    # a savepoint rolled back. The bump is registered by the transaction's first write, so this
    # scan stops at one of the first entries.
    return any(entry[1] is _bump for entry in connection.run_on_commit)


@receiver(post_save, dispatch_uid="iisg_pagecache_saved")
@receiver(post_delete, dispatch_uid="iisg_pagecache_deleted")
@receiver(m2m_changed, dispatch_uid="iisg_pagecache_related")
def _row_written(sender, using, **kwargs):
    rows_written(sender, using=using)


def rows_written(model, *, using="default"):
    """Note that rows of `model` were written: `changed()` if a public page may show them. Every
    save, delete and many-to-many change calls it (the receiver above); a writer of many rows at
    once, which sends no signal, calls it itself (iisg.core.bulk, iisg.core.history)."""
    # Only the platform's own apps: a session, a login's last sign-in or a lock-out attempt shows
    # on no public page and would otherwise empty the page cache at every sign-in. Nor do the
    # records of jobs, mails and notifications (`shown_on_public_pages = False` on their model).
    if model.__module__.startswith("iisg.") and getattr(model, "shown_on_public_pages", True):
        changed(using=using)


@receiver(post_migrate, dispatch_uid="iisg_pagecache_migrated")
def _migrated(sender, **kwargs):
    # A release migrates: its pages may differ (templates, the static files' hashed names) where
    # the data does not, so data_changed is not sent.
    _new_version()


# Serving ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageState:
    """What an anonymous page depends on besides its address."""

    version: int
    language: str
    day: datetime.date

    @property
    def etag(self):
        return f'"{self.version:x}-{self.language}-{self.day:%Y%m%d}"'

    @property
    def last_modified(self):
        changed_at = datetime.datetime.fromtimestamp(self.version / 1e9, tz=datetime.UTC)
        midnight = timezone.make_aware(datetime.datetime.combine(self.day, datetime.time()))
        return max(changed_at, midnight)


def page_state(request):
    """The state an anonymous GET or HEAD request's page depends on; None for any other request
    (signed in, another method, changes of this connection not yet committed), which is served
    as if nothing were cached. Read once a request, so the ETag and the cached copy agree."""
    if not hasattr(request, "_iisg_page_state"):
        request._iisg_page_state = _state_of(request)
    return request._iisg_page_state


def _state_of(request):
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return None
    connection = transaction.get_connection()
    if connection.in_atomic_block and _bump_due(connection):
        return None
    return PageState(version=data_version(), language=get_language(), day=timezone.localdate())


def page_key(request, state):
    address = request.build_absolute_uri()
    digest = hashlib.sha256(f"{state.version}|{state.language}|{state.day}|{address}".encode()).hexdigest()
    return PAGE_KEY_PREFIX + digest


def _etag(request, *args, **kwargs):
    state = page_state(request)
    return state.etag if state else None


def _last_modified(request, *args, **kwargs):
    state = page_state(request)
    return state.last_modified if state else None


def storable(request, response):
    """May `response` to an anonymous request be served to every anonymous visitor?"""
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The page holds a CSRF token: it belongs to this visitor's cookie.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.modified)
        and not {"private", "no-store"} & set(response.get("Cache-Control", "").replace(" ", "").split(","))
    )


def public_page(view):
    """Serve `view` to anonymous visitors from the shared cache and answer their conditional GETs
    (ETag and Last-Modified from the data version, 304 when unchanged); signed-in visitors get the
    view's own response, never cached."""

    @wraps(view)
    def cached(request, *args, **kwargs):
        state = page_state(request)
        if state is None:
            return view(request, *args, **kwargs)
        cache = _pages_cache()
        key = page_key(request, state)
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if request.method == "GET" and storable(request, response):
                cache.set(key, response, PAGE_TIMEOUT)
        # Browsers keep the page but ask again each time: the answer is a 304 until the data changes.
        patch_cache_control(response, no_cache=True)
        return response

    return condition(etag_func=_etag, last_modified_func=_last_modified)(cached)
