"""The streaming IATI parser on the real files under ../shared/data/iati, and on variants of them built
here at run time (re-encoded, blanked, broken on purpose; the shared files are never touched).

Expected counts come from the files themselves, read with plain lxml and XPath, not with the parser.
The parser needs no database: these tests use none."""

import ctypes
import ctypes.util
import gc
import hashlib
import io
import os
import re
import tracemalloc
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree

from iisg.iati import parser
from iisg.iati.activity import Activity, Problem, Unchanged
from iisg.iati.parser import BrokenFile, read

IATI = Path(settings.SHARED_DATA_DIR) / "iati"
ACTIVITIES = IATI / "activities"
DFID = ACTIVITIES / "dfid-drc-2013.xml"
CAFOD = ACTIVITIES / "cafod-drc-2013.xml"
EXAMPLE = ACTIVITIES / "2.01-example-annotated.xml"
OCHA = ACTIVITIES / "ocha-test-data.xml"
REAL_FILES = sorted(path for path in ACTIVITIES.glob("*.xml") if path.name != "broken.xml")
SHOULD_PASS = sorted(path for path in (IATI / "should-pass").rglob("*") if path.is_file())
SHOULD_FAIL = sorted(path for path in (IATI / "should-fail").rglob("*") if path.is_file())
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
VERSION = re.compile(r"[12]\.\d{1,2}")


def parse(source, **options):
    """What read() yields, split: (activities, error Problems, file-level warnings)."""
    found = list(read(source, **options))
    activities = [item for item in found if isinstance(item, Activity)]
    errors = [item for item in found if isinstance(item, Problem) and item.severity == "error"]
    notes = [item for item in found if isinstance(item, Problem) and item.severity == "warning"]
    assert len(activities) + len(errors) + len(notes) == len(found)
    return activities, errors, notes


def warnings_of(activity, field_part=""):
    return [p.reason for p in activity.problems if field_part in p.field]


def tree(path):
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))


def variant(tmp_path, source, change, name=None):
    """A copy of `source` changed by `change(root)`, written as UTF-8."""
    document = tree(source)
    change(document.getroot())
    target = tmp_path / (name or source.name)
    document.write(str(target), xml_declaration=True, encoding="utf-8")
    return target


def first_activity(tmp_path, source, change):
    """The first activity read from `source` after `change(activity_element)`."""
    path = variant(tmp_path, source, lambda root: change(root.find("iati-activity")))
    activities, errors, _notes = parse(path)
    assert not errors
    return activities[0]


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def settled_resident_bytes():
    """The process size once memory freed by earlier tests went back to the system: without that,
    a parse could reuse it and grow nothing that shows."""
    gc.collect()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
    return resident_bytes()


# Independent counts --------------------------------------------------------------------------------


def expected_counts(path):
    """What the file holds, by XPath: the activities that have an identifier (or, in the layout
    before 1.0 that has none, a reporting-org ref and an other-identifier) and what they carry."""
    root = tree(path).getroot()
    activities = root.xpath("/iati-activities/iati-activity | /iati-activity")
    root_version = "" if root.tag == "iati-activity" else (root.get("version") or "").strip()

    def identifier(activity):
        text = activity.xpath("normalize-space(iati-identifier)")
        if text or activity.xpath("iati-identifier") or VERSION.fullmatch(root_version):
            return text
        ref, other = (
            activity.xpath("normalize-space(reporting-org/@ref)"),
            activity.xpath("normalize-space(other-identifier)"),
        )
        return f"{ref}-{other}" if ref and other else ""

    def version(activity):
        found = (activity.get("version") or "").strip() or root_version
        return found if VERSION.fullmatch(found) else "unknown"

    def count(query):
        return sum(int(activity.xpath(f"count({query})")) for activity in accepted)

    dated = "(@iso-date or string-length(normalize-space(.)) = 10)"
    accepted = [activity for activity in activities if identifier(activity)]
    return {
        "identifiers": [identifier(activity) for activity in accepted],
        "versions": {version(activity) for activity in accepted},
        "rejected": len(activities) - len(accepted),
        "transactions": count("transaction[normalize-space(value)]"),
        "budgets": count(f"(budget | budget-planned)[period-start[{dated}] and period-end[{dated}]]"),
        "sectors": count("sector[@code or @ref]"),
        "participating": count("participating-org"),
        "recipients": count("recipient-country[normalize-space(@code)] | recipient-region[normalize-space(@code)]"),
        "document_links": count("document-link[normalize-space(@url)]"),
        "policy_markers": count("policy-marker[normalize-space(@code)]"),
        "related": count("related-activity[normalize-space(@ref)]"),
    }


