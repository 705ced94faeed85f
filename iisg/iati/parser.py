"""The streaming IATI parser: an activity file of any version in, `Activity` and `Problem` out.

`read()` hands lxml the file's raw bytes through a hardened `iterparse` (no DTD, no entity, no
network) and clears every activity and its earlier siblings once read, so memory stays flat
whatever the file size. What it decides, row by row of ../shared/data/iati/PITFALLS.md:

- Refused as a whole (BrokenFile, with the line and lxml's reason): a file that is not well formed,
  carries a DTD (any DOCTYPE, even one without entities), has a root other than `iati-activities`
  (a single `iati-activity`, which some 1.0x publishers send, is read as a file of one), or cannot
  be decoded. UTF-16 and UTF-32 are read as they come; a BOM stays, blank lines before `<?xml` go.
  Bytes that are not UTF-8 in a file that says it is (or says nothing) are read again as
  windows-1252, with a warning for the file.
- Versions: the activity's @version, else the root's; 1.x is read as 1.0x, 2.x as 2.0x. A missing or
  junk version is stored as "unknown", reported once for the file, and each activity is read as
  1.0x when its titles, names or descriptions sit directly in their elements without narratives,
  else as 2.0x.
- 2.0x activities are checked against the 2.03 schema: one that breaks it is rejected with the
  schema's message; a root that breaks it (no version, a generated-datetime without a time) is an
  error for the file (identifier "") while its activities still import.
- An activity without an identifier is rejected; the pre-1.0 layout (OCHA), which has none, gets
  `<reporting-org ref>-<other-identifier>` and a warning. One larger than `max_activity_bytes` is
  rejected with its size; its elements are dropped as it streams by.
- 1.0x words (transaction types, date types, roles, vocabularies, budget types…) map through the
  tables of iisg.iati.codelists, without regard to case; what does not map is kept as published
  and reported, except a transaction type: that transaction is left out with a warning.
- Dates: @iso-date must be an xsd:date. A 1.0x date given as text is taken only when it reads one
  way: ISO, or day and month in either order when only one order is a date. The rest is flagged.
- Numbers are Decimal, negative ones kept. xsd:decimal is taken as is (a lone point is a decimal
  point); thousands separators only when they cannot be read as a decimal separator (`1,234,567`,
  `1,234.50`, `1.234.567,50`), with a warning.
  `116,017` or `20,000` may mean a thousand times less: that transaction, budget or planned
  disbursement is left out with a warning (in 2.0x the schema already rejects the activity).
- Currency: the value's own, else the activity's default, else "". A transaction without a date
  takes its value date, with a warning.
- Sector percentages are checked per vocabulary, recipient ones together, within
  PERCENT_TOLERANCE: a warning, never a correction.
- With `codes` (codelists.known_codes()), a code missing from its codelist is kept and reported.
"""

import codecs
import hashlib
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from . import codelists
from .activity import (
    Activity,
    Budget,
    DocumentLink,
    Narrative,
    Organisation,
    PlannedDisbursement,
    PolicyMarker,
    Problem,
    Recipient,
    RelatedActivity,
    Sector,
    Transaction,
    Unchanged,
    Value,
    best_text,
)

MAX_ACTIVITY_BYTES = 20 * 1024 * 1024
PERCENT_TOLERANCE = Decimal("1")
HEAD_BYTES = 64 * 1024  # read before parsing: the encoding, the blank lines to drop, the root
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HARDENED = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    # libxml2's own limits (text nodes, depth, entity amplification) stay on.
    "huge_tree": False,
}
_ROOTS = ("iati-activities", "iati-activity")
_VERSION = re.compile(r"([12])\.\d{1,2}")
_XSD_DATE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)(?:Z|[+-]\d\d:\d\d)?")
_XSD_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")
_DAY_MONTH = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_XSD_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
# Grouped thousands that cannot be a decimal separator: two groups or more, or both separators.
_COMMA_GROUPS = re.compile(r"[+-]?\d{1,3}(?:(?:,\d{3}){2,}(?:\.\d+)?|,\d{3}\.\d+)")
_POINT_GROUPS = re.compile(r"[+-]?\d{1,3}(?:(?:\.\d{3}){2,}(?:,\d+)?|\.\d{3},\d+)")
_LINE_SUFFIX = re.compile(r",? line \d+, column \d+$")
_TRUE, _FALSE = ("1", "true"), ("0", "false")
_V1_TEXTS = ("title", "description", "reporting-org", "participating-org", "activity-status", "sector")
_DATE_FIELDS = {"1": "planned_start", "2": "actual_start", "3": "planned_end", "4": "actual_end"}
_WINDOWS_1252 = "iati-windows-1252"
# Named in warnings only; lazy, since translating costs more than reading a transaction.
_A_BUDGET = gettext_lazy("A budget")
_A_PLANNED_DISBURSEMENT = gettext_lazy("A planned disbursement")
_A_TRANSACTION = gettext_lazy("A transaction")
_RECIPIENTS = gettext_lazy("Recipient countries and regions")


class BrokenFile(Exception):
    """The file is refused as a whole: not well formed, a DTD, not IATI, or not decodable."""

    def __init__(self, reason, line=None):
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line else reason)


