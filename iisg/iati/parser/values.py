"""The values inside an activity's elements: dates, numbers, money, codes and narratives, converted
as PITFALLS.md says, each guess or failure a warning of the activity.

- Narratives: every (language, text) pair is kept; 1.0x text sitting directly in its element is one
  narrative in the activity's language.
- 1.0x words (transaction types, date types, roles, vocabularies, budget types…) map through the
  tables of iisg.iati.codelists, without regard to case; what does not map is kept as published
  and reported. With `codes` (codelists.known_codes()), a code missing from its codelist is kept
  and reported.
- Dates: @iso-date must be an xsd:date. A 1.0x date given as text is taken only when it reads one
  way: ISO, or day and month in either order when only one order is a date. The rest is flagged.
- Numbers are Decimal, negative ones kept. xsd:decimal is taken as is (a lone point is a decimal
  point); thousands separators only when they cannot be read as a decimal separator (`1,234,567`,
  `1,234.50`, `1.234.567,50`), with a warning. `116,017` or `20,000` may mean a thousand times
  less: that transaction, budget or planned disbursement is left out with a warning (in 2.0x the
  schema already rejects the activity).
- Currency: the value's own, else the activity's default, else "".
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from lxml import etree

from .. import codelists
from ..activity import Narrative, Organisation, Problem, Sector, Value

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XSD_DATE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)(?:Z|[+-]\d\d:\d\d)?")
_XSD_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")
_DAY_MONTH = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_XSD_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
# Grouped thousands that cannot be a decimal separator: two groups or more, or both separators.
_COMMA_GROUPS = re.compile(r"[+-]?\d{1,3}(?:(?:,\d{3}){2,}(?:\.\d+)?|,\d{3}\.\d+)")
_POINT_GROUPS = re.compile(r"[+-]?\d{1,3}(?:(?:\.\d{3}){2,}(?:,\d+)?|\.\d{3},\d+)")
_TRUE, _FALSE = ("1", "true"), ("0", "false")


def first_child(element, tag):
    """The first child of `element` named `tag`, else None (faster than find(), which parses a path)."""
    return next(element.iterchildren(tag), None)


def first_children(element):
    """The first child of each name: {tag: element}."""
    parts = {}
    for child in element.iterchildren(tag=etree.Element):
        parts.setdefault(child.tag, child)
    return parts


def child_text(element, tag):
    """The text of the first child named `tag` ("" when empty), else None, like findtext()."""
    child = next(element.iterchildren(tag), None)
    return None if child is None else child.text or ""


class ActivityValues:
    """The values of one `iati-activity` element, converted for the reader (iisg.iati.parser.reader),
    each guess or failure added to `problems` as a warning on the activity's identifier."""

    def __init__(self, element, *, major, version, codes, file_lang):
        self.element = element
        self.v1 = major == "1"
        self.version = version
        self.codes = codes
        self.words = codelists.words()
        self.lang = (element.get(XML_LANG) or "").strip() or file_lang
        self.default_currency = (element.get("default-currency") or "").strip().upper()
        self.pre_v1 = self.v1 and version == "unknown"
        self.identifier = ""
        self.problems = []
        self.reported = set()

    def warn(self, reason, field_name, element=None):
        line = (element if element is not None else self.element).sourceline
        self.problems.append(Problem("warning", reason, self.identifier, line, field_name))

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
            linked = first_child(element.getparent(), element.tag.replace("-org", "-activity"))
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