def parsed_counts(path):
    activities, errors, _notes = parse(path)
    return {
        "identifiers": [a.identifier for a in activities],
        "versions": {a.version for a in activities},
        "rejected": len(errors),
        "transactions": sum(len(a.transactions) for a in activities),
        "budgets": sum(len(a.budgets) for a in activities),
        "sectors": sum(len(a.sectors) for a in activities),
        "participating": sum(len(a.participating_orgs) for a in activities),
        "recipients": sum(len(a.recipients) for a in activities),
        "document_links": sum(len(a.document_links) for a in activities),
        "policy_markers": sum(len(a.policy_markers) for a in activities),
        "related": sum(len(a.related_activities) for a in activities),
    }


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda path: path.name)
def test_each_real_file_yields_the_counts_its_xml_holds(path):
    assert parsed_counts(path) == expected_counts(path)


def test_the_real_files_hold_the_numbers_we_pin():
    dfid, cafod, big, ocha = (
        parsed_counts(ACTIVITIES / name)
        for name in ("dfid-drc-2013.xml", "cafod-drc-2013.xml", "big_value.xml", "ocha-test-data.xml")
    )
    assert (len(dfid["identifiers"]), dfid["transactions"], dfid["budgets"], dfid["sectors"]) == (205, 815, 442, 241)
    assert (len(cafod["identifiers"]), cafod["transactions"], cafod["sectors"]) == (57, 358, 106)
    assert (len(big["identifiers"]), big["transactions"]) == (198, 255)
    assert (len(ocha["identifiers"]), ocha["transactions"], ocha["sectors"]) == (287, 383, 574)
    assert parsed_counts(ACTIVITIES / "dfid_out.xml")["rejected"] == 2


def test_a_file_that_is_not_well_formed_is_refused_with_its_line_and_reason():
    with pytest.raises(BrokenFile) as refused:
        parse(ACTIVITIES / "broken.xml")
    assert refused.value.line == 4
    assert refused.value.reason.startswith("Premature end of data in tag iati-activities")
    assert str(refused.value) == f"line 4: {refused.value.reason}"


def test_a_file_broken_after_its_first_activities_is_refused_once_it_gets_there(tmp_path):
    data = DFID.read_bytes()
    truncated = tmp_path / "truncated.xml"
    truncated.write_bytes(data[: data.rindex(b"<iati-activity ")] + b"<iati-activity><title>x</iati-activity>")
    read_before = []
    with pytest.raises(BrokenFile) as refused:
        read_before.extend(read(truncated))
    assert len(read_before) == 204
    assert "mismatch" in refused.value.reason
    assert refused.value.line == data[: data.rindex(b"<iati-activity ")].count(b"\n") + 1


# The schema ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHOULD_PASS, ids=lambda path: str(path.relative_to(IATI)))
def test_every_should_pass_document_yields_no_error_once_it_has_an_identifier(path, tmp_path):
    # The schema's test documents leave iati-identifier empty (the schema allows it); an activity
    # cannot be keyed without one, so as published each is rejected for that reason alone.
    _activities, errors, _notes = parse(path)
    assert errors
    assert {(e.field, e.reason) for e in errors} == {
        ("iati-identifier", "The activity has no IATI identifier; it was left out.")
    }
    filled = tmp_path / path.name
    filled.write_bytes(
        re.sub(
            rb"<iati-identifier>\s*</iati-identifier>",
            b"<iati-identifier>XM-TEST-1</iati-identifier>",
            path.read_bytes(),
        )
    )
    activities, errors, _notes = parse(filled)
    assert errors == []
    assert [a.identifier for a in activities] == ["XM-TEST-1"]


@pytest.mark.parametrize("path", SHOULD_FAIL, ids=lambda path: str(path.relative_to(IATI)))
def test_every_should_fail_document_is_reported_with_a_reason(path):
    try:
        _activities, errors, _notes = parse(path)
    except BrokenFile as refused:
        reasons = [refused.reason] if refused.line else []
    else:
        # Not only the empty identifier most of them share: what the document breaks.
        reasons = [e.reason for e in errors if e.field != "iati-identifier"]
    assert reasons
    assert all(len(reason) > 20 for reason in reasons)