def read(source, *, codes=None, progress=None, max_activity_bytes=MAX_ACTIVITY_BYTES, known=None):
    """Yield, in file order, an `Activity` for each accepted activity (its warnings in
    `.problems`), a `Problem(severity="error")` for each rejected one, and Problems with no
    identifier for the file itself.

    `source` is a path or a binary file object (read from where it stands, not closed). `codes`
    maps codelist names to their codes; a code missing from its codelist is reported. `progress`
    is called with (bytes read, file size or None) about every 1% and once at the end. An
    activity larger than `max_activity_bytes` is rejected. `known` maps identifiers to the content
    hashes the caller holds: an activity whose identifier and hash match is yielded as `Unchanged`,
    neither checked nor read again (a re-import of the same file). Raises BrokenFile, possibly after some
    items were yielded, when the file is refused as a whole.
    """
    with _Input(source, progress) as data:
        yield from _File(data, codes=codes or {}, max_activity_bytes=max_activity_bytes, known=known).items()


def content_hash(element):
    """The SHA-256 of the activity as published: the same bytes, the same hash."""
    return hashlib.sha256(etree.tostring(element, with_tail=False)).hexdigest()


@cache
def activity_schema():
    """The IATI 2.03 activity schema, loaded once, from local files only."""
    path = Path(settings.SHARED_DATA_DIR) / "iati" / "schema" / "iati-activities-schema.xsd"
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(**HARDENED)))


# Reading the bytes -------------------------------------------------------------------------------


def _windows_1252(error):
    """Decode the bytes UTF-8 refused as windows-1252 (its five unassigned bytes as Latin-1)."""
    bad = error.object[error.start : error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


codecs.register_error(_WINDOWS_1252, _windows_1252)


class _Input:
    """The file's bytes as lxml reads them: leading blank space dropped, counted for progress and
    the size cap, and transcoded by hand only after lxml refused them."""

    def __init__(self, source, progress=None):
        self.progress = progress
        self.reported = 0  # progress never goes back, even when a second pass reads the file again
        self.owned = isinstance(source, str | Path)
        self.handle = open(source, "rb") if self.owned else source  # noqa: SIM115 (closed by __exit__)
        self.start = self.handle.tell() if self.handle.seekable() else None
        self.total = None
        if self.start is not None:
            self.total = self.handle.seek(0, 2) - self.start
            self.handle.seek(self.start)
        self.transcoding = False
        self.watched = None  # the activity being read, while it is not complete
        self._prepare()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.owned:
            self.handle.close()

    def _prepare(self):
        self.done = 0
        self.watch(None)
        head = self._raw(HEAD_BYTES)
        self.unit, self.bom, self.codec = _encoding_family(head)
        self.encoding = None
        if self.unit == 4:
            # libxml2 reads UTF-32 only when told; the bytes still go to it untouched.
            self.encoding = self.codec if not self.bom else "UTF-32"
        body = head[len(self.bom) :]
        blanks = {c.encode(self.codec) for c in " \t\r\n"}
        while body:
            offset = 0
            while body[offset : offset + self.unit] in blanks:
                offset += self.unit
            body = body[offset:]
            if body:
                break
            body = self._raw(HEAD_BYTES)
        self.head = self.first_bytes = self.bom + body
        self.decoder = None

    def _raw(self, size):
        data = self.handle.read(size)
        self.done += len(data)
        if self.progress is not None and self.done >= self.reported + (self.total or 400 * 1024 * 1024) // 100:
            self.reported = self.done
            self.progress(self.done, self.total)
        return data

    def report_end(self):
        if self.progress is not None:
            self.progress(self.total if self.total is not None else max(self.done, self.reported), self.total)

    def restart_as_windows_1252(self):
        """Read again from the start, the bytes that are not UTF-8 taken as windows-1252."""
        if self.start is None:
            return False
        self.handle.seek(self.start)
        self._prepare()
        self.transcoding = True
        self.encoding = "UTF-8"
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors=_WINDOWS_1252)
        return True

    def watch(self, element, cap=None):
        self.watched, self.watched_at, self.cap, self.oversized = element, self.done, cap, None

    def read(self, size):
        if self.watched is not None and self.done - self.watched_at > self.cap:
            self._drop_watched()
        while True:
            if self.head:
                data, self.head = self.head, b""
            else:
                data = self._raw(size)
            if self.decoder is None:
                return data
            text = self.decoder.decode(data, final=not data)
            if text or not data:
                return text.encode("utf-8")

    def _drop_watched(self):
        """Drop what the oversized activity holds so far, but the elements still open (the last
        child at each level), which the parser is filling."""
        activity = self.watched
        if self.oversized is None:
            self.oversized = (_child_text(activity, "iati-identifier") or "").strip()
        node = activity
        while len(node):
            for child in node[:-1]:
                node.remove(child)
            node = node[-1]


def _encoding_family(head):
    """(bytes per unit, BOM, codec) of the file from its first bytes; 8-bit files (UTF-8 and the
    like) say latin-1, enough to find blank space and a DOCTYPE."""
    for bom, unit, codec in (
        (codecs.BOM_UTF32_LE, 4, "UTF-32LE"),
        (codecs.BOM_UTF32_BE, 4, "UTF-32BE"),
        (codecs.BOM_UTF8, 1, "utf-8"),
        (codecs.BOM_UTF16_LE, 2, "UTF-16LE"),
        (codecs.BOM_UTF16_BE, 2, "UTF-16BE"),
    ):
        if head.startswith(bom):
            return unit, bom, codec
    zeros = tuple(b == 0 for b in head[:4])
    family = {
        (False, True, True, True): (4, "UTF-32LE"),
        (True, True, True, False): (4, "UTF-32BE"),
        (False, True, False, True): (2, "UTF-16LE"),
        (True, False, True, False): (2, "UTF-16BE"),
    }.get(zeros, (1, "latin-1"))
    return family[0], b"", family[1]


