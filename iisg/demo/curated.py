"""The curated tables of the demo (data/*.toml), read into plain records.

They hold what a person read off the website excerpts (dates, places, kinds, who organised what)
and the directory of organisations; the website texts themselves are read from the files.
"""

import datetime
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
EVERY_PARTNER = "all"


@dataclass(frozen=True)
class OrganisationEntry:
    key: str
    name: str
    kind: str
    acronym: str = ""
    partner: str | None = None
    country: str = ""
    iati: str | None = None
    website: str = ""


@dataclass(frozen=True)
class PartnerEntry:
    code: str
    name: str
    capital: str
    ministry: str
    has_designation_footnote: bool = False

    @property
    def display_name(self):
        return f"{self.name}*" if self.has_designation_footnote else self.name


@dataclass(frozen=True)
class PillarEntry:
    code: str
    acronym: str
    name: str
    colour: str
    objective: str = ""


@dataclass(frozen=True)
class EventEntry:
    title: str
    source: str
    kind: str
    start: datetime.date | None = None
    end: datetime.date | None = None
    city: str = ""
    country: str = ""
    mode: str = "in_person"
    pillars: tuple = ()
    partners: tuple | str = ()
    organisers: tuple = ()
    participants: tuple = ()
    meeting: dict | None = None
    board_page: str | None = None
    board_page_date: str | None = None
    opening: str | None = None

    def partner_codes(self, every_code):
        return tuple(every_code) if self.partners == EVERY_PARTNER else tuple(self.partners)


@dataclass(frozen=True)
class SupportGroupEntry:
    line: str
    organisation: str
    note: str = ""


@dataclass(frozen=True)
class ProductEntry:
    key: str
    title: str
    kind: str
    status: str
    pillars: tuple = ()
    wbbsi_line: str | None = None
    description: str = ""


@dataclass(frozen=True)
class DecisionEntry:
    number: int
    kind: str
    text: str
    pillars: tuple = ()
    cycle: dict | None = None
    product: str | None = None
    admitted: tuple = ()


@dataclass(frozen=True)
class Tables:
    organisations: tuple
    partners: tuple
    pillars: tuple
    events: tuple
    board: tuple
    secretariat: tuple
    wbbsi_support_group: tuple
    products: tuple
    decisions: tuple

    @property
    def partner_codes(self):
        return tuple(partner.code for partner in self.partners)


def _read(name):
    with (DATA_DIR / name).open("rb") as file:
        return tomllib.load(file)


def _records(cls, items):
    return tuple(
        cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in item.items()})
        for item in items
    )


@functools.cache
def tables():
    """All curated tables, read once per process."""
    organisations = _read("organisations.toml")
    directory = _read("directory.toml")
    events = _read("events.toml")
    governance = _read("governance.toml")
    return Tables(
        organisations=_records(OrganisationEntry, organisations["organisation"]),
        partners=_records(PartnerEntry, directory["partner"]),
        pillars=_records(PillarEntry, directory["pillar"]),
        events=_records(EventEntry, events["event"]),
        board=tuple(governance["board"]),
        secretariat=tuple(governance["secretariat"]),
        wbbsi_support_group=_records(SupportGroupEntry, governance["wbbsi_support_group"]),
        products=_records(ProductEntry, governance["product"]),
        decisions=_records(DecisionEntry, governance["decision"]),
    )