def test_an_activity_that_breaks_the_schema_is_rejected_with_its_identifier_and_the_others_import(tmp_path):
    def add_a_broken_twin(root):
        twin = etree.fromstring(etree.tostring(root.find("iati-activity")))
        twin.find("iati-identifier").text = "AA-AAA-123456789-BROKEN"
        twin.find("transaction").remove(twin.find("transaction/value"))
        root.append(twin)

    activities, errors, _notes = parse(variant(tmp_path, EXAMPLE, add_a_broken_twin))
    assert [a.identifier for a in activities] == ["AA-AAA-123456789-ABC123"]
    [error] = errors
    assert error.identifier == "AA-AAA-123456789-BROKEN"
    assert error.reason == "Element 'description': This element is not expected. Expected is ( value )."
    assert error.field.startswith("transaction")
    assert error.line > activities[0].line


def test_a_root_that_breaks_the_schema_is_an_error_for_the_file_and_its_activities_still_import(tmp_path):
    path = variant(tmp_path, EXAMPLE, lambda root: root.set("generated-datetime", "2014-09-10"))
    activities, errors, _notes = parse(path)
    assert len(activities) == 1
    [error] = errors
    assert error.identifier == ""
    assert "generated-datetime" in error.reason
    assert "xs:dateTime" in error.reason
    assert error.line == tree(path).getroot().sourceline


def test_the_schema_is_read_from_local_files_only_and_once():
    for xsd in (IATI / "schema").glob("*.xsd"):
        for location in (
            tree(xsd).getroot().xpath("//*[local-name()='import' or local-name()='include']/@schemaLocation")
        ):
            assert "://" not in location
            assert (IATI / "schema" / location).exists()
    assert parser.activity_schema() is parser.activity_schema()


# PITFALLS.md, row by row ----------------------------------------------------------------------------


def test_1_a_junk_or_missing_root_version_is_stored_as_unknown_and_reported(tmp_path):
    junk = variant(tmp_path, CAFOD, lambda root: root.set("version", "xx"))
    activities, errors, notes = parse(junk)
    assert len(activities) == 57
    assert not errors
    assert {a.version for a in activities} == {"unknown"}
    [note] = notes
    assert "'xx'" in note.reason
    assert note.field == "iati-activities/@version"
    missing = variant(tmp_path, CAFOD, lambda root: root.attrib.pop("version"), "missing.xml")
    activities, _errors, notes = parse(missing)
    assert {a.version for a in activities} == {"unknown"}
    assert "missing" in notes[0].reason


def test_1_an_activitys_own_version_wins_over_the_roots(tmp_path):
    activity = first_activity(tmp_path, CAFOD, lambda element: element.set("version", "1.03"))
    assert activity.version == "1.03"
    assert parse(CAFOD)[0][0].version == "1.00"


def test_1_a_2_0x_file_with_a_junk_version_is_still_checked_against_the_schema(tmp_path):
    def junk_and_untitled(root):
        root.set("version", "xx")
        activity = root.find("iati-activity")
        activity.remove(activity.find("title"))

    activities, errors, _notes = parse(variant(tmp_path, EXAMPLE, junk_and_untitled))
    assert activities == []
    assert errors[0].reason == "Element 'description': This element is not expected. Expected is ( title )."


def test_2_1_0x_words_map_to_2_0x_codes():
    activities = {a.identifier: a for a in parse(DFID)[0]}
    parent, child = activities["GB-1-105838"], activities["GB-1-105838-101"]
    assert [(o.ref, o.role) for o in child.participating_orgs] == [("GB", "1"), ("GB-1", "3"), ("52000", "4")]
    assert [t.type for t in child.transactions] == ["2"]
    assert [(b.type, b.status) for b in child.budgets] == [("1", "1"), ("1", "1"), ("2", "1")]
    assert (parent.planned_start, parent.actual_end) == (date(2004, 1, 1), date(2010, 12, 31))
    assert {(m.vocabulary, m.code) for m in child.policy_markers} >= {("1", "1"), ("1", "8")}
    cafod = parse(CAFOD)[0][0]
    assert [t.type for t in cafod.transactions[:2]] == ["1", "3"]


