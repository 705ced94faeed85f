"""Once a change of the data is committed, the job worker computes the support mappings visitors
will ask for (selectors.warm_support_mappings), so that none of them waits for the computation."""

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from .tasks import WARM_UP_PENDING_KEY, WARM_UP_PENDING_TIMEOUT, warm_support_mappings_job


def data_changed(**kwargs):
    """Queue the warm-up of the support mappings (connected to iisg.core.pagecache.data_changed)."""
    # A cache of this process's own (the tests' memory cache) never reaches the web processes: the
    # worker's mappings would be lost, and a job queued at every committed write for nothing.
    if not settings.SUPPORT_MAPPING_WARM_UP or isinstance(caches["default"], (LocMemCache, DummyCache)):
        return
    # One job waiting at a time: the writes committed before it starts are all in the data it reads.
    if cache.add(WARM_UP_PENDING_KEY, True, timeout=WARM_UP_PENDING_TIMEOUT):
        warm_support_mappings_job.enqueue()
