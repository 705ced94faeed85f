"""Write `Activity` dataclasses as an IATI 2.03 `iati-activities` document, valid against the schema.

`chunks()` streams the document through `lxml.etree.xmlfile`: each activity is built as one element,
written and handed out as bytes before the next one is read, so memory stays flat whatever the
count. `write()` sends the same bytes to a binary file.

What it promises (PITFALLS.md #17):
- elements in the order of the schema's sequences; every element the schema requires is there;
- only what is present is written: an empty text, a missing percentage or an unknown currency
  leaves out the element or attribute, never writes it empty;
- an activity that lacks an element the schema requires (`missing()`) is refused with
  IncompleteActivity: the caller filters those first and says why. An optional element that lacks
  a part the schema requires (a document link without a format, a category or a title; a
  participating organisation without a role) is left out; `left_out()` says which;
- every text is written through iisg.core.text.printable, so a character XML 1.0 cannot hold never
  reaches lxml and never stops a document half-way. Where that would change what a text means,
  `missing()` refuses the activity instead: a value a machine matches (an identifier, a ref, a
  code, an address) that holds such a character, or a language that is no language code. In text a
  person reads (narratives, a transaction's description) the character is dropped (Word's line and
  page breaks become line breaks) and `left_out()` says so;
- narratives carry xml:lang only where it differs from the activity's language;
- dates are ISO (YYYY-MM-DD), moments xsd:dateTime; money is plain decimal text with its
  currency and value date. A value without a value date is valued at the date it belongs to
  (the transaction date, the period start), as IATI advises;
- a document holds at least one activity (the schema says so): an empty iterable raises
  EmptyDocument before a byte is handed out.
"""

import re
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from itertools import groupby

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from iisg.core.text import NOT_XML, WORD_BREAKS, printable

from .activity import Narrative

VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# ActivityDateType codes, in the order they are written.
DATE_TYPES = (("1", "planned_start"), ("2", "actual_start"), ("3", "planned_end"), ("4", "actual_end"))
GENERAL_DESCRIPTION = ("", "1")
NO_IDENTIFIER = gettext_lazy("no IATI identifier")
NO_REPORTING_ORGANISATION = gettext_lazy("no reporting organisation with an IATI organisation identifier")
# xsd:language, the type of xml:lang.
LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")
# What each part of an Activity is called in a reason.
PARTS = {
    "identifier": gettext_lazy("the IATI identifier"),
    "language": gettext_lazy("the language"),
    "default_currency": gettext_lazy("the default currency"),
    "titles": gettext_lazy("the title"),
    "descriptions": gettext_lazy("the description"),
    "reporting_org": gettext_lazy("the reporting organisation"),
    "participating_orgs": gettext_lazy("a participating organisation"),
    "status": gettext_lazy("the activity status"),
    "recipients": gettext_lazy("a recipient country or region"),
    "sectors": gettext_lazy("a sector"),
    "policy_markers": gettext_lazy("a policy marker"),
    "budgets": gettext_lazy("a budget"),
    "planned_disbursements": gettext_lazy("a planned disbursement"),
    "transactions": gettext_lazy("a transaction"),
    "document_links": gettext_lazy("a document link"),
    "related_activities": gettext_lazy("a related activity"),
}
# Fields of the Activity dataclasses that are never written.
UNWRITTEN = frozenset({"identifier_raw", "line", "version", "content_hash", "problems", "raw"})


class IncompleteActivity(ValueError):
    """The activity lacks an element the schema requires; `reasons` say which."""

    def __init__(self, identifier, reasons):
        self.identifier = identifier
        self.reasons = reasons
        super().__init__(f"{identifier or '?'}: {'; '.join(reasons)}")


class EmptyDocument(ValueError):
    """The schema requires at least one activity in an iati-activities document."""


def missing(activity):
    """Why the activity cannot be written valid: the required elements it lacks (empty: none)."""
    reasons = []
    if not activity.identifier:
        reasons.append(str(NO_IDENTIFIER))
    org = activity.reporting_org
    if org is None or not org.ref:
        reasons.append(str(NO_REPORTING_ORGANISATION))
    elif not org.type:
        reasons.append(_("no type for the reporting organisation"))
    if not _said(activity.titles):
        reasons.append(_("no title"))
    if not _said(narrative for _kind, narrative in activity.descriptions):
        reasons.append(_("no description"))
    if not any(org.role for org in activity.participating_orgs):
        reasons.append(_("no participating organisation with a role"))
    if not activity.status:
        reasons.append(_("no activity status"))
    if not any(getattr(activity, name) for _code, name in DATE_TYPES):
        reasons.append(_("no start or end date"))
    for part, name, text in _texts(activity):
        if _prose(part, name):
            continue  # read by people: written through printable(), see left_out()
        found = NOT_XML.search(text)
        if found:
            reasons.append(
                _("%(part)s holds the control character U+%(code)04X, which XML cannot hold")
                % {"part": PARTS.get(part, part), "code": ord(found.group())}
            )
        elif name in ("lang", "language") and text and not LANGUAGE.fullmatch(text):
            if name == "lang" and text == activity.language:
                continue  # a narrative in the activity's language does not say it again
            if part == "language":
                reasons.append(_("the language “%(language)s” is no language code") % {"language": text})
            else:
                reasons.append(
                    _("%(part)s gives the language “%(language)s”, which is no language code")
                    % {"part": PARTS.get(part, part), "language": text}
                )
    return reasons


