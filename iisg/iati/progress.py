"""How far an IATI import has got: bytes of the file read, of how many, and the phase, recorded on
the import's job (iisg.core.jobs.record_progress), which the back office reads back.

The import runs in one database transaction that the web workers cannot see into; the progress goes
through the cache that they and the job worker share instead.
"""

import time

from iisg.core import jobs

from .models import ImportRun

Phase = ImportRun.Phase
INTERVAL = 0.5  # seconds between two writes while the file is read: about twice a second


class Meter:
    """The `progress(done_bytes, total_bytes)` callback of the import of `run`, writing at most once
    per INTERVAL, and always once the whole file is read (the phase then turns to saving)."""

    def __init__(self, run, *, interval=INTERVAL, clock=time.monotonic):
        self.run = run
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
        jobs.record_progress(self.run, done=done, total=total, phase=Phase.FINISHING if finished else Phase.READING)