def test_2_1_0x_words_map_in_any_case_and_a_transaction_type_may_be_text_only(tmp_path):
    def shout_and_drop_codes(activity):
        for org, role in zip(activity.findall("participating-org"), ("FUNDING", "implementing"), strict=True):
            org.set("role", role)
        activity.find("transaction/transaction-type").attrib.pop("code")  # "Incoming Funds" stays
        activity.find("sector[@code]").set("vocabulary", "dac-3")

    activity = first_activity(tmp_path, CAFOD, shout_and_drop_codes)
    assert [o.role for o in activity.participating_orgs] == ["1", "4"]
    assert activity.transactions[0].type == "1"
    assert activity.sectors[0].vocabulary == "2"
    assert not warnings_of(activity, "@role")


def test_2_a_word_that_does_not_map_is_kept_as_published_and_reported(tmp_path):
    activity = first_activity(tmp_path, CAFOD, lambda element: element.find("participating-org").set("role", "donor"))
    assert activity.participating_orgs[0].role == "donor"
    [reason] = warnings_of(activity, "participating-org/@role")
    assert "'donor'" in reason
    assert "OrganisationRole" in reason


def test_2_a_transaction_of_a_type_that_does_not_map_is_left_out_naming_it(tmp_path):
    activity = first_activity(
        tmp_path, CAFOD, lambda element: element.find("transaction/transaction-type").set("code", "ZZ")
    )
    assert len(activity.transactions) == len(parse(CAFOD)[0][0].transactions) - 1
    [reason] = warnings_of(activity, "transaction-type")
    assert "'ZZ'" in reason


def test_3_narratives_keep_every_language_defaulting_to_the_activitys(tmp_path):
    activity = parse(EXAMPLE)[0][0]
    assert [(n.lang, n.text) for n in activity.titles] == [
        ("en", "Activity title"),
        ("fr", "Titre de l'activité"),
        ("es", "Título de la actividad"),
    ]
    assert activity.title == "Activity title"
    assert activity.reporting_org.name == "Organisation name"

    def french_by_default(root):
        root.set(XML_LANG, "fr")
        root.find("iati-activity").attrib.pop(XML_LANG)

    activity = parse(variant(tmp_path, EXAMPLE, french_by_default))[0][0]
    assert activity.language == "fr"
    assert activity.titles[0].lang == "fr"


def test_3_1_0x_text_sits_directly_in_the_element():
    activity = parse(ACTIVITIES / "worked-example.xml")[0][0]
    assert [n.lang for n in activity.titles] == ["en", "fr"]
    assert activity.title == "Worked example of an activity report"
    dfid = parse(DFID)[0][0]
    assert dfid.reporting_org.names[0].text == "Department for International Development"
    assert dfid.description.startswith("To Provide a contribution")


def test_4_dates_are_strict_and_1_0x_text_is_taken_only_when_it_reads_one_way(tmp_path):
    def dates(element):
        for child, text in zip(element.findall("activity-date"), ("31/12/2011", "03/04/2011", "2010", ""), strict=True):
            child.text = text
        element.findall("activity-date")[3].set("iso-date", "2011-12-31Z")

    activity = first_activity(tmp_path, DFID, dates)
    assert activity.actual_end == date(2011, 12, 31)
    assert activity.planned_end is None
    assert activity.actual_start is None
    assert activity.planned_start == date(2011, 12, 31)
    reasons = warnings_of(activity, "activity-date")
    assert any("'03/04/2011'" in r and "day first and month first" in r for r in reasons)
    assert any("'2010'" in r and "not a whole date" in r for r in reasons)

    activity = first_activity(
        tmp_path, DFID, lambda element: element.find("activity-date").set("iso-date", "2011-31-12")
    )
    assert any("'2011-31-12' is not a date" in r for r in warnings_of(activity, "activity-date"))


def test_5_amounts_are_decimals_keeping_the_raw_text_and_their_sign(tmp_path):
    def amounts(root):
        for transaction, text in zip(root.iter("transaction"), ("-1000", "2663000000", "1,234,567.50"), strict=False):
            transaction.find("value").text = text

    activity = parse(variant(tmp_path, CAFOD, amounts))[0][0]
    values = [t.value for t in activity.transactions[:3]]
    assert [v.amount for v in values] == [Decimal("-1000"), Decimal("2663000000"), Decimal("1234567.50")]
    assert all(isinstance(v.amount, Decimal) for v in values)
    assert values[2].raw == "1,234,567.50"
    assert any("thousands separators" in r for r in warnings_of(activity, "transaction/value"))