def left_out(activity):
    """The optional parts of the activity that will not be written, and why."""
    reasons = []
    for link in activity.document_links:
        lacks = [
            name
            for name, present in (
                (_("format"), link.format),
                (_("category"), link.categories),
                (_("title"), _said(link.titles)),
            )
            if not present
        ]
        if lacks:
            reasons.append(
                _("The document link %(url)s has no %(parts)s; it was left out.")
                % {"url": link.url, "parts": ", ".join(lacks)}
            )
    for org in activity.participating_orgs:
        if not org.role:
            reasons.append(
                _("The participating organisation %(name)s has no role; it was left out.")
                % {"name": printable(org.name)}
            )
    for part, name, text in _texts(activity):
        if _prose(part, name):
            found = NOT_XML.search(text)
            if found:
                code = ord(found.group())
                written = _("written as a line break") if code in WORD_BREAKS else _("dropped")
                reasons.append(
                    _("%(part)s holds the control character U+%(code)04X, which XML cannot hold; it was %(written)s.")
                    % {"part": capfirst(PARTS.get(part, part)), "code": code, "written": written}
                )
    return reasons


def _prose(part, name):
    """Whether a text is read by people (a narrative, a transaction's description), not matched."""
    return name == "text" or (part, name) == ("transactions", "description")


def _texts(activity):
    """(top-level part, field name, text) for every text of the activity that is written."""

    def walk(value, part, name):
        if isinstance(value, str):
            yield part, name, value
        elif is_dataclass(value):
            for item in fields(value):
                if item.name not in UNWRITTEN:
                    yield from walk(getattr(value, item.name), part or item.name, item.name)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from walk(item, part, name)

    return walk(activity, "", "")


def write(out, activities, *, generated=None):
    """Write the document of `activities` to the binary file `out`; see chunks()."""
    for chunk in chunks(activities, generated=generated):
        out.write(chunk)


def chunks(activities, *, generated=None):
    """Yield the bytes of the document of `activities`, one activity at a time.

    `generated` (a datetime, default now) is the document's generated-datetime. Raises
    IncompleteActivity for an activity that `missing()` refuses, EmptyDocument when there is none.
    """
    sink = _Sink()
    stamp = _moment(generated or datetime.now(UTC))
    with etree.xmlfile(sink, encoding="utf-8") as document:
        document.write_declaration()
        with document.element("iati-activities", {"version": VERSION, "generated-datetime": stamp}):
            written = 0
            for activity in activities:
                reasons = missing(activity)
                if reasons:
                    raise IncompleteActivity(activity.identifier, reasons)
                document.write("\n")
                document.write(activity_element(activity), pretty_print=True)
                written += 1
                document.flush()
                yield sink.take()
            if not written:
                raise EmptyDocument(_("An IATI activities document holds at least one activity."))
            document.write("\n")
    yield sink.take()


class _Sink:
    """Where xmlfile writes: the bytes written since they were last taken."""

    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(data)

    def take(self):
        data, self.parts = b"".join(self.parts), []
        return data


# One activity -------------------------------------------------------------------------------------


def activity_element(activity):
    """The `iati-activity` element of a complete activity (see missing()), in schema order."""
    lang = activity.language
    root = etree.Element(
        "iati-activity",
        _present(
            {
                "last-updated-datetime": _moment(activity.last_updated) if activity.last_updated else "",
                XML_LANG: lang,
                "default-currency": activity.default_currency,
                "humanitarian": _flag(activity.humanitarian),
                "hierarchy": "" if activity.hierarchy is None else str(activity.hierarchy),
            }
        ),
    )
    _add(root, "iati-identifier").text = printable(activity.identifier)
    reporting = activity.reporting_org
    element = _add(
        root,
        "reporting-org",
        {
            "ref": reporting.ref,
            "type": reporting.type,
            "secondary-reporter": "1" if activity.secondary_reporter else "",
        },
    )
    _narrate(element, reporting.names if _said(reporting.names) else [Narrative("", reporting.ref)], lang)
    _narrate(_add(root, "title"), activity.titles, lang)
    for kind, group in groupby(activity.descriptions, key=lambda item: item[0]):
        narratives = [narrative for _kind, narrative in group if narrative.text]
        if narratives:
            _narrate(_add(root, "description", {"type": kind}), narratives, lang)
    for org in activity.participating_orgs:
        if org.role:
            attributes = {"ref": org.ref, "type": org.type, "role": org.role, "activity-id": org.activity_id}
            _narrate(_add(root, "participating-org", attributes), org.names, lang)
    _add(root, "activity-status", {"code": activity.status})
    for code, name in DATE_TYPES:
        day = getattr(activity, name)
        if day:
            _add(root, "activity-date", {"type": code, "iso-date": day.isoformat()})
    for recipient in activity.recipients:
        if recipient.kind == "country":
            _add(root, "recipient-country", {"code": recipient.code, "percentage": _decimal(recipient.percentage)})
    for recipient in activity.recipients:
        if recipient.kind == "region":
            attributes = {"code": recipient.code, "vocabulary": recipient.vocabulary}
            _add(root, "recipient-region", {**attributes, "percentage": _decimal(recipient.percentage)})
    for sector in activity.sectors:
        attributes = {"vocabulary": sector.vocabulary, "code": sector.code}
        _add(root, "sector", {**attributes, "percentage": _decimal(sector.percentage)})
    for marker in activity.policy_markers:
        attributes = {"vocabulary": marker.vocabulary, "code": marker.code, "significance": marker.significance}
        _add(root, "policy-marker", attributes)
    for budget in activity.budgets:
        _budget(root, budget)
    for planned in activity.planned_disbursements:
        _planned_disbursement(root, planned, lang)
    for transaction in activity.transactions:
        _transaction(root, transaction, lang)
    for link in activity.document_links:
        if _writable_link(link):
            _document_link(root, link, lang)
    for related in activity.related_activities:
        _add(root, "related-activity", {"ref": related.ref, "type": related.type})
    return root


