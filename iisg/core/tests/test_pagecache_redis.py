"""The cache of several web machines: Django's Redis backend against the real Redis on
127.0.0.1:6379. Two connections stand for two machines: a page one stores the other serves, and a
write committed on one changes the data version the other reads."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

from iisg.core import pagecache
from iisg.core.tests import factories as f
from iisg.core.tests.test_pagecache import CountingView, anonymous_get

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_reachable():
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # any failure to reach it means: skip
        return False


pytestmark = pytest.mark.skipif(not redis_reachable(), reason=f"no Redis answers at {REDIS_URL}")


@pytest.fixture
def prefix():
    """A key prefix of the test's own, so that nothing else in that Redis is read or left."""
    prefix = f"iisg-test-{uuid.uuid4().hex}"
    yield prefix
    RedisCache(REDIS_URL, {"KEY_PREFIX": prefix}).clear()


@pytest.fixture
def redis_pages(settings, prefix):
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}
        for alias in ("default", "pages")
    }


def machine(prefix):
    """One more connection to the same Redis, as another web machine has."""
    return RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})


@pytest.mark.django_db(transaction=True)
def test_a_page_one_machine_stores_is_served_by_another_until_a_write_commits(redis_pages, prefix):
    other = machine(prefix)
    view = CountingView()
    page = pagecache.public_page(view)
    request = anonymous_get()
    page(request)
    state = pagecache.page_state(request)
    assert other.get(pagecache.VERSION_KEY) == state.version
    assert other.get(pagecache.page_key(request, state)).content == b"page 1"
    assert page(anonymous_get()).content == b"page 1"

    with transaction.atomic():
        f.EventFactory(title="Published on the first machine")
    assert other.get(pagecache.VERSION_KEY) != state.version
    assert page(anonymous_get()).content == b"page 2"


@pytest.mark.django_db(transaction=True)
def test_a_version_bumped_by_another_machine_is_seen_at_the_next_request(redis_pages, prefix):
    view = CountingView()
    page = pagecache.public_page(view)
    first = page(anonymous_get())
    machine(prefix).set(pagecache.VERSION_KEY, pagecache.data_version() + 1, timeout=None)
    again = page(anonymous_get(HTTP_IF_NONE_MATCH=first["ETag"]))
    assert again.status_code == 200
    assert again.content == b"page 2"


def test_settings_use_redis_for_every_cache_when_redis_url_is_set(tmp_path):
    code = "import json, iisg.settings as s; print(json.dumps({a: c['BACKEND'] for a, c in s.CACHES.items()}))"
    env = {**os.environ, "REDIS_URL": REDIS_URL, "IISG_VAR_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True)
    backends = json.loads(out.stdout)
    assert backends == {
        "default": "django.core.cache.backends.redis.RedisCache",
        "pages": "django.core.cache.backends.redis.RedisCache",
    }
    env.pop("REDIS_URL")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True)
    assert set(json.loads(out.stdout).values()) == {"django.core.cache.backends.filebased.FileBasedCache"}