@pytest.mark.parametrize("amount", ["116,017", "20,000", "12,5", "1 000", "1e6"])
def test_5_an_amount_that_may_read_two_ways_leaves_out_that_transaction_not_the_activity(amount, tmp_path):
    before = parse(CAFOD)[0][0]
    activity = first_activity(
        tmp_path, CAFOD, lambda element: setattr(element.find("transaction/value"), "text", amount)
    )
    assert activity.identifier == before.identifier
    assert len(activity.transactions) == len(before.transactions) - 1
    [reason] = warnings_of(activity, "transaction/value")
    assert repr(amount) in reason
    assert "left out" in reason


def test_5_in_a_2_0x_file_an_amount_that_is_not_a_decimal_breaks_the_schema(tmp_path):
    path = variant(
        tmp_path, EXAMPLE, lambda root: setattr(root.find("iati-activity/transaction/value"), "text", "116,017")
    )
    activities, errors, _notes = parse(path)
    assert activities == []
    assert "'116,017' is not a valid value of the atomic type 'xs:decimal'" in errors[0].reason


def test_6_a_values_own_currency_wins_then_the_activitys_default_then_none(tmp_path):
    def currencies(element):
        element.find("transaction/value").set("currency", "usd")

    activity = first_activity(tmp_path, CAFOD, currencies)
    assert [t.value.currency for t in activity.transactions[:2]] == ["USD", "GBP"]
    activity = first_activity(tmp_path, CAFOD, lambda element: element.attrib.pop("default-currency"))
    assert {t.value.currency for t in activity.transactions} == {""}
    assert parse(ACTIVITIES / "default_currency.xml")[0][0].transactions[0].value.currency == "USD"


def test_7_the_value_date_is_kept_and_a_transaction_without_a_date_takes_it_with_a_warning():
    child = {a.identifier: a for a in parse(DFID)[0]}["GB-1-105838-101"]
    transaction = child.transactions[0]
    assert (transaction.date, transaction.value.value_date) == (date(2004, 1, 1), date(2009, 4, 1))
    activity = parse(ACTIVITIES / "broken_activity_01.xml")[0][0]
    assert activity.transactions[0].date == date(2010, 12, 31)
    reasons = warnings_of(activity, "transaction-date")
    assert any("'2010'" in r for r in reasons)
    assert any("takes its value date, 2010-12-31" in r for r in reasons)


def test_8_an_empty_identifier_rejects_the_activity_with_its_line():
    activities, errors, _notes = parse(ACTIVITIES / "IATI-xml-dfid-sample.xml")
    assert activities == []
    [error] = errors
    assert (error.field, error.line, error.identifier) == ("iati-identifier", 3, "")


def test_8_an_identifier_with_blank_space_is_stripped_for_the_key_and_kept_raw(tmp_path):
    raw = "\n\t GB-CHC-285776-DRC173  \n"
    activity = first_activity(tmp_path, CAFOD, lambda element: setattr(element.find("iati-identifier"), "text", raw))
    assert activity.identifier == "GB-CHC-285776-DRC173"
    assert activity.identifier_raw == raw
    assert warnings_of(activity, "iati-identifier")
    assert parse(CAFOD)[0][0].identifier_raw == ""


def test_11_a_secondary_reporter_is_flagged_and_its_reporting_org_kept(tmp_path):
    assert parse(EXAMPLE)[0][0].secondary_reporter is False
    path = variant(
        tmp_path, EXAMPLE, lambda root: root.find("iati-activity/reporting-org").set("secondary-reporter", "1")
    )
    activity = parse(path)[0][0]
    assert activity.secondary_reporter is True
    assert activity.reporting_org.ref == "AA-AAA-123456789"


def test_12_related_activities_keep_both_directions_of_the_hierarchy():
    activities = {a.identifier: a for a in parse(DFID)[0]}
    parent, child = activities["GB-1-105838"], activities["GB-1-105838-101"]
    assert (parent.hierarchy, child.hierarchy) == (1, 2)
    assert (parent.related_activities[0].type, parent.related_activities[0].ref) == ("2", "GB-1-105838-101")
    assert [(r.type, r.ref) for r in child.related_activities][:2] == [("1", "GB-1-105838"), ("3", "GB-1-105838-102")]
    sample = parse(ACTIVITIES / "worked-example.xml")[0][0]
    assert [(r.type, r.ref) for r in sample.related_activities] == [("3", "http://example.org/activities/54321.xml")]