def _budget(parent, budget):
    element = _add(parent, "budget", {"type": budget.type, "status": budget.status})
    _add(element, "period-start", {"iso-date": budget.period_start.isoformat()})
    _add(element, "period-end", {"iso-date": budget.period_end.isoformat()})
    _value(element, budget.value, budget.period_start)


def _planned_disbursement(parent, planned, lang):
    element = _add(parent, "planned-disbursement", {"type": planned.type})
    _add(element, "period-start", {"iso-date": planned.period_start.isoformat()})
    if planned.period_end:
        _add(element, "period-end", {"iso-date": planned.period_end.isoformat()})
    _value(element, planned.value, planned.period_start)
    _organisation(element, "provider-org", planned.provider, "provider-activity-id", lang)
    _organisation(element, "receiver-org", planned.receiver, "receiver-activity-id", lang)


def _transaction(parent, transaction, lang):
    element = _add(
        parent, "transaction", {"ref": transaction.reference, "humanitarian": _flag(transaction.humanitarian)}
    )
    _add(element, "transaction-type", {"code": transaction.type})
    _add(element, "transaction-date", {"iso-date": transaction.date.isoformat()})
    _value(element, transaction.value, transaction.date)
    if printable(transaction.description):
        _narrate(_add(element, "description"), [Narrative("", transaction.description)], lang)
    _organisation(element, "provider-org", transaction.provider, "provider-activity-id", lang)
    _organisation(element, "receiver-org", transaction.receiver, "receiver-activity-id", lang)
    if transaction.sector:
        _add(element, "sector", {"vocabulary": transaction.sector.vocabulary, "code": transaction.sector.code})
    if transaction.recipient_country:
        _add(element, "recipient-country", {"code": transaction.recipient_country})
    if transaction.recipient_region:
        _add(element, "recipient-region", {"code": transaction.recipient_region})


def _document_link(parent, link, lang):
    element = _add(parent, "document-link", {"url": link.url, "format": link.format})
    _narrate(_add(element, "title"), link.titles, lang)
    for code in link.categories:
        _add(element, "category", {"code": code})
    for code in link.languages:
        _add(element, "language", {"code": code})
    if link.document_date:
        _add(element, "document-date", {"iso-date": link.document_date.isoformat()})


def _writable_link(link):
    return bool(link.format and link.categories and _said(link.titles))


def _organisation(parent, tag, org, activity_attribute, lang):
    """A provider or receiver organisation, when there is something to say about it."""
    if org is None or not (org.ref or _said(org.names) or org.activity_id):
        return
    attributes = {"ref": org.ref, activity_attribute: org.activity_id, "type": org.type}
    _narrate(_add(parent, tag, attributes), org.names, lang)


def _value(parent, value, day):
    element = _add(parent, "value", {"currency": value.currency, "value-date": (value.value_date or day).isoformat()})
    element.text = _decimal(value.amount)


# Small parts --------------------------------------------------------------------------------------


def _add(parent, tag, attributes=None):
    return etree.SubElement(parent, tag, _present(attributes or {}))


def _present(attributes):
    """The attributes that have a value, as printable text: an empty one is left out, never written
    empty."""
    present = {name: printable(value) if isinstance(value, str) else value for name, value in attributes.items()}
    return {name: value for name, value in present.items() if value not in (None, "")}


def _narrate(element, narratives, lang):
    for narrative in narratives:
        text = printable(narrative.text)
        if text:
            own = narrative.lang if narrative.lang and narrative.lang != lang else ""
            etree.SubElement(element, "narrative", _present({XML_LANG: own})).text = text


def _said(narratives):
    return any(printable(narrative.text) for narrative in narratives)


def _decimal(number):
    """Plain decimal text (xsd:decimal): no exponent, no trailing zeros; "" for None."""
    if number is None:
        return ""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _flag(value):
    return "" if value is None else ("1" if value else "0")


def _moment(moment):
    """An xsd:dateTime; a moment without a zone is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")
