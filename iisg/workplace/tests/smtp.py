"""A real SMTP server for the tests (aiosmtpd, in a thread of the test process), and the running
of queued mail jobs as the job worker runs them. The root conftest's `smtp_server` and
`deliver_queued_mail` fixtures hand these to every app's tests."""

import email
import socket
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One message as the server received it: the envelope, the parsed message and its two bodies."""

    sender: str
    recipients: tuple
    message: EmailMessage

    @property
    def subject(self):
        # A long non-ASCII subject is folded after "Subject:", and the unfolded value keeps that
        # line's leading space; mail clients do not show it.
        return str(self.message["Subject"]).strip()

    @property
    def to(self):
        return self.message["To"]

    @property
    def from_(self):
        return self.message["From"]

    @property
    def text(self):
        """The plain-text body ("" when there is none)."""
        return self._body("plain")

    @property
    def html(self):
        """The HTML alternative ("" when there is none)."""
        return self._body("html")

    def _body(self, subtype):
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""


class Collector:
    """aiosmtpd's handler: keeps each message, or refuses it with `refusal` ("451 4.3.0 Try again
    later") while one is set."""

    def __init__(self):
        self.received = []
        self.refusal = None
        self.refused = 0
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        if self.refusal:
            self.refused += 1
            return self.refusal
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.arrived:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class SmtpServer:
    """An SMTP server on 127.0.0.1 at a free port that keeps what it receives (`messages`)."""

    def __init__(self):
        self.collector = Collector()
        self.host = HOST
        self.port = free_port()
        self.controller = Controller(self.collector, hostname=self.host, port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    @property
    def messages(self):
        """Every message received so far, oldest first."""
        with self.collector.arrived:
            return list(self.collector.received)

    def refuse(self, reply="451 4.3.0 Try again later"):
        """Answer every message with `reply` (an SMTP reply: "451 …" or "550 …") until `accept()`."""
        self.collector.refusal = reply

    def accept(self):
        self.collector.refusal = None

    @property
    def refused(self):
        """How many messages were refused."""
        return self.collector.refused

    def wait_for(self, count, timeout=10):
        """The messages once at least `count` have arrived; AssertionError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self.collector.arrived:
            while len(self.collector.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self.collector.received)} message(s) arrived at the SMTP server, not {count}, "
                        f"within {timeout} s."
                    )
                self.collector.arrived.wait(left)
            return list(self.collector.received)

    def to(self, address):
        """The messages whose envelope named `address`."""
        return [message for message in self.messages if address in message.recipients]


def run_queued_mail_jobs():
    """Run, one by one as the job worker does (django_tasks_db's Worker.run_task, which records each
    result), every send_mail job of the database queue that is due now, until none is left: a
    retry queued without delay (MAIL_RETRY_SECONDS = 0) runs too. Answers how many ran."""
    from iisg.workplace.mail import send_mail

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=send_mail.backend,
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(12),
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        due = DBTaskResult.objects.ready().filter(task_path=send_mail.module_path).order_by("enqueued_at").first()
        if due is None:
            return ran
        due.claim(worker.worker_id)
        worker.run_task(due)
        ran += 1