def test_13_sector_percentages_are_checked_per_vocabulary_and_never_renormalised(tmp_path):
    def ninety_five(root):
        activity = root.findall("iati-activity")[1]
        activity.findall("sector")[3].set("percentage", "5")
        category = etree.SubElement(activity, "sector", vocabulary="DAC-3", code="151", percentage="100")
        activity.insert(activity.index(activity.findall("sector")[-1]), category)

    activity = parse(variant(tmp_path, DFID, ninety_five))[0][1]
    assert [s.percentage for s in activity.sectors if s.vocabulary == "1"] == [40, 30, 20, 5]
    [reason] = warnings_of(activity, "sector")
    assert "vocabulary 1" in reason
    assert "add up to 95" in reason
    assert not warnings_of(parse(DFID)[0][1], "sector")


def test_13_sectors_and_countries_on_transactions_are_read():
    activity = parse(EXAMPLE)[0][0]
    transaction = activity.transactions[0]
    assert (transaction.sector.vocabulary, transaction.sector.code) == ("2", "111")
    assert (transaction.recipient_country, transaction.recipient_region) == ("AF", "456")
    assert activity.recipient_countries == {"AF", "AG"}
    assert any("on the activity and on its transactions" in r for r in warnings_of(activity, "sector"))


ENCODINGS = {
    "utf-16 with a BOM": lambda text: text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
    "utf-16 without a BOM, blank lines first": lambda text: (
        "\n\n  " + text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    ).encode("utf-16-le"),
    "utf-32 with a BOM": lambda text: text.replace('encoding="UTF-8"', 'encoding="UTF-32"').encode("utf-32"),
    "utf-32 without a BOM": lambda text: text.replace('encoding="UTF-8"', 'encoding="UTF-32"').encode("utf-32-be"),
    "a BOM and blank lines before <?xml": lambda text: codecs_bom() + b"\r\n\n \t" + text.encode("utf-8"),
    "windows-1252 declared": lambda text: text.replace('encoding="UTF-8"', 'encoding="windows-1252"').encode("cp1252"),
}


def codecs_bom():
    return b"\xef\xbb\xbf"


@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_14_any_encoding_reads_the_same_activities(encode, tmp_path):
    original, _errors, _notes = parse(CAFOD)
    text = CAFOD.read_text(encoding="utf-8")
    assert any(ord(c) > 127 for c in text), "the file holds accented letters and curly quotes"
    path = tmp_path / "encoded.xml"
    path.write_bytes(encode(text))
    activities, errors, notes = parse(path)
    assert (errors, notes) == ([], [])
    assert [(a.identifier, a.title, a.description, a.content_hash) for a in activities] == [
        (a.identifier, a.title, a.description, a.content_hash) for a in original
    ]


def test_14_windows_1252_bytes_in_a_utf_8_file_are_read_as_such_and_reported(tmp_path):
    data = DFID.read_bytes()
    last_title = data.rindex(b"<title>") + len(b"<title>")
    path = tmp_path / "mixed.xml"
    path.write_bytes(data[:last_title] + "Café – ".encode("cp1252") + data[last_title:])
    activities, errors, notes = parse(path)
    assert not errors
    assert [a.identifier for a in activities] == [a.identifier for a in parse(DFID)[0]], "none twice, none lost"
    assert activities[-1].title.startswith("Café – ")
    [note] = notes
    assert "windows-1252" in note.reason


def test_14_an_encoding_lxml_does_not_know_refuses_the_file(tmp_path):
    path = tmp_path / "unknown.xml"
    path.write_bytes(CAFOD.read_bytes().replace(b'encoding="UTF-8"', b'encoding="x-no-such-encoding"'))
    with pytest.raises(BrokenFile, match="x-no-such-encoding"):
        parse(path)


def big_file(tmp_path, megabytes):
    """The 2.01 example activity repeated, each with its own identifier, to `megabytes`: (path, count)."""
    data = EXAMPLE.read_bytes()
    start, end = data.index(b"<iati-activity "), data.rindex(b"</iati-activity>") + len(b"</iati-activity>")
    body = data[start:end]
    path = tmp_path / "big.xml"
    count = megabytes * 1024 * 1024 // len(body)
    with open(path, "wb") as out:
        out.write(data[:start])
        for number in range(count):
            out.write(body.replace(b"AA-AAA-123456789-ABC123", b"AA-AAA-123456789-%d" % number))
        out.write(data[end:])
    return path, count


