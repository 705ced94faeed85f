"""The generator of IATI 2.03 files for benchmarks: valid against the schema, deterministic, and
read by the platform's own parser without a problem. Checks read the file with plain lxml."""

from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from lxml import etree

from iisg.iati import codelists
from iisg.iati.activity import Activity, Problem
from iisg.iati.generator import WESTERN_BALKANS, generate
from iisg.iati.parser import read

SCHEMA = Path(settings.SHARED_DATA_DIR) / "iati" / "schema" / "iati-activities-schema.xsd"
COUNT = 200
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Where the generated file carries a code, and the codelist it must come from.
CODED = {
    "//activity-status/@code": "ActivityStatus",
    "//activity-date/@type": "ActivityDateType",
    "//activity-scope/@code": "ActivityScope",
    "//recipient-country/@code": "Country",
    "//iati-activity/sector/@code": "Sector",
    "//iati-activity/sector/@vocabulary": "SectorVocabulary",
    "//policy-marker/@code": "PolicyMarker",
    "//policy-marker/@vocabulary": "PolicyMarkerVocabulary",
    "//policy-marker/@significance": "PolicySignificance",
    "//collaboration-type/@code": "CollaborationType",
    "//default-flow-type/@code": "FlowType",
    "//default-finance-type/@code": "FinanceType",
    "//default-aid-type/@code": "AidType",
    "//default-tied-status/@code": "TiedStatus",
    "//budget/@type | //planned-disbursement/@type": "BudgetType",
    "//budget/@status": "BudgetStatus",
    "//transaction-type/@code": "TransactionType",
    "//description/@type": "DescriptionType",
    "//@role": "OrganisationRole",
    "//*[self::reporting-org or self::participating-org or self::provider-org or self::receiver-org]/@type": (
        "OrganisationType"
    ),
    "//@default-currency | //@currency": "Currency",
    "//@xml:lang | //document-link/language/@code": "Language",
    "//document-link/category/@code": "DocumentCategory",
    "//document-link/@format": "FileFormat",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("generated") / "activities.xml"
    generate(path, count=COUNT, seed=7)
    return path


@pytest.fixture(scope="module")
def activities(generated):
    return etree.parse(str(generated), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()


def test_generated_file_is_valid_against_the_iati_2_03_schema(activities):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert activities.get("version") == "2.03"
    assert schema.validate(activities), schema.error_log.last_error


def test_same_seed_writes_the_same_bytes_and_another_seed_other_bytes(tmp_path):
    first, again, other = tmp_path / "first.xml", tmp_path / "again.xml", tmp_path / "other.xml"
    generate(first, count=50, seed=11)
    generate(again, count=50, seed=11)
    generate(other, count=50, seed=12)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_identifiers_are_unique_and_as_many_as_asked(generated, activities):
    identifiers = activities.xpath("iati-activity/iati-identifier/text()")
    assert len(identifiers) == COUNT
    assert len(set(identifiers)) == COUNT
    assert all(i.startswith(ref) for i, ref in zip(identifiers, activities.xpath("*/reporting-org/@ref"), strict=True))


def test_about_other_share_of_activities_go_outside_the_countries(activities, tmp_path):
    outside = [a for a in activities if not set(a.xpath("recipient-country/@code")) & set(WESTERN_BALKANS)]
    inside = [a for a in activities if set(a.xpath("recipient-country/@code")) <= set(WESTERN_BALKANS)]
    assert 0.05 * COUNT <= len(outside) <= 0.15 * COUNT  # other_share is 0.1
    assert len(inside) + len(outside) == COUNT

    path = tmp_path / "albania.xml"
    generate(path, count=100, seed=7, countries=("AL",), other_share=0)
    assert set(etree.parse(str(path)).xpath("//iati-activity/recipient-country/@code")) == {"AL"}


def test_recipient_and_sector_percentages_of_each_activity_add_up_to_100(activities):
    for activity in activities:
        for shares in (activity.xpath("recipient-country/@percentage"), activity.xpath("sector/@percentage")):
            assert shares
            assert sum(Decimal(share) for share in shares) == 100


def test_every_code_is_in_its_codelist(activities):
    for path, codelist in CODED.items():
        found = Counter(activities.xpath(path, namespaces={"xml": "http://www.w3.org/XML/1998/namespace"}))
        assert found, path
        assert set(found) <= codelists.file_codes(codelist), (path, set(found) - codelists.file_codes(codelist))


def test_activities_have_the_shape_of_real_ones(generated, activities):
    for activity in activities:
        assert 1 <= len(activity.findall("description")) <= 2
        assert 2 <= len(activity.findall("participating-org")) <= 4
        assert 1 <= len(activity.findall("budget")) <= 3
        assert len(activity.findall("planned-disbursement")) <= 2
        assert 3 <= len(activity.findall("transaction")) <= 8
        assert len(activity.findall("document-link")) <= 2
        assert len(activity.findall("policy-marker")) <= 2
    assert 2_000 < generated.stat().st_size / COUNT < 10_000  # a few KB each, like published activities
    partner_languages = set(activities.xpath("*/title/narrative/@xml:lang | */description/narrative/@xml:lang"))
    assert partner_languages & {"sq", "sr", "mk", "bs"}
    currencies = Counter(activities.xpath("iati-activity/@default-currency"))
    assert set(currencies) == {"EUR", "USD", "GBP"}
    assert activities.xpath("//transaction/value[@currency]")
    assert activities.xpath("iati-activity[@humanitarian='1']")


def test_parser_reads_every_activity_without_a_problem(generated):
    codes = {name: codelists.file_codes(name) for name in set(CODED.values())}
    items = list(read(generated, codes=codes))
    problems = [item for item in items if isinstance(item, Problem)]
    problems += [problem for item in items if isinstance(item, Activity) for problem in item.problems]
    assert problems == []
    assert len(items) == COUNT
    first = items[0]
    assert first.version == "2.03"
    assert first.transactions
    assert all(t.value.value_date for t in first.transactions)


def test_generate_iati_command_writes_the_file_and_says_its_size(tmp_path):
    path = tmp_path / "out.xml"
    out = StringIO()
    call_command("generate_iati", str(path), "--count", "20", "--seed", "3", stdout=out)
    assert len(etree.parse(str(path)).getroot()) == 20
    assert f"{path.stat().st_size:,} bytes" in out.getvalue()
