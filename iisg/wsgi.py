"""The WSGI application that gunicorn serves.

The URL configuration (every view, the admin and the API) is imported and its reverse lookups
are built here, when the server loads the application, not by the first request of each worker:
that request would otherwise wait most of a second. gunicorn loads it once, in the master, before
it forks the workers (`preload_app` in gunicorn.conf.py), and then calls `warm_up()`, so that the
workers share all of it and the first visitor waits for nothing a process does once.
"""

import io
import os
import sys
import time

from django.core.wsgi import get_wsgi_application
from django.urls import URLResolver, get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iisg.settings")
application = get_wsgi_application()

# What is asked first of a fresh server: the health check (the migrations it compares with the
# database are read from disk once a process) and the pages every visit starts from, the home page
# (the base template, the menus, the translations) and the public dashboard (its templates, and the
# support mapping the process keeps).
WARM_UP_PATHS = ("/healthz", "/", "/database/")


def prepare_urls(resolver):
    """Import the views under `resolver` and build the reverse lookups of it and its includes."""
    resolver.reverse_dict  # noqa: B018 (read for its side effect: the lookups are built once, then kept)
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            prepare_urls(pattern)


prepare_urls(get_resolver())


def warm_up():
    """Serve WARM_UP_PATHS once inside this process, as an anonymous visitor over HTTPS to the first
    allowed host, so that what the first request of a process pays (templates compiled, the static
    files' manifest read, translations, the first queries, the kept support mapping) is paid before
    the server accepts anyone; return {path: (status, milliseconds)}.

    The database connections are closed afterwards: workers forked from this process must each open
    their own, never share one socket or SQLite handle.
    """
    from django.conf import settings
    from django.db import connections

    host = next((host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"), "localhost")
    answers = {}
    try:
        for path in WARM_UP_PATHS:
            answers[path] = _get(path, host)
    finally:
        connections.close_all()
    return answers


def _get(path, host):
    """One GET through the WSGI interface as a server makes it, body read to the end."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        # Production redirects plain HTTP to HTTPS behind its proxy (SECURE_PROXY_SSL_HEADER): the
        # warm-up must get the page itself, not the redirect.
        "HTTP_X_FORWARDED_PROTO": "https",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    statuses = []
    start = time.perf_counter()
    response = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        b"".join(response)
    finally:
        response.close()  # as a server must: Django ends the request here (request_finished)
    return int(statuses[0].split()[0]), (time.perf_counter() - start) * 1000
