"""Loading the demo database: the IISG website content, demo logins and a generated mapping."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from iisg.actions.money import load_rates
from iisg.iati.codelists import load_codelists

from .actors import Actors
from .content import load_content, load_directory
from .logins import load_logins
from .mapping import DEFAULT_SEED, MappingSummary, load_mapping, plan
from .materials import load_material_files


class DemoRefused(Exception):
    """The demo cannot be loaded as asked."""


@dataclass
class DemoSummary:
    events: int
    organisations: int
    mapping: MappingSummary
    logins: list  # (DemoLogin, User) pairs
    # What differs from the demo's tables and plan but is left as it is, because no step of the
    # rules brings it back (an adopted need is frozen): one sentence each.
    kept: list = field(default_factory=list)


def load_demo(*, seed=DEFAULT_SEED, with_logins=True):
    """Load the whole demo in one transaction and return what it holds.

    Cycles, needs, actions, responses, products and events are written by their services, with
    their rules, steps and history, as the Secretariat (iisg.demo.actors); the directory, logins,
    meetings, decisions, areas, codelists and rates, which have no service, are written directly.
    With settings.DEMO_MATERIAL_FILES, each product gets a first version with a file: the report
    generated for it, or a PDF of what the demo knows of it (iisg.demo.materials).
    A second call with the same arguments changes nothing: no row is added, changed or deleted
    and no history is recorded. Demo logins share a published password, so they are refused in
    the production mode (DemoRefused) before anything is written.
    """
    if with_logins and settings.MODE == "production":
        raise DemoRefused(
            "Demo logins share a published password and exist only in the embedded mode. "
            "Use --no-logins to load the demo content in production."
        )
    mapping_plan = plan(seed)
    kept = []
    with transaction.atomic():
        load_rates()
        load_codelists()
        directory = load_directory()
        logins = load_logins(organisations=directory.organisations, partners=directory.partners) if with_logins else []
        actors = Actors()
        content = load_content(directory, actors=actors, kept=kept)
        figures = load_mapping(mapping_plan, content=content, actors=actors, kept=kept)
        if settings.DEMO_MATERIAL_FILES:
            load_material_files(content.products, needs_cycle=content.needs_cycle, actors=actors)
    return DemoSummary(
        events=content.events, organisations=len(directory.organisations), mapping=figures, logins=logins, kept=kept
    )
