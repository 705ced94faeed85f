"""An IATI activity as the parser reads it, before it touches the database.

The parser (iisg.iati.parser) turns every `iati-activity` element, whatever its version, into one
`Activity`; the importer (iisg.iati.importer) writes it to the actions tables, and the exporter
(iisg.iati.export) writes actions back out as IATI 2.03. Codes are IATI 2.0x codes as strings (a
1.0x word such as "Funding" or "D" already mapped); what could not be mapped keeps its raw form and
is reported as a `Problem`. Money is `Decimal`, never float.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Problem:
    """Something the importer reports: an `error` rejects the activity (or the file, when it has
    no identifier), a `warning` keeps it and says what was odd."""

    severity: str  # "error" | "warning"
    reason: str
    identifier: str = ""
    line: int | None = None
    field: str = ""  # the element or attribute, e.g. "transaction/value/@currency"


@dataclass(frozen=True)
class Unchanged:
    """An activity the importer already holds with the same content hash: not checked or read again."""

    identifier: str
    line: int | None = None


@dataclass
class Narrative:
    lang: str  # the narrative's xml:lang, else the activity's, else ""
    text: str


@dataclass
class Organisation:
    """A reporting, participating, provider or receiver organisation as published."""

    ref: str = ""
    names: list[Narrative] = field(default_factory=list)
    type: str = ""  # OrganisationType code
    role: str = ""  # OrganisationRole code ("1" funding … "4" implementing); participating orgs only
    activity_id: str = ""  # provider-activity-id / receiver-activity-id / participating activity-id

    @property
    def name(self):
        """The English name, else the first one, else the ref."""
        return best_text(self.names) or self.ref


@dataclass
class Value:
    amount: Decimal
    raw: str  # as published, e.g. "116,017"
    currency: str  # the value's own @currency, else the activity's default, else ""
    value_date: date | None


@dataclass
class Sector:
    code: str
    vocabulary: str = "1"  # SectorVocabulary code; 1 = OECD DAC 5-digit
    percentage: Decimal | None = None


@dataclass
class Recipient:
    kind: str  # "country" | "region"
    code: str
    vocabulary: str = ""  # regions only
    percentage: Decimal | None = None


@dataclass
class Budget:
    period_start: date
    period_end: date
    value: Value
    type: str = "1"  # BudgetType
    status: str = "1"  # BudgetStatus (1 = indicative, the schema's default)


@dataclass
class PlannedDisbursement:
    period_start: date
    value: Value
    period_end: date | None = None
    type: str = ""  # BudgetType
    provider: Organisation | None = None
    receiver: Organisation | None = None


@dataclass
class Transaction:
    type: str  # TransactionType code "1" … "13"
    date: date
    value: Value
    reference: str = ""
    description: str = ""
    provider: Organisation | None = None
    receiver: Organisation | None = None
    humanitarian: bool | None = None
    sector: Sector | None = None
    recipient_country: str = ""
    recipient_region: str = ""


@dataclass
class DocumentLink:
    url: str
    format: str = ""
    titles: list[Narrative] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    document_date: date | None = None


@dataclass
class PolicyMarker:
    code: str
    vocabulary: str = "1"
    significance: str = ""


@dataclass
class RelatedActivity:
    type: str  # RelatedActivityType code
    ref: str


@dataclass
class Activity:
    identifier: str  # stripped: the key
    identifier_raw: str  # as published, when it differs (whitespace), else ""
    line: int | None  # where the activity starts in its file
    version: str  # the version found (activity's, else root's), or "unknown"
    language: str = ""  # the activity's xml:lang, else the root's
    default_currency: str = ""
    last_updated: datetime | None = None  # @last-updated-datetime, timezone-aware
    hierarchy: int | None = None
    humanitarian: bool | None = None
    titles: list[Narrative] = field(default_factory=list)
    descriptions: list[tuple[str, Narrative]] = field(default_factory=list)  # (DescriptionType code, text)
    reporting_org: Organisation | None = None
    secondary_reporter: bool = False
    participating_orgs: list[Organisation] = field(default_factory=list)
    status: str = ""  # ActivityStatus code
    planned_start: date | None = None
    actual_start: date | None = None
    planned_end: date | None = None
    actual_end: date | None = None
    recipients: list[Recipient] = field(default_factory=list)
    sectors: list[Sector] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    planned_disbursements: list[PlannedDisbursement] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    document_links: list[DocumentLink] = field(default_factory=list)
    policy_markers: list[PolicyMarker] = field(default_factory=list)
    related_activities: list[RelatedActivity] = field(default_factory=list)
    content_hash: str = ""  # SHA-256 of the activity's bytes as published: unchanged ones are skipped
    problems: list[Problem] = field(default_factory=list)  # warnings only; an error rejects the activity

    @property
    def title(self):
        return best_text(self.titles)

    @property
    def description(self):
        """The general description (type 1) in English, else the first one."""
        general = [text for kind, text in self.descriptions if kind in ("", "1")]
        return best_text(general or [text for _, text in self.descriptions])

    @property
    def recipient_countries(self):
        """Countries on the activity and on its transactions."""
        codes = {r.code for r in self.recipients if r.kind == "country"}
        codes.update(t.recipient_country for t in self.transactions if t.recipient_country)
        return codes

    @property
    def sector_codes(self):
        """Sector codes on the activity and on its transactions."""
        codes = {s.code for s in self.sectors}
        codes.update(t.sector.code for t in self.transactions if t.sector)
        return codes


def best_text(narratives, lang="en"):
    """The text in `lang`, else in English, else the first one; "" when there is none."""
    for wanted in (lang, "en", ""):
        for narrative in narratives:
            if narrative.lang == wanted and narrative.text:
                return narrative.text
    return next((n.text for n in narratives if n.text), "")
