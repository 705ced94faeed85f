"""Reads of the needs mapping that more than one part of the platform asks."""

import re

from .choices import CycleKind
from .models import Cycle

PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$")


def needs_cycle(given):
    """The needs-mapping cycle named by its period ("2021-2022", "2021–2022", "2021") or its id.
    Raises ValueError, with a sentence for people, when `given` names none."""
    cycles = Cycle.objects.filter(kind=CycleKind.NEEDS)
    period = PERIOD.match(given)
    if period:
        first = int(period.group(1))
        found = cycles.filter(first_year=first, last_year=int(period.group(2) or first)).first()
    elif given.strip().isdigit():
        found = cycles.filter(pk=int(given)).first()
    else:
        raise ValueError(f"Give the cycle as its period (2021-2022) or its id, not {given!r}.")
    if found is None:
        raise ValueError(f"No needs-mapping cycle {given}.")
    return found