# Reading the file ---------------------------------------------------------------------------------


class _File:
    """One pass over a file, kept across a second pass when the bytes had to be transcoded."""

    def __init__(self, data, *, codes, max_activity_bytes, known=None):
        self.data = data
        self.codes = codes
        self.known = known or {}
        self.cap = max_activity_bytes
        self.noted = set()  # file-level problems already yielded: a second pass finds them again
        self.started_root = False
        self.read_activities = 0
        self.skip = 0

    def items(self):
        self._sniff()
        while True:
            try:
                yield from self._parse()
                return
            except etree.XMLSyntaxError as error:
                if error.code == etree.ErrorTypes.ERR_INVALID_ENCODING and self._retry():
                    continue
                raise self._broken(error) from None

    def _retry(self):
        if self.data.unit != 1 or self.data.transcoding or not self.data.restart_as_windows_1252():
            return False
        self.skip, self.read_activities = self.read_activities, 0
        return True

    def _sniff(self):
        """Refuse a DTD or a foreign root from the first bytes, before streaming a large file."""
        parser = etree.XMLPullParser(events=("start",), encoding=self.data.encoding, **HARDENED)
        try:
            parser.feed(self.data.head)
            root = next((element for _event, element in parser.read_events()), None)
        except etree.XMLSyntaxError:
            return  # the streaming pass meets it again and says why
        if root is not None:
            self._check_document(root)

    def _check_document(self, root):
        info = root.getroottree().docinfo
        if info.internalDTD is not None or info.doctype or info.system_url:
            raise BrokenFile(_dtd_refused(), root.sourceline)
        if root.tag not in _ROOTS:
            raise BrokenFile(
                _("The root element is %(tag)s, not iati-activities: this is not an IATI activity file.")
                % {"tag": root.tag},
                root.sourceline,
            )

    def _broken(self, error):
        reason = _LINE_SUFFIX.sub("", error.msg or str(error))
        if not self.started_root and self._declares_dtd():
            reason = f"{_dtd_refused()} ({reason})"
        elif error.code == etree.ErrorTypes.ERR_INVALID_ENCODING:
            reason = _("The file cannot be decoded: %(reason)s") % {"reason": reason}
        return BrokenFile(reason, error.lineno or None)

    def _declares_dtd(self):
        return "<!DOCTYPE".encode(self.data.codec) in self.data.first_bytes

    def _parse(self):
        data = self.data
        self.started_root = False
        self.root = None
        self.root_checked = False
        seen_activities = 0
        # Comments are dropped: they are not content, and an edited comment must not make an
        # activity's content hash change.
        context = etree.iterparse(
            data, events=("start", "end"), tag=_ROOTS, encoding=data.encoding, remove_comments=True, **HARDENED
        )
        if data.transcoding:
            yield from self._note(
                _("The file is not valid UTF-8: the bytes that are not were read as windows-1252."), "", None
            )
        for event, element in context:
            if event == "start":
                if element.getparent() is None:
                    self.started_root = True
                    yield from self._open(element)
                if element.tag == "iati-activity":
                    data.watch(element, self.cap)
                continue
            if element.tag != "iati-activity":
                continue
            seen_activities += 1
            oversized = data.oversized
            if oversized is None and data.done - data.watched_at > self.cap:
                oversized = (_child_text(element, "iati-identifier") or "").strip()
            data.watch(None)
            if self.skip:
                self.skip -= 1
            elif oversized is not None:
                self.read_activities += 1
                yield Problem(
                    "error",
                    _("The activity is larger than the %(cap)s MB allowed for one activity; it was left out.")
                    % {"cap": f"{self.cap / (1024 * 1024):g}"},
                    oversized,
                    element.sourceline,
                    "iati-activity",
                )
            else:
                self.read_activities += 1
                yield from self._activity(element)
            _clear(element)
        if context.root is None or not self.started_root:
            root = context.root
            raise BrokenFile(
                _("The root element is %(tag)s, not iati-activities: this is not an IATI activity file.")
                % {"tag": root.tag if root is not None else "missing"},
                root.sourceline if root is not None else None,
            )
        if not seen_activities:
            if self.version_major is None and not self.root_checked:
                yield from self._check_root()
            yield from self._note(_("The file holds no activity."), "iati-activity", context.root.sourceline)
        data.report_end()

    def _open(self, root):
        """The root's checks and defaults: a DTD, the version, the language."""
        self._check_document(root)
        self.root = root
        self.bare = root.tag == "iati-activity"
        self.root_lang = "" if self.bare else (root.get(XML_LANG) or "").strip()
        self.root_version = "" if self.bare else (root.get("version") or "").strip()
        match = _VERSION.fullmatch(self.root_version)
        self.version_major = match.group(1) if match else None
        if self.bare:
            yield from self._note(
                _("The file's root is a single iati-activity, not iati-activities: it is read as a file of one."),
                "iati-activity",
                root.sourceline,
            )
        elif self.version_major is None:
            yield from self._note(
                _(
                    "The file's IATI version is %(version)s: each activity is read as 1.0x when its texts "
                    "sit directly in their elements, else as 2.0x, and its version is stored as unknown."
                )
                % {"version": repr(self.root_version) if self.root_version else _("missing")},
                "iati-activities/@version",
                root.sourceline,
            )
        elif self.version_major == "2":
            yield from self._check_root()

    def _check_root(self):
        """Check the root's attributes against the schema (its content is checked per activity)."""
        self.root_checked = True
        if self.root is None or self.bare:
            return
        schema = activity_schema()
        schema.validate(etree.Element(self.root.tag, dict(self.root.attrib)))
        for error in schema.error_log:
            if error.type != etree.ErrorTypes.SCHEMAV_ELEMENT_CONTENT:
                yield from self._note(error.message, "iati-activities", self.root.sourceline, severity="error")

    def _note(self, reason, field_name, line, severity="warning"):
        if (reason, field_name) not in self.noted:
            self.noted.add((reason, field_name))
            yield Problem(severity, reason, "", line, field_name)

    def _activity(self, element):
        """The activity of `element`: checked against the schema when 2.0x, then read."""
        own_version = (element.get("version") or "").strip()
        version = own_version or self.root_version
        match = _VERSION.fullmatch(version)
        if match:
            major = match.group(1)
        else:
            major = _layout(element)
            version = "unknown"
        raw_identifier = _child_text(element, "iati-identifier")
        identifier = (raw_identifier or "").strip()
        if identifier and identifier in self.known and self.known[identifier] == content_hash(element):
            yield Unchanged(identifier, element.sourceline)
            return
        if major == "2":
            if not self.root_checked and self.version_major is None:
                yield from self._check_root()
            schema = activity_schema()
            if not schema.validate(element):
                yield _schema_problem(schema.error_log, identifier, element.sourceline)
                return
        yield _Reader(element, major=major, version=version, file=self).read(raw_identifier)


