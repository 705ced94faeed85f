"""The IATI codelists: loaded from ../shared/data/iati/codelists/ into CodelistEntry, read back for the
import (which codes exist) and the UI (their names), and the tables that turn 1.0x words into codes.

Codes are stored as published, withdrawn ones included: older files still use them, and an unknown
code is reported by the parser, never dropped. The word tables are read from the codelist files, not
from the database, so that the parser works without one.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from lxml import etree

from .models import CodelistEntry

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The DAC sectors: SectorVocabulary 1 is the OECD DAC 5-digit purpose codes, named by the codelist
# "Sector"; vocabulary 2 their 3-digit categories, named by "SectorCategory".
DAC_5_DIGIT = "1"
SECTOR_CODELIST = "Sector"
SECTOR_CATEGORY_CODELIST = "SectorCategory"
SECTOR_CODELISTS = {DAC_5_DIGIT: SECTOR_CODELIST, "2": SECTOR_CATEGORY_CODELIST}
_CODE_LENGTH = CodelistEntry._meta.get_field("code").max_length
_NAME_LENGTH = CodelistEntry._meta.get_field("name").max_length
_CATEGORY_LENGTH = CodelistEntry._meta.get_field("category").max_length

# What 1.0x files say that the 2.03 codelists no longer hold: the 1.0x letter codes and names of
# transaction types, the date types and the vocabulary words. Matched without regard to case.
V1_WORDS = {
    "TransactionType": {
        "IF": "1",
        "C": "2",
        "D": "3",
        "E": "4",
        "IR": "5",
        "LR": "6",
        "R": "7",
        "QP": "8",
        "QS": "9",
        "CG": "10",
        "Commitment": "2",
        "Interest Repayment": "5",
    },
    "ActivityDateType": {"start-planned": "1", "start-actual": "2", "end-planned": "3", "end-actual": "4"},
    "SectorVocabulary": {
        "DAC": "1",
        "DAC-3": "2",
        "COFOG": "3",
        "NACE": "4",
        "NTEE": "5",
        "ADT": "6",
        "RO": "99",
        "RO2": "98",
    },
    "PolicyMarkerVocabulary": {"DAC": "1", "RO": "99"},
    "RegionVocabulary": {"DAC": "1", "UN": "2"},
}
# Before 1.0 (OCHA's layout), an incoming transaction had no type but a status word.
PRE_V1_INCOMING = {"pledge": "13", "commitment": "11", "paid contribution": "1", "contribution": "1"}
# The codelists whose English names a 1.0x file may use in place of the code.
WORDED_CODELISTS = (
    "ActivityDateType",
    "ActivityStatus",
    "BudgetStatus",
    "BudgetType",
    "DescriptionType",
    "OrganisationRole",
    "OrganisationType",
    "PolicyMarkerVocabulary",
    "PolicySignificance",
    "RegionVocabulary",
    "RelatedActivityType",
    "SectorVocabulary",
    "TransactionType",
)


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    description: str
    category: str
    withdrawn: bool


def codelists_dir():
    return Path(settings.SHARED_DATA_DIR) / "iati" / "codelists" / "xml"


def read_codelist(path):
    """The name of the codelist in the file at `path` and its items, each code once (the first)."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)).getroot()
    items, seen = [], set()
    for element in root.iterfind("codelist-items/codelist-item"):
        code = (element.findtext("code") or "").strip()
        if not code or code in seen:
            continue
        seen.add(code)
        items.append(
            Item(
                code=code,
                name=_english(element.find("name")) or code,
                description=_english(element.find("description")),
                category=(element.findtext("category") or "").strip(),
                withdrawn=element.get("status") == "withdrawn" or bool(element.get("withdrawal-date")),
            )
        )
    return root.get("name") or Path(path).stem, items


def _english(element):
    """The English narrative of `element` (or its only one), whitespace folded; "" without one."""
    if element is None:
        return ""
    narratives = element.findall("narrative")
    chosen = next((n for n in narratives if n.get(XML_LANG, "en") == "en"), narratives[0] if narratives else None)
    return " ".join((chosen.text or "").split()) if chosen is not None else ""


