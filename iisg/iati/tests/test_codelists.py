"""The IATI codelists: loaded from ../shared/data/iati/codelists/ into tables, read back for the import
and the UI, and the tables that turn 1.0x words into codes.

Expected values come from the codelist files themselves, read here with plain lxml."""

import shutil

import pytest
from django.core.management import call_command
from lxml import etree

from iisg.iati import codelists
from iisg.iati.codelists import known_codes, load_codelists, names, words
from iisg.iati.models import CodelistEntry

CODELISTS = codelists.codelists_dir()
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Codes and names are cached per process; a test's rolled-back rows must not outlive it."""
    codelists.clear_cache()
    yield
    codelists.clear_cache()


def items(name):
    return etree.parse(str(CODELISTS / f"{name}.xml")).getroot().findall("codelist-items/codelist-item")


def snapshot():
    return sorted(CodelistEntry.objects.values_list("codelist", "code", "name", "description", "category", "withdrawn"))


@pytest.mark.django_db
def test_every_codelist_file_is_loaded_with_each_code_once():
    counts = load_codelists()
    files = sorted(CODELISTS.glob("*.xml"))
    assert counts["codelists"] == len(files)
    expected = 0
    for path in files:
        root = etree.parse(str(path)).getroot()
        codes = {(c.text or "").strip() for c in root.iterfind("codelist-items/codelist-item/code")}
        expected += len({code for code in codes if code})
    assert CodelistEntry.objects.count() == expected == counts["created"]
    assert set(CodelistEntry.objects.values_list("codelist", flat=True)) == {
        etree.parse(str(path)).getroot().get("name") for path in files
    }


@pytest.mark.django_db
def test_entries_hold_the_english_name_description_category_and_withdrawn_status():
    load_codelists()
    role = CodelistEntry.objects.get(codelist="OrganisationRole", code="1")
    assert role.name == "Funding"
    assert role.description == "The government or organisation which provides funds to the activity."
    withdrawn = CodelistEntry.objects.get(codelist="Sector", code="11321")
    assert withdrawn.withdrawn
    assert withdrawn.category == "113"
    assert withdrawn.name == "Lower secondary education"
    assert not CodelistEntry.objects.get(codelist="Sector", code="15210").withdrawn
    withdrawn_in_file = sum(
        1 for item in items("Sector") if item.get("status") == "withdrawn" or item.get("withdrawal-date")
    )
    assert CodelistEntry.objects.filter(codelist="Sector", withdrawn=True).count() == withdrawn_in_file


@pytest.mark.django_db
def test_a_code_without_a_name_is_named_by_its_code():
    load_codelists()
    assert CodelistEntry.objects.get(codelist="Version", code="2.03").name == "2.03"


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    load_codelists()
    before = snapshot()
    counts = load_codelists()
    assert snapshot() == before
    assert counts["created"] == counts["updated"] == counts["withdrawn"] == 0
    assert counts["unchanged"] == len(before)


@pytest.mark.django_db
def test_loading_uses_bulk_queries_not_one_per_code(django_assert_max_num_queries):
    # SQLite takes at most 999 parameters per statement: about 160 codes per insert.
    with django_assert_max_num_queries(60):
        load_codelists()
    assert CodelistEntry.objects.count() > 5000


@pytest.mark.django_db
def test_a_changed_name_is_updated_and_a_code_no_longer_listed_is_kept_as_withdrawn(tmp_path):
    shutil.copy(CODELISTS / "OrganisationRole.xml", tmp_path)
    load_codelists(tmp_path)
    assert names("OrganisationRole")["4"] == "Implementing"
    text = (tmp_path / "OrganisationRole.xml").read_text()
    text = text.replace("<narrative>Implementing</narrative>", "<narrative>Implementing partner</narrative>")
    start = text.index("<codelist-item>\n            <code>3</code>")
    end = text.index("</codelist-item>", start) + len("</codelist-item>")
    (tmp_path / "OrganisationRole.xml").write_text(text[:start] + text[end:])
    counts = load_codelists(tmp_path)
    assert counts["updated"] == 1
    assert counts["withdrawn"] == 1
    assert names("OrganisationRole")["4"] == "Implementing partner", "the cache is forgotten on load"
    assert CodelistEntry.objects.get(codelist="OrganisationRole", code="3").withdrawn
    assert "3" in known_codes()["OrganisationRole"], "a withdrawn code is still known: older files use it"


@pytest.mark.django_db
def test_every_real_code_fits_and_a_longer_one_is_counted_not_truncated(tmp_path):
    counts = load_codelists()
    assert counts["too_long"] == 0
    stored = set(CodelistEntry.objects.filter(codelist="FileFormat").values_list("code", flat=True))
    assert stored == {item.findtext("code") for item in items("FileFormat")}, "media types up to 84 characters"

    text = (CODELISTS / "OrganisationRole.xml").read_text()
    (tmp_path / "OrganisationRole.xml").write_text(text.replace("<code>4</code>", f"<code>{'4' * 101}</code>"))
    counts = load_codelists(tmp_path)
    assert counts["too_long"] == 1
    assert not CodelistEntry.objects.filter(codelist="OrganisationRole", code__startswith="44").exists()


@pytest.mark.django_db
def test_known_codes_and_names_come_from_the_tables():
    assert known_codes() == {}, "nothing loaded yet"
    load_codelists()
    codes = known_codes()
    assert codes["Country"] == frozenset(item.findtext("code") for item in items("Country"))
    assert "GBP" in codes["Currency"]
    assert "15210" in codes["Sector"]
    assert names("Country")["AL"] == "Albania"
    assert names("NoSuchCodelist") == {}


@pytest.mark.django_db
def test_known_codes_are_read_once_per_process(django_assert_num_queries):
    load_codelists()
    known_codes()
    with django_assert_num_queries(0):
        known_codes()
        known_codes()


def test_1_0x_words_map_to_2_0x_codes_without_regard_to_case():
    tables = words()
    assert tables["OrganisationRole"]["funding"] == "1"
    assert tables["OrganisationRole"]["implementing"] == "4"
    assert tables["TransactionType"]["d"] == "3"
    assert tables["TransactionType"]["if"] == "1"
    assert tables["TransactionType"]["disbursement"] == "3", "the 2.03 name maps too"
    assert tables["TransactionType"]["commitment"] == "2", "the 1.0x name of an outgoing commitment"
    assert tables["ActivityDateType"]["end-actual"] == "4"
    assert tables["SectorVocabulary"]["dac-3"] == "2"
    assert tables["BudgetType"]["original"] == "1"
    assert tables["BudgetType"]["revised"] == "2"
    assert tables["RelatedActivityType"]["parent"] == "1"
    assert tables["TransactionType"]["3"] == "3", "codes map to themselves"


def test_the_word_tables_are_built_from_the_codelist_files():
    role_names = {
        next(n.text for n in item.find("name").findall("narrative") if n.get(XML_LANG) is None).lower(): item.findtext(
            "code"
        )
        for item in items("OrganisationRole")
    }
    assert role_names.items() <= words()["OrganisationRole"].items()


@pytest.mark.django_db
def test_the_command_loads_and_says_what_it_loaded(capsys):
    call_command("load_codelists")
    out = capsys.readouterr().out
    count = CodelistEntry.objects.count()
    assert f"codes {count} created" in out
    assert "longer than the table holds" not in out
    call_command("load_codelists")
    assert f"{count} unchanged" in capsys.readouterr().out