def test_15_memory_stays_flat_whatever_the_file_size(tmp_path):
    path, written = big_file(tmp_path, 40)
    size = path.stat().st_size
    list(read(EXAMPLE))  # the schema and the codelist tables are loaded once, before measuring
    baseline, peak = settled_resident_bytes(), 0

    def watch(done, total):
        nonlocal peak
        peak = max(peak, resident_bytes() - baseline)

    tracemalloc.start()
    try:
        count = sum(1 for item in read(path, progress=watch) if isinstance(item, Activity))
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == written
    # lxml's tree lives outside Python's allocator: the process size is what tells; kept whole,
    # this file's tree takes about ten times its size.
    assert peak < 25 * 1024 * 1024 < size
    assert python_peak < 5 * 1024 * 1024


def test_15_an_activity_larger_than_the_cap_is_rejected_and_memory_stays_bounded(tmp_path):
    data = DFID.read_bytes()
    transaction = data[data.index(b"<transaction>") : data.index(b"</transaction>") + len(b"</transaction>")]
    first_end = data.index(b"</iati-activity>")
    path = tmp_path / "huge-activity.xml"
    with open(path, "wb") as out:
        out.write(data[:first_end])
        for _ in range(30 * 1024 * 1024 // len(transaction)):
            out.write(transaction)
        out.write(data[first_end:])
    list(read(CAFOD))
    baseline, peak = settled_resident_bytes(), 0

    def watch(done, total):
        nonlocal peak
        peak = max(peak, resident_bytes() - baseline)

    activities, errors, _notes = parse(path, progress=watch, max_activity_bytes=1024 * 1024)
    [error] = errors
    assert error.identifier == "GB-1-105838"
    assert error.reason == "The activity is larger than the 1 MB allowed for one activity; it was left out."
    assert len(activities) == 204
    assert peak < 20 * 1024 * 1024


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE iati-activities [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10)
    )
    + b']>\n<iati-activities version="2.03"><iati-activity>'
    + b"<iati-identifier>&lol9;</iati-identifier></iati-activity></iati-activities>"
)


def test_16_a_doctype_with_entities_is_refused(tmp_path):
    path = tmp_path / "laughs.xml"
    path.write_bytes(BILLION_LAUGHS)
    with pytest.raises(BrokenFile) as refused:
        parse(path)
    assert "DTD" in refused.value.reason
    assert "lol" not in refused.value.reason


def test_16_an_external_entity_is_refused_without_reading_the_file_it_names(tmp_path):
    data = CAFOD.read_bytes().replace(
        b"<iati-activities ",
        b'<!DOCTYPE iati-activities [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n<iati-activities ',
        1,
    )
    data = data.replace(b"<title>", b"<title>&secret;", 1)
    path = tmp_path / "external.xml"
    path.write_bytes(data)
    read_before = []
    with pytest.raises(BrokenFile) as refused:
        read_before.extend(read(path))
    assert read_before == []
    assert "DTD" in refused.value.reason
    assert "root:" not in str(refused.value)


def test_16_any_doctype_is_refused_even_without_entities(tmp_path):
    path = tmp_path / "doctype.xml"
    path.write_bytes(
        CAFOD.read_bytes().replace(b"<iati-activities ", b"<!DOCTYPE iati-activities>\n<iati-activities ", 1)
    )
    with pytest.raises(BrokenFile, match="DTD"):
        parse(path)


# The rest of the contract --------------------------------------------------------------------------


def test_a_root_other_than_iati_activities_is_refused(tmp_path):
    path = tmp_path / "organisations.xml"
    path.write_bytes(
        b'<?xml version="1.0"?>\n<iati-organisations version="2.03"><iati-organisation/></iati-organisations>'
    )
    with pytest.raises(BrokenFile, match="iati-organisations, not iati-activities") as refused:
        parse(path)
    assert refused.value.line == 2


def test_a_file_of_a_single_iati_activity_is_read_as_a_file_of_one():
    activities, errors, notes = parse(ACTIVITIES / "worked-example.xml")
    assert [a.identifier for a in activities] == ["http://www.example.org/activities/12345.xml"]
    assert not errors
    assert "a single iati-activity" in notes[0].reason


