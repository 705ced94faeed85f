"""Loading the demo database: the IISG website content, demo logins and a generated mapping."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from iisg.actions.money import load_rates
from iisg.iati.codelists import load_codelists

from .content import load_content
from .logins import demo_users, load_logins
from .mapping import DEFAULT_SEED, MappingSummary, load_mapping, plan


class DemoRefused(Exception):
    """The demo cannot be loaded as asked."""


@dataclass
class DemoSummary:
    events: int
    organisations: int
    mapping: MappingSummary
    logins: list  # (DemoLogin, User) pairs


def load_demo(*, seed=DEFAULT_SEED, with_logins=True):
    """Load the whole demo in one transaction and return what it holds.

    A second call with the same arguments changes nothing: no row is added, changed or deleted and
    no history is recorded. Demo logins share a published password, so they are refused in the
    production mode (DemoRefused) before anything is written.
    """
    if with_logins and settings.MODE == "production":
        raise DemoRefused(
            "Demo logins share a published password and exist only in the embedded mode. "
            "Use --no-logins to load the demo content in production."
        )
    mapping_plan = plan(seed)
    with transaction.atomic():
        load_rates()
        load_codelists()
        content = load_content()
        logins = load_logins(organisations=content.organisations, partners=content.partners) if with_logins else []
        figures = load_mapping(mapping_plan, content=content, users=demo_users())
    return DemoSummary(events=content.events, organisations=len(content.organisations), mapping=figures, logins=logins)