@transaction.atomic
def load_codelists(directory=None):
    """Upsert every codelist file (*.xml) of `directory` (the shared codelists by default) into
    CodelistEntry, with its English name, description, category and withdrawn status.

    A second run changes nothing. A code that a codelist no longer holds is kept and marked
    withdrawn, so that older imports keep its name. A code longer than the table allows is left out
    and counted as `too_long`. Returns the counts: codelists, created, updated, unchanged,
    withdrawn, too_long.
    """
    directory = Path(directory or codelists_dir())
    existing = defaultdict(dict)
    for entry in CodelistEntry.objects.all():
        existing[entry.codelist][entry.code] = entry
    created, updated, withdrawn = [], [], []
    counts = {"codelists": 0, "unchanged": 0, "too_long": 0}
    for path in sorted(directory.glob("*.xml")):
        name, items = read_codelist(path)
        counts["codelists"] += 1
        stored = existing.pop(name, {})
        for item in items:
            if len(item.code) > _CODE_LENGTH:
                counts["too_long"] += 1
                continue
            values = {
                "name": _clip(item.name, _NAME_LENGTH),
                "description": item.description,
                "category": _clip(item.category, _CATEGORY_LENGTH),
                "withdrawn": item.withdrawn,
            }
            entry = stored.pop(item.code, None)
            if entry is None:
                created.append(CodelistEntry(codelist=name, code=item.code, **values))
            elif any(getattr(entry, field) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(entry, field, value)
                updated.append(entry)
            else:
                counts["unchanged"] += 1
        for entry in stored.values():  # no longer in the codelist
            if not entry.withdrawn:
                entry.withdrawn = True
                withdrawn.append(entry)
    CodelistEntry.objects.bulk_create(created, batch_size=1000)
    CodelistEntry.objects.bulk_update(updated + withdrawn, ["name", "description", "category", "withdrawn"], 1000)
    clear_cache()
    return counts | {"created": len(created), "updated": len(updated), "withdrawn": len(withdrawn)}


def _clip(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"


_cache = {}


def is_dac_code(code):
    """A DAC 5-digit purpose code ("12220"), not a 3-digit category or another vocabulary's code."""
    return len(code) == 5 and code.isdigit()


def clear_cache():
    """Forget the codes and names read from the database in this process."""
    _cache.clear()


def known_codes():
    """Every code of every loaded codelist, withdrawn ones included: {codelist: frozenset(codes)}.
    Read once per process (again after load_codelists); {} while no codelist is loaded."""
    if "codes" not in _cache:
        codes = {}
        for codelist, code in CodelistEntry.objects.values_list("codelist", "code").iterator(chunk_size=5000):
            codes.setdefault(codelist, set()).add(code)
        if not codes:
            return {}  # not cached: a process started before the codelists were loaded picks them up later
        _cache["codes"] = {codelist: frozenset(values) for codelist, values in codes.items()}
    return _cache["codes"]


def names(codelist):
    """The English name of every code of `codelist`: {code: name}, read once per process."""
    key = ("names", codelist)
    if key not in _cache:
        found = dict(CodelistEntry.objects.filter(codelist=codelist).values_list("code", "name"))
        if not found:
            return {}
        _cache[key] = found
    return _cache[key]


@cache
def words():
    """For each codelist a 1.0x file may fill with words, what each word (lower case) means as a
    2.0x code: the codes themselves, their English names, and the 1.0x words of V1_WORDS. Read from
    the codelist files once per process."""
    tables = {}
    for codelist in WORDED_CODELISTS:
        path = codelists_dir() / f"{codelist}.xml"
        _name, items = read_codelist(path)
        table = {item.code.lower(): item.code for item in items}
        for item in items:
            table.setdefault(item.name.lower(), item.code)
        table.update({word.lower(): code for word, code in V1_WORDS.get(codelist, {}).items()})
        tables[codelist] = table
    return tables


@cache
def file_codes(codelist):
    """The codes of `codelist` as its file holds them (no database needed)."""
    _name, items = read_codelist(codelists_dir() / f"{codelist}.xml")
    return frozenset(item.code for item in items)