def test_the_layout_before_1_0_gets_an_identifier_from_its_reporting_org_and_other_identifier():
    activities, errors, _notes = parse(OCHA)
    assert not errors
    first = activities[0]
    assert first.identifier == "124-43729"
    assert warnings_of(first, "iati-identifier")
    assert [t.type for t in first.transactions[:5]] == ["13", "11", "11", "13", "1"]  # pledge, commitment, paid
    assert first.transactions[0].date == date(2010, 1, 18)
    assert first.transactions[0].value.currency == "EUR"


def test_a_binary_file_object_reads_like_a_path_and_is_left_open():
    with open(CAFOD, "rb") as handle:
        from_handle = [a.content_hash for a in parse(handle)[0]]
        assert not handle.closed
    assert from_handle == [a.content_hash for a in parse(CAFOD)[0]]
    assert len(parse(io.BytesIO(CAFOD.read_bytes()))[0]) == 57


def test_progress_is_reported_in_bytes_up_to_the_file_size():
    calls = []
    parse(DFID, progress=lambda done, total: calls.append((done, total)))
    size = DFID.stat().st_size
    assert calls[-1] == (size, size)
    assert 5 < len(calls) <= 110
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)


def test_progress_of_a_stream_without_a_size_says_so():
    class Stream:
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def read(self, size=-1):
            return self.data.read(size)

        def seekable(self):
            return False

    calls = []
    activities, _errors, _notes = parse(
        Stream(CAFOD.read_bytes()), progress=lambda done, total: calls.append((done, total))
    )
    assert len(activities) == 57
    assert calls[-1] == (CAFOD.stat().st_size, None)


def test_the_content_hash_is_the_sha256_of_the_activity_as_published_and_changes_with_it(tmp_path):
    elements = tree(CAFOD).getroot().findall("iati-activity")
    activities = parse(CAFOD)[0]
    assert [a.content_hash for a in activities] == [
        hashlib.sha256(etree.tostring(element, with_tail=False)).hexdigest() for element in elements
    ]
    changed = parse(
        variant(tmp_path, CAFOD, lambda root: setattr(root.findall("iati-activity")[3].find("title"), "text", "New"))
    )[0]
    differ = [n for n, (a, b) in enumerate(zip(activities, changed, strict=True)) if a.content_hash != b.content_hash]
    assert differ == [3]


def test_unknown_codes_are_kept_and_reported_naming_the_codelist_the_code_and_the_field(tmp_path):
    codes = {"Country": frozenset({"CD"}), "Currency": frozenset({"GBP"}), "Sector": frozenset({"99810", "15160"})}
    path = variant(tmp_path, CAFOD, lambda root: root.find("iati-activity/recipient-country").set("code", "ZZ"))
    activity = parse(path, codes=codes)[0][0]
    assert activity.recipient_countries == {"ZZ"}
    [reason] = warnings_of(activity, "recipient-country")
    assert "'ZZ'" in reason
    assert "Country codelist" in reason
    assert "recipient-country/@code" in reason
    [sector_reason] = warnings_of(activity, "sector/@code")
    assert "'22030'" in sector_reason
    assert not warnings_of(parse(path)[0][0], "recipient-country"), "without codes nothing is checked"


def test_warnings_carry_the_activitys_identifier_and_the_elements_line():
    activity = parse(ACTIVITIES / "iati_activity_JP.xml")[0][0]
    assert activity.problems
    assert {p.identifier for p in activity.problems} == {"41AAA-00081406"}
    assert all(p.line and p.line >= activity.line for p in activity.problems)
    assert all(p.severity == "warning" for p in activity.problems)


def test_last_updated_is_timezone_aware_and_read_as_utc_without_a_zone():
    cafod = parse(CAFOD)[0][0]
    assert cafod.last_updated == datetime(2013, 1, 23, tzinfo=UTC)
    example = parse(EXAMPLE)[0][0]
    assert example.last_updated == datetime(2014, 9, 10, 7, 15, 37, tzinfo=UTC)


def test_an_activity_the_caller_holds_unchanged_is_passed_over_and_a_changed_one_read():
    activities, _errors, _notes = parse(CAFOD)
    held = {a.identifier: a.content_hash for a in activities}
    first = activities[0].identifier
    held[first] = "0" * 64  # the caller holds another version of this one
    found = list(read(CAFOD, known=held))
    unchanged = [item for item in found if isinstance(item, Unchanged)]
    assert [item.identifier for item in found if isinstance(item, Activity)] == [first]
    assert len(unchanged) == len(activities) - 1
    assert all(item.line for item in unchanged)
