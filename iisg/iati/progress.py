"""How far an IATI import has got, kept in the cache that the web workers and the job worker share.

The import runs in the worker, in one database transaction that the web workers cannot see into; its
progress (bytes of the file read, of how many, and the phase) is written to the cache instead, and
the back office reads it back by the id of the ImportRun. An entry lives for a day at most: a
worker that dies leaves nothing behind for long.
"""

import time

from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _

TIMEOUT = 24 * 60 * 60  # seconds
INTERVAL = 0.5  # seconds between two writes while the file is read: about twice a second


class Phase(models.TextChoices):
    STARTING = "starting", _("Starting")
    READING = "reading", _("Reading the file")
    FINISHING = "finishing", _("Saving")


def _key(run_id):
    return f"iati:import:{run_id}:progress"


def record(run_id, *, done, total, phase):
    """Record that the import of run `run_id` has read `done` bytes of `total`, in `phase`."""
    cache.set(_key(run_id), {"done": done, "total": total, "phase": str(phase)}, TIMEOUT)


def read(run_id):
    """The progress of run `run_id`: `done` and `total` bytes, `percent` (0–100, None while the size
    is unknown), `phase` and its `phase_label`; None when nothing was recorded."""
    entry = cache.get(_key(run_id))
    if entry is None:
        return None
    done, total = entry["done"], entry["total"]
    phase = entry["phase"] if entry["phase"] in Phase.values else Phase.STARTING
    return {
        "done": done,
        "total": total,
        "percent": min(100, done * 100 // total) if total else None,
        "phase": phase,
        "phase_label": str(Phase(phase).label),
    }


def forget(run_id):
    cache.delete(_key(run_id))


class Meter:
    """The `progress(done_bytes, total_bytes)` callback of an import, writing to the cache at most
    once per INTERVAL, and always once the whole file is read (the phase then turns to saving)."""

    def __init__(self, run_id, *, interval=INTERVAL, clock=time.monotonic):
        self.run_id = run_id
        self.interval = interval
        self.clock = clock
        self.last = None
        self.written = None

    def __call__(self, done, total):
        finished = bool(total) and done >= total
        now = self.clock()
        if (done, total) == self.written:
            return
        if not finished and self.last is not None and now - self.last < self.interval:
            return
        self.last, self.written = now, (done, total)
        record(self.run_id, done=done, total=total, phase=Phase.FINISHING if finished else Phase.READING)
