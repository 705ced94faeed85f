"""The WSGI application that gunicorn serves.

The URL configuration (every view, the admin and the API) is imported and its reverse lookups
are built here, when the server loads the application, not by the first request of each worker:
that request would otherwise wait most of a second. With `gunicorn --preload` this happens once,
before the workers are forked, and they share it.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import URLResolver, get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iisg.settings")
application = get_wsgi_application()


def prepare_urls(resolver):
    """Import the views under `resolver` and build the reverse lookups of it and its includes."""
    resolver.reverse_dict  # noqa: B018 (read for its side effect: the lookups are built once, then kept)
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            prepare_urls(pattern)


prepare_urls(get_resolver())
