"""`manage.py job_worker`: the platform's job worker. It is django-tasks' database worker
(django_tasks_db's `db_worker`, with the same options) with what the jobs' records need
(iisg.core.jobs):

- on start, and once a lease interval while it runs, it marks failed the jobs whose lease expired:
  their worker stopped without ending them (killed, the machine gone);
- on SIGTERM or SIGINT it stops the running job at once instead of waiting for it to end (an import
  can take minutes): the job's own handler marks its record failed and its transaction is rolled
  back. Should the job not stop within JOB_STOP_SECONDS (stuck in a long call), the process ends
  anyway and the job's lease, left to expire, has the next worker mark it failed.
"""

import logging
import math
import os
import select
import signal
import socket
import threading
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, connections
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from iisg.core import jobs

logger = logging.getLogger("iisg.jobs")

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class JobStopped(SystemExit):
    """Raised in the running job when the worker is asked to stop."""


class JobWorker(Worker):
    def shutdown(self, signum, frame):
        if self.running and self.running_task:
            logger.warning("Received %s: stopping the running job.", signal.strsignal(signum))
            self.running = False
            raise JobStopped(1)
        super().shutdown(signum, frame)


def recover():
    """Mark failed the jobs whose worker stopped; a database busy now is tried again next time."""
    try:
        failed = jobs.fail_expired()
    except DatabaseError:
        logger.exception("Could not look for jobs whose worker stopped; trying again later.")
        return
    if failed:
        logger.warning("Marked %s job(s) failed: their worker had stopped.", failed)


class Supervisor(threading.Thread):
    """Beside the worker: recovers the jobs of dead workers every `interval` seconds and, once a stop
    signal arrived (read from the signal wake-up socket, so even while the worker's thread is busy in
    a long call), ends the process if it has not ended within `stop_seconds`."""

    def __init__(self, *, wakeup, interval, stop_seconds):
        super().__init__(name="job worker supervisor", daemon=True)
        self.wakeup = wakeup
        self.interval = interval
        self.stop_seconds = stop_seconds
        self.finished = threading.Event()

    def run(self):
        next_recovery = time.monotonic() + self.interval
        deadline = math.inf
        while not self.finished.is_set():
            timeout = max(0.0, min(next_recovery, deadline) - time.monotonic())
            readable, _, _ = select.select([self.wakeup], [], [], timeout)
            if readable and STOP_SIGNALS & set(self.wakeup.recv(64)) and deadline == math.inf:
                deadline = time.monotonic() + self.stop_seconds
            if self.finished.is_set():
                return
            now = time.monotonic()
            if now >= deadline:
                logger.error("The running job did not stop within %s s: ending the worker.", self.stop_seconds)
                os._exit(1)
            if now >= next_recovery:
                recover()
                connections.close_all()  # this thread's own: not held open between two recoveries
                next_recovery = now + self.interval


class Command(DatabaseWorkerCommand):
    help = (
        "Run the job worker: django-tasks' database worker that also marks failed the jobs of stopped "
        "workers, and stops the running job on SIGTERM."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(reload=False)

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, **options):
        if reload:
            raise CommandError("The job worker does not reload on code changes: a reload would kill the running job.")
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = JobWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        recover()
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        supervisor = Supervisor(
            wakeup=reader, interval=settings.JOB_LEASE_SECONDS, stop_seconds=settings.JOB_STOP_SECONDS
        )
        previous_wakeup = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        supervisor.start()
        try:
            worker.configure_signals()
            worker.run()
        finally:
            supervisor.finished.set()
            writer.send(b"\0")  # wakes the supervisor, which then sees it is finished
            supervisor.join()
            signal.set_wakeup_fd(previous_wakeup)
            reader.close()
            writer.close()
