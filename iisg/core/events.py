"""Workflow steps as events: a service that moves a record one step (a need submitted, a cycle
opened, a run finished) announces it here, and whoever listens (the workplace: notifications and
mail) reacts once the step's transaction is committed. A step rolled back is never announced.

The services know nothing of who is told or how; the listeners know nothing of how a step is done.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import transaction
from django.dispatch import Signal

from .choices import Step

# While set, steps are done without telling anyone (silenced()).
_silenced = ContextVar("iisg_events_silenced", default=False)

# Sent with `event`, an Event, after the transaction that did the step committed.
step_done = Signal()


@dataclass(frozen=True)
class Event:
    step: Step
    target: object
    actor: object = None
    comment: str = ""
    details: dict = field(default_factory=dict)


def announce(step, *, target, actor=None, comment="", **details):
    """Announce that `actor` did `step` on `target`, once the current transaction commits."""
    if _silenced.get():
        return
    event = Event(step=Step(step), target=target, actor=actor, comment=comment or "", details=details)
    transaction.on_commit(lambda: step_done.send(sender=type(target), event=event), robust=True)


@contextmanager
def silenced():
    """Do steps without announcing them: for writing a past that nobody needs telling about (the
    demo's adopted mappings), never for people's own work."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)