def _layout(activity):
    """The major version an activity without one is written in: 2 when it holds narratives, 1 when
    its names and texts sit directly in their elements, else 2, the current version."""
    if next(activity.iter("narrative"), None) is not None:
        return "2"
    for child in activity.iterchildren(*_V1_TEXTS):
        if child.text and child.text.strip():
            return "1"
    return "2"


def _schema_problem(errors, identifier, line):
    first = errors[0]
    reason = first.message
    if len(errors) > 1:
        reason += " " + _("(and %(count)s more schema errors)") % {"count": len(errors) - 1}
    path = re.sub(r"^/iati-activity/?", "", first.path or "")
    return Problem("error", reason, identifier, first.line or line, path or "iati-activity")


def _child(element, tag):
    """The first child of `element` named `tag`, else None (faster than find(), which parses a path)."""
    return next(element.iterchildren(tag), None)


def _first_children(element):
    """The first child of each name: {tag: element}."""
    parts = {}
    for child in element.iterchildren(tag=etree.Element):
        parts.setdefault(child.tag, child)
    return parts


def _child_text(element, tag):
    """The text of the first child named `tag` ("" when empty), else None, like findtext()."""
    child = next(element.iterchildren(tag), None)
    return None if child is None else child.text or ""


def _clear(element):
    """Free the activity and what came before it in the root: memory stays flat."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _dtd_refused():
    return _(
        "The file declares a DTD (<!DOCTYPE …>). IATI files have none, and DTDs and entities are refused: "
        "they can expand without end or read other files."
    )


# Reading one activity ----------------------------------------------------------------------------


class _Reader:
    """Turns one `iati-activity` element into an Activity (or an error Problem), collecting its
    warnings."""

    def __init__(self, element, *, major, version, file):
        self.element = element
        self.v1 = major == "1"
        self.version = version
        self.codes = file.codes
        self.words = codelists.words()
        self.lang = (element.get(XML_LANG) or "").strip() or file.root_lang
        self.default_currency = (element.get("default-currency") or "").strip().upper()
        self.pre_v1 = self.v1 and version == "unknown"
        self.identifier = ""
        self.problems = []
        self.reported = set()

    def warn(self, reason, field_name, element=None):
        line = (element if element is not None else self.element).sourceline
        self.problems.append(Problem("warning", reason, self.identifier, line, field_name))

    def read(self, raw_identifier):
        element = self.element
        identifier = (raw_identifier or "").strip()
        derived = None
        if raw_identifier is None and self.pre_v1:
            derived = self._pre_v1_identifier()
        self.identifier = identifier or derived or ""
        if not self.identifier:
            return Problem(
                "error",
                _("The activity has no IATI identifier; it was left out."),
                "",
                element.sourceline,
                "iati-identifier",
            )
        activity = Activity(
            identifier=self.identifier,
            identifier_raw="",
            line=element.sourceline,
            version=self.version,
            language=self.lang,
            default_currency=self.default_currency,
        )
        if derived:
            self.warn(
                _(
                    "The activity has no iati-identifier (the layout before IATI 1.0): %(identifier)s was "
                    "made of its reporting organisation's reference and its other identifier."
                )
                % {"identifier": derived},
                "iati-identifier",
            )
        elif raw_identifier != identifier or any(c.isspace() for c in identifier):
            activity.identifier_raw = raw_identifier
            self.warn(
                _("The identifier %(raw)r holds blank space; it is read as %(identifier)r.")
                % {"raw": raw_identifier, "identifier": identifier},
                "iati-identifier",
            )
        self.activity = activity
        self._attributes(activity)
        for child in element.iterchildren(tag=etree.Element):
            handler = _HANDLERS.get(child.tag)
            if handler is not None:
                handler(self, child)
        self._check_shares(activity)
        activity.content_hash = content_hash(element)
        activity.problems = self.problems
        return activity

    def _pre_v1_identifier(self):
        other = (_child_text(self.element, "other-identifier") or "").strip()
        reporting = _child(self.element, "reporting-org")
        ref = (reporting.get("ref") or "").strip() if reporting is not None else ""
        return f"{ref}-{other}" if ref and other else None

    def _attributes(self, activity):
        element = self.element
        if self.lang:
            self.check("Language", self.lang, "iati-activity/@xml:lang")
        if element.get("default-currency"):
            self.check("Currency", activity.default_currency, "iati-activity/@default-currency")
        if element.get("version") and self.version == "unknown":
            self.warn(
                _("The activity's IATI version %(version)r is not one; it is stored as unknown.")
                % {"version": element.get("version")},
                "iati-activity/@version",
            )
        stamp = element.get("last-updated-datetime")
        if stamp is not None:
            activity.last_updated = self.moment(stamp, "iati-activity/@last-updated-datetime")
        hierarchy = (element.get("hierarchy") or "").strip()
        if hierarchy:
            if hierarchy.isdigit():
                activity.hierarchy = int(hierarchy)
            else:
                self.warn(_("The hierarchy %(value)r is not a number.") % {"value": hierarchy}, "@hierarchy")
        activity.humanitarian = self.flag(element.get("humanitarian"), "iati-activity/@humanitarian")

    # Values ------------------------------------------------------------------------------------

    def texts(self, element):
        """Every (language, text) of `element`: its narratives, else (1.0x) its own text."""
        if len(element):
            found, narrated = [], False
            for narrative in element.iterchildren("narrative"):
                narrated = True
                text = (narrative.text or "").strip()
                if text:
                    lang = (narrative.get(XML_LANG) or "").strip()
                    if lang:
                        self.check("Language", lang, "narrative/@xml:lang")
                    found.append(Narrative(lang or self.lang, text))
            if narrated:
                return found
        text = (element.text or "").strip()
        return [Narrative((element.get(XML_LANG) or "").strip() or self.lang, text)] if text else []

    def code(self, raw, codelist, field_name, element, default=""):
        """The 2.0x code for `raw`: a 1.0x word is mapped (kept as published, with a warning, when
        it does not map); a code missing from its codelist is kept and reported."""
        raw = (raw or "").strip()
        if not raw:
            return default
        if self.v1 and codelist in self.words:
            mapped = self.words[codelist].get(raw.lower())
            if mapped is None:
                self.warn(
                    _("%(value)r in %(field)s has no IATI code in %(codelist)s; it is kept as published.")
                    % {"value": raw, "field": field_name, "codelist": codelist},
                    field_name,
                    element,
                )
                return raw
            return mapped
        self.check(codelist, raw, field_name, element)
        return raw

    def check(self, codelist, code, field_name, element=None):
        known = self.codes.get(codelist)
        if known is not None and code not in known and (codelist, code, field_name) not in self.reported:
            self.reported.add((codelist, code, field_name))
            self.warn(
                _("%(code)r in %(field)s is not in the %(codelist)s codelist; it is kept as published.")
                % {"code": code, "field": field_name, "codelist": codelist},
                field_name,
                element,
            )

    def element_code(self, element, codelist, field_name, default=""):
        """The code of a coded element: @code, else (1.0x) @ref or its text."""
        raw = element.get("code")
        if not raw and self.v1:
            raw = element.get("ref") or element.text
        return self.code(raw, codelist, field_name, element, default)

    def date_of(self, element, field_name, attribute="iso-date", text=True):
        """The date of `element`: its @iso-date (an xsd:date), else in 1.0x its text when that
        reads one way only; None, with a warning, otherwise."""
        if element is None:
            return None
        stamp = element.get(attribute)
        if stamp is not None and stamp.strip():
            found = _xsd_date(stamp)
            if found is not None:
                return found
            self.warn(_("%(value)r is not a date (YYYY-MM-DD).") % {"value": stamp}, field_name, element)
        text = (element.text or "").strip() if self.v1 and text else ""
        if text:
            found, reason = _text_date(text)
            if found is not None:
                return found
            self.warn(reason + " " + _("The date was left out."), field_name, element)
        return None

    def moment(self, stamp, field_name):
        stamp = stamp.strip()
        if _XSD_DATETIME.fullmatch(stamp):
            moment = datetime.fromisoformat(stamp)
            # Without a zone (common in 1.0x files) the time is taken as UTC.
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        day = _xsd_date(stamp) if self.v1 else None
        if day is not None:
            self.warn(_("%(value)r has no time; midnight UTC is assumed.") % {"value": stamp}, field_name)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        if stamp:
            self.warn(_("%(value)r is not a date and time; it was left out.") % {"value": stamp}, field_name)
        return None

    def percentage(self, element, field_name):
        raw = (element.get("percentage") or "").strip()
        if not raw:
            return None
        if _XSD_DECIMAL.fullmatch(raw):
            share = Decimal(raw)
            if not Decimal(0) <= share <= Decimal(100):
                self.warn(_("The percentage %(value)s is not between 0 and 100.") % {"value": raw}, field_name, element)
            return share
        self.warn(_("The percentage %(value)r is not a number; it was left out.") % {"value": raw}, field_name, element)
        return None

    def flag(self, raw, field_name):
        raw = (raw or "").strip().lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        if raw:
            self.warn(_("%(value)r is neither 1 nor 0; it was left out.") % {"value": raw}, field_name)
        return None

    def value(self, element, parent, what, field_name):
        """The Value of the `value` element of `parent`, or None with a warning saying why `what`
        was left out."""
        if element is None:
            self.warn(_("%(what)s without a value was left out.") % {"what": what}, field_name, parent)
            return None
        raw = (element.text or "").strip()
        amount, reason = _amount(raw)
        if amount is None:
            self.warn(_("%(what)s was left out: %(reason)s") % {"what": what, "reason": reason}, field_name, element)
            return None
        if reason:
            self.warn(
                _("The amount %(raw)r is read as %(amount)s (thousands separators).") % {"raw": raw, "amount": amount},
                field_name,
                element,
            )
        own = (element.get("currency") or "").strip().upper()
        if own:
            self.check("Currency", own, f"{field_name}/@currency", element)
        return Value(
            amount=amount,
            raw=raw,
            currency=own or self.default_currency,
            value_date=self.date_of(element, f"{field_name}/@value-date", "value-date", text=False),
        )

    def organisation(self, element, field_name, activity_attribute=""):
        activity_id = (element.get(activity_attribute) or "").strip() if activity_attribute else ""
        if not activity_id and self.pre_v1 and element.tag in ("provider-org", "receiver-org"):
            # Before 1.0 the linked activity was a sibling: <provider-activity ref="…">.
            linked = _child(element.getparent(), element.tag.replace("-org", "-activity"))
            activity_id = (linked.get("ref") or "").strip() if linked is not None else ""
        return Organisation(
            ref=(element.get("ref") or "").strip(),
            names=self.texts(element),
            type=self.code(element.get("type"), "OrganisationType", f"{field_name}/@type", element),
            activity_id=activity_id,
        )

    def sector(self, element, field_name):
        vocabulary_raw = element.get("vocabulary") or (element.get("type") if self.pre_v1 else None)
        vocabulary = self.code(vocabulary_raw, "SectorVocabulary", f"{field_name}/@vocabulary", element, "1")
        code = (element.get("code") or (element.get("ref") if self.v1 else "") or "").strip()
        if not code:
            self.warn(_("A sector without a code was left out."), field_name, element)
            return None
        codelist = {"1": "Sector", "2": "SectorCategory"}.get(vocabulary)
        if codelist:
            self.check(codelist, code, f"{field_name}/@code", element)
        return Sector(code=code, vocabulary=vocabulary, percentage=self.percentage(element, field_name))

    def country(self, element, field_name):
        code = (element.get("code") or "").strip().upper()
        if code:
            self.check("Country", code, f"{field_name}/@code", element)
        return code

    def region(self, element, field_name):
        code = (element.get("code") or "").strip()
        vocabulary = self.code(element.get("vocabulary"), "RegionVocabulary", f"{field_name}/@vocabulary", element, "1")
        if code and vocabulary == "1":
            self.check("Region", code, f"{field_name}/@code", element)
        return code, vocabulary

    # Elements ----------------------------------------------------------------------------------

    def title(self, element):
        self.activity.titles.extend(self.texts(element))

    def description(self, element):
        kind = self.code(element.get("type"), "DescriptionType", "description/@type", element)
        self.activity.descriptions.extend((kind, narrative) for narrative in self.texts(element))

    def reporting_org(self, element):
        self.activity.reporting_org = self.organisation(element, "reporting-org")
        self.activity.secondary_reporter = bool(
            self.flag(element.get("secondary-reporter"), "reporting-org/@secondary-reporter")
        )

    def participating_org(self, element):
        organisation = self.organisation(element, "participating-org", "activity-id")
        organisation.role = self.code(element.get("role"), "OrganisationRole", "participating-org/@role", element)
        self.activity.participating_orgs.append(organisation)

    def activity_status(self, element):
        self.activity.status = self.element_code(element, "ActivityStatus", "activity-status/@code")

    def activity_date(self, element):
        kind = self.code(element.get("type"), "ActivityDateType", "activity-date/@type", element)
        attribute = _DATE_FIELDS.get(kind)
        if attribute is None:
            if not kind:
                self.warn(_("An activity date without a type was left out."), "activity-date/@type", element)
            return
        day = self.date_of(element, "activity-date/@iso-date")
        if day is not None and getattr(self.activity, attribute) is None:
            setattr(self.activity, attribute, day)

    def recipient_country(self, element):
        code = self.country(element, "recipient-country")
        if code:
            share = self.percentage(element, "recipient-country/@percentage")
            self.activity.recipients.append(Recipient(kind="country", code=code, percentage=share))

    def recipient_region(self, element):
        code, vocabulary = self.region(element, "recipient-region")
        if code:
            share = self.percentage(element, "recipient-region/@percentage")
            self.activity.recipients.append(Recipient("region", code, vocabulary, share))

    def sector_element(self, element):
        sector = self.sector(element, "sector")
        if sector is not None:
            self.activity.sectors.append(sector)

    def budget(self, element):
        parts = _first_children(element)
        start = self.date_of(parts.get("period-start"), "budget/period-start")
        end = self.date_of(parts.get("period-end"), "budget/period-end")
        if start is None or end is None:
            self.warn(_("A budget without its period start and end was left out."), "budget", element)
            return
        value = self.value(parts.get("value"), element, _A_BUDGET, "budget/value")
        if value is None:
            return
        self.activity.budgets.append(
            Budget(
                period_start=start,
                period_end=end,
                value=value,
                type=self.code(element.get("type"), "BudgetType", "budget/@type", element, "1"),
                status=self.code(element.get("status"), "BudgetStatus", "budget/@status", element, "1"),
            )
        )

    def planned_disbursement(self, element):
        parts = _first_children(element)
        start = self.date_of(parts.get("period-start"), "planned-disbursement/period-start")
        if start is None:
            self.warn(_("A planned disbursement without a period start was left out."), "planned-disbursement", element)
            return
        value = self.value(parts.get("value"), element, _A_PLANNED_DISBURSEMENT, "planned-disbursement/value")
        if value is None:
            return
        provider, receiver = parts.get("provider-org"), parts.get("receiver-org")
        self.activity.planned_disbursements.append(
            PlannedDisbursement(
                period_start=start,
                value=value,
                period_end=self.date_of(parts.get("period-end"), "planned-disbursement/period-end"),
                type=self.code(element.get("type"), "BudgetType", "planned-disbursement/@type", element),
                provider=self.organisation(provider, "planned-disbursement/provider-org", "provider-activity-id")
                if provider is not None
                else None,
                receiver=self.organisation(receiver, "planned-disbursement/receiver-org", "receiver-activity-id")
                if receiver is not None
                else None,
            )
        )

    def transaction(self, element):
        parts, sectors, milestones = {}, [], []
        for child in element.iterchildren(tag=etree.Element):
            tag = child.tag
            if tag == "sector":
                sectors.append(child)
            elif tag == "milestone-date":
                milestones.append(child)
            elif tag not in parts:
                parts[tag] = child
        kind = self._transaction_type(element, parts)
        if kind is None:
            return
        value = self.value(parts.get("value"), element, _A_TRANSACTION, "transaction/value")
        if value is None:
            return
        day = self._transaction_date(element, parts.get("transaction-date"), milestones, kind, value)
        if day is None:
            return
        item = Transaction(type=kind, date=day, value=value, reference=(element.get("ref") or "").strip())
        if "description" in parts:
            item.description = best_text(self.texts(parts["description"]), self.lang)
        if "provider-org" in parts:
            item.provider = self.organisation(parts["provider-org"], "transaction/provider-org", "provider-activity-id")
        if "receiver-org" in parts:
            item.receiver = self.organisation(parts["receiver-org"], "transaction/receiver-org", "receiver-activity-id")
        for child in sectors:
            sector = self.sector(child, "transaction/sector")
            # One sector per transaction is kept: the first DAC 5-digit one, else the first.
            if sector is not None and (
                item.sector is None or (sector.vocabulary == "1" and item.sector.vocabulary != "1")
            ):
                item.sector = sector
        if "recipient-country" in parts:
            item.recipient_country = self.country(parts["recipient-country"], "transaction/recipient-country")
        if "recipient-region" in parts:
            item.recipient_region = self.region(parts["recipient-region"], "transaction/recipient-region")[0]
        item.humanitarian = self.flag(element.get("humanitarian"), "transaction/@humanitarian")
        self.activity.transactions.append(item)

    def _transaction_type(self, element, parts):
        """The 2.0x type of the transaction, or None (with a warning) when there is none to map."""
        typed = parts.get("transaction-type")
        if typed is not None:
            raw = (typed.get("code") or (typed.text if self.v1 else "") or "").strip()
        else:
            raw = (element.get("type") or "").strip() if self.pre_v1 else ""
        if self.v1:
            kind = self.words["TransactionType"].get(raw.lower())
            if kind is None and self.pre_v1 and (element.get("flow") or "").strip().lower() == "incoming":
                status = parts.get("status")
                kind = codelists.PRE_V1_INCOMING.get(
                    ((status.text if status is not None else raw) or "").strip().lower()
                )
        else:
            kind = raw if raw in codelists.file_codes("TransactionType") else None
        if kind is None:
            self.warn(
                _("A transaction of type %(type)r, which has no IATI code, was left out.") % {"type": raw}
                if raw
                else _("A transaction without a type was left out."),
                "transaction/transaction-type",
                element,
            )
        return kind

    def _transaction_date(self, element, dated, milestones, kind, value):
        if dated is None and milestones and self.pre_v1:
            wanted = "disbursement" if kind in ("1", "3", "4") else "commitment"
            dated = next((m for m in milestones if m.get("type") == wanted), milestones[0])
        day = self.date_of(dated, "transaction/transaction-date")
        if day is not None:
            return day
        if value.value_date is not None:
            self.warn(
                _("A transaction without a usable date takes its value date, %(date)s.")
                % {"date": value.value_date.isoformat()},
                "transaction/transaction-date",
                element,
            )
            return value.value_date
        self.warn(_("A transaction without a date was left out."), "transaction/transaction-date", element)
        return None

    def document_link(self, element):
        url = (element.get("url") or "").strip()
        if not url:
            self.warn(_("A document link without an address was left out."), "document-link/@url", element)
            return
        link = DocumentLink(url=url, format=(element.get("format") or "").strip())
        for child in element.iterchildren(tag=etree.Element):
            tag = child.tag
            if tag == "title":
                link.titles.extend(self.texts(child))
            elif tag == "category":
                code = self.element_code(child, "DocumentCategory", "document-link/category/@code")
                if code:
                    link.categories.append(code)
            elif tag == "language":
                code = (child.get("code") or (child.text if self.v1 else "") or "").strip()
                if code:
                    self.check("Language", code, "document-link/language/@code", child)
                    link.languages.append(code)
            elif tag == "document-date":
                link.document_date = self.date_of(child, "document-link/document-date")
        self.activity.document_links.append(link)

    def policy_marker(self, element):
        code = (element.get("code") or "").strip()
        if not code:
            self.warn(_("A policy marker without a code was left out."), "policy-marker/@code", element)
            return
        vocabulary = self.code(
            element.get("vocabulary"), "PolicyMarkerVocabulary", "policy-marker/@vocabulary", element, "1"
        )
        if vocabulary == "1":
            self.check("PolicyMarker", code, "policy-marker/@code", element)
        significance = self.code(
            element.get("significance"), "PolicySignificance", "policy-marker/@significance", element
        )
        self.activity.policy_markers.append(PolicyMarker(code, vocabulary, significance))

    def related_activity(self, element):
        ref = (element.get("ref") or "").strip()
        if not ref:
            self.warn(_("A related activity without a reference was left out."), "related-activity/@ref", element)
            return
        kind = self.code(element.get("type"), "RelatedActivityType", "related-activity/@type", element)
        self.activity.related_activities.append(RelatedActivity(kind, ref))

    # Checks across elements --------------------------------------------------------------------

    def _check_shares(self, activity):
        by_vocabulary = defaultdict(list)
        for sector in activity.sectors:
            by_vocabulary[sector.vocabulary].append(sector.percentage)
        for vocabulary, shares in by_vocabulary.items():
            self._check_sum(shares, "sector", vocabulary)
        self._check_sum([r.percentage for r in activity.recipients], "recipient-country")
        if activity.sectors and any(t.sector for t in activity.transactions):
            self.warn(_("Sectors are given on the activity and on its transactions; both are kept."), "sector")
        if activity.recipients and any(t.recipient_country or t.recipient_region for t in activity.transactions):
            self.warn(
                _("Recipients are given on the activity and on its transactions; both are kept."), "recipient-country"
            )

    def _check_sum(self, shares, field_name, vocabulary=None):
        if not shares or (len(shares) == 1 and shares[0] is None):
            return
        total = None if any(share is None for share in shares) else sum(shares)
        if total is not None and abs(total - 100) <= PERCENT_TOLERANCE:
            return
        what = (
            _RECIPIENTS
            if vocabulary is None
            else _("Sectors of vocabulary %(vocabulary)s") % {"vocabulary": vocabulary}
        )
        if total is None:
            self.warn(_("%(what)s: some have a percentage and some do not.") % {"what": what}, field_name)
        else:
            self.warn(
                _("%(what)s: the percentages add up to %(total)s, not 100; they are kept as published.")
                % {"what": what, "total": total},
                field_name,
            )


_HANDLERS = {
    "title": _Reader.title,
    "description": _Reader.description,
    "reporting-org": _Reader.reporting_org,
    "participating-org": _Reader.participating_org,
    "activity-status": _Reader.activity_status,
    "activity-date": _Reader.activity_date,
    "recipient-country": _Reader.recipient_country,
    "recipient-region": _Reader.recipient_region,
    "sector": _Reader.sector_element,
    "budget": _Reader.budget,
    "budget-planned": _Reader.budget,  # before 1.0
    "planned-disbursement": _Reader.planned_disbursement,
    "transaction": _Reader.transaction,
    "document-link": _Reader.document_link,
    "policy-marker": _Reader.policy_marker,
    "related-activity": _Reader.related_activity,
}


# Dates and numbers --------------------------------------------------------------------------------


def _xsd_date(text):
    """The date of an xsd:date (a zone allowed and ignored), else None."""
    text = text.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    match = _XSD_DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _text_date(text):
    """(date, None) when a 1.0x date given as text reads one way only, else (None, reason)."""
    found = _xsd_date(text) or (_xsd_date(text[:10]) if _XSD_DATETIME.fullmatch(text) else None)
    if found is not None:
        return found, None
    match = _DAY_MONTH.fullmatch(text)
    if match:
        first, second, year = (int(part) for part in match.groups())
        readings = set()
        for day, month in ((first, second), (second, first)):
            try:
                readings.add(date(year, month, day))
            except ValueError:
                continue
        if len(readings) == 1:
            return readings.pop(), None
        if readings:
            return None, _("%(value)r reads as a date day first and month first.") % {"value": text}
    if re.fullmatch(r"\d{4}(-\d\d)?", text):
        return None, _("%(value)r is not a whole date (year, month and day).") % {"value": text}
    return None, _("%(value)r is not a date.") % {"value": text}


def _amount(raw):
    """(Decimal, None) for an xsd:decimal, (Decimal, True) for grouped thousands that read one way
    only, else (None, reason)."""
    if not raw:
        return None, _("it has no amount.")
    if _XSD_DECIMAL.fullmatch(raw):
        return Decimal(raw), None
    if _COMMA_GROUPS.fullmatch(raw):
        return Decimal(raw.replace(",", "")), True
    if _POINT_GROUPS.fullmatch(raw):
        return Decimal(raw.replace(".", "").replace(",", ".")), True
    if re.fullmatch(r"[+-]?[\d.,]*,[\d.,]*", raw):
        return None, _("the comma in the amount %(raw)r may separate thousands or decimals.") % {"raw": raw}
    return None, _("the amount %(raw)r is not a number.") % {"raw": raw}
