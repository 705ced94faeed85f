"""DAC sector suggestions rank the codes whose codelist words and labelled actions a text shares, say
which words led there, and never suggest a withdrawn code; suggest_sectors reads and writes JSON lines."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from iisg.analysis import sectors
from iisg.analysis.sectors import Labelled, SectorSuggester, build_suggester, labelled_actions, labelled_needs
from iisg.core.tests import factories as f
from iisg.iati.models import CodelistEntry
from iisg.needs.models import NeedSector

pytestmark = pytest.mark.django_db

# A small codelist: four live codes in four categories and a withdrawn one.
SECTORS = [
    ("11220", "Primary education", "Formal and non-formal primary education for children; learning materials."),
    ("12220", "Basic health care", "Basic and primary health care programmes; paramedical and nursing care."),
    ("14030", "Basic drinking water supply and basic sanitation", "Drinking water wells and latrines."),
    ("15210", "Security system management and reform", "Reform of the security system: police, defence."),
    ("23010", "Energy policy and administrative management", "Energy sector policy, planning, programmes."),
]
CATEGORIES = [
    ("112", "Basic Education", ""),
    ("122", "Basic Health", ""),
    ("140", "Water Supply & Sanitation", ""),
    ("152", "Conflict, Peace & Security", ""),
    ("230", "Energy", ""),
]


@pytest.fixture
def codelist():
    for code, name, description in SECTORS:
        CodelistEntry.objects.create(
            codelist="Sector", code=code, name=name, description=description, withdrawn=code == "23010"
        )
    for code, name, description in CATEGORIES:
        CodelistEntry.objects.create(codelist="SectorCategory", code=code, name=name, description=description)


def labelled_action(title, *codes, vocabulary="1", **fields):
    action = f.ActionFactory(title=title, **fields)
    for code in codes:
        f.ActionSectorFactory(action=action, code=code, vocabulary=vocabulary)
    return action


def test_the_code_whose_codelist_words_the_text_shares_comes_first_with_those_words(codelist):
    [suggestions] = build_suggester().suggest(["Wells and latrines: drinking water for rural villages"])

    assert suggestions[0].code == "14030"
    assert {"drinking water", "latrines", "wells"} <= set(suggestions[0].words)
    assert 0 < suggestions[0].score <= 1
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)


def test_labelled_actions_teach_a_code_words_its_codelist_entry_lacks(codelist):
    text = "Thermal cameras and drones for the border guards"
    before = build_suggester().suggest([text])[0]
    labelled_action("Drones with thermal cameras for the border guards of Albania", "15210")

    [after] = build_suggester().suggest([text])

    assert before[0].code != "15210"  # the codelist alone shares no word with the text
    assert after[0].code == "15210"
    assert {"drones", "thermal cameras"} <= set(after[0].words)


def test_a_withdrawn_code_is_never_suggested_even_when_actions_carry_it(codelist):
    labelled_action("Energy policy for solar power plants", "23010")

    [suggestions] = build_suggester().suggest(["Energy policy and administrative management"], top=10)

    assert "23010" not in [s.code for s in suggestions]


def test_a_text_without_a_word_gets_no_codes(codelist):
    assert build_suggester().suggest(["", "   ", "the and of", "dhe për"]) == [[], [], [], []]


def test_top_limits_the_number_of_codes(codelist):
    [suggestions] = build_suggester().suggest(["basic primary education health care water"], top=2)

    assert len(suggestions) == 2


def test_labelled_actions_read_every_language_and_only_live_dac_5_digit_sectors(codelist, django_assert_num_queries):
    published = labelled_action(
        "Water for schools",
        "14030",
        "11220",
        titles=[["en", "Water for schools"], ["sq", "Ujë për shkollat"]],
        descriptions=[{"type": "1", "lang": "fr", "text": "Eau potable pour les écoles"}],
    )
    labelled_action("Category only", "140", vocabulary="2")
    labelled_action("Donor's own code", "14030", vocabulary="99")
    labelled_action("Withdrawn", "14030", withdrawn_at=timezone.now())
    f.ActionFactory(title="No sector")

    with django_assert_num_queries(2):
        found = labelled_actions()

    assert found == [
        Labelled("Water for schools\nUjë për shkollat\nEau potable pour les écoles", frozenset({"14030", "11220"}))
    ]
    assert published.sectors.count() == 2


def test_without_a_sector_codelist_the_suggester_says_what_to_load():
    with pytest.raises(ValueError, match="load the IATI codelists"):
        SectorSuggester([])


def test_suggest_sectors_reads_json_lines_and_writes_codes_best_first(codelist, tmp_path):
    source = tmp_path / "texts.jsonl"
    source.write_text(
        json.dumps({"id": 7, "text": "Primary education: learning materials for children"})
        + "\n\n"
        + json.dumps({"id": "need-2", "text": ""})
        + "\n",
        encoding="utf-8",
    )
    out = io.StringIO()

    call_command("suggest_sectors", "--input", str(source), "--top", "3", stdout=out)

    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["id"] for row in rows] == [7, "need-2"]
    assert rows[0]["codes"][0] == "11220"
    assert len(rows[0]["codes"]) <= 3
    assert rows[1]["codes"] == []


def test_suggest_sectors_explains_each_code_with_its_score_and_words(codelist, tmp_path):
    source = tmp_path / "texts.jsonl"
    source.write_text(json.dumps({"id": 1, "text": "Basic health care and nursing"}) + "\n", encoding="utf-8")
    out = io.StringIO()

    call_command("suggest_sectors", "--input", str(source), "--top", "1", "--explain", stdout=out)

    [row] = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["codes"] == ["12220"]
    [suggestion] = row["suggestions"]
    assert suggestion["code"] == "12220"
    assert 0 < suggestion["score"] <= 1
    assert "basic health" in suggestion["words"]


@pytest.mark.parametrize(
    ("second_line", "reason"),
    [("{not json", "not JSON"), ('{"id": 2}', "expected an object"), ('["id", "text"]', "expected an object")],
)
def test_suggest_sectors_refuses_a_bad_line_naming_its_number(codelist, tmp_path, second_line, reason):
    source = tmp_path / "texts.jsonl"
    source.write_text(json.dumps({"id": 1, "text": "water"}) + "\n" + second_line + "\n", encoding="utf-8")
    out = io.StringIO()

    with pytest.raises(CommandError, match=rf"line 2: {reason}"):
        call_command("suggest_sectors", "--input", str(source), stdout=out)

    assert out.getvalue() == ""


def test_suggest_sectors_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("suggest_sectors", "--input", str(tmp_path / "missing.jsonl"))


def test_a_categorys_general_code_scores_as_its_best_code_and_says_that_codes_words(codelist):
    CodelistEntry.objects.create(
        codelist="Sector",
        code="14010",
        name="Water sector policy and administrative management",
        description="Water sector policy, planning and programmes.",
    )

    [suggestions] = build_suggester().suggest(["Latrines and wells in rural villages"], top=3)

    by_code = {suggestion.code: suggestion for suggestion in suggestions}
    assert by_code["14010"].score == by_code["14030"].score
    assert {"latrines", "wells"} <= set(by_code["14010"].words)


def test_sectors_people_accepted_for_needs_teach_the_suggester_like_actions(codelist):
    text = "Thermal cameras and drones for the border guards"
    before = build_suggester().suggest([text])[0]
    need = f.NeedFactory(title="Drones with thermal cameras", description="", justification="For the border guards.")
    NeedSector.objects.create(need=need, code="15210")

    assert labelled_needs() == [Labelled("Drones with thermal cameras\nFor the border guards.", frozenset({"15210"}))]
    assert before[0].code != "15210"
    assert build_suggester().suggest([text])[0][0].code == "15210"


def test_the_suggester_of_the_process_is_built_again_only_when_what_it_learns_from_changes(codelist, monkeypatch):
    builds = []
    monkeypatch.setattr(sectors, "build_suggester", lambda: builds.append(1) or object())
    monkeypatch.setattr(sectors, "_built", {})
    action = labelled_action("Drones for the border guards", "15210")

    first = sectors.current_suggester()
    assert sectors.current_suggester() is first
    need = f.NeedFactory()
    NeedSector.objects.create(need=need, code="15210")
    sectors.current_suggester()
    NeedSector.objects.filter(need=need).delete()  # back to the count and last id before the accept
    sectors.current_suggester()
    f.ActionSectorFactory(action=action, code="14030")
    sectors.current_suggester()
    action.title = "Drones and cameras for the border guards"
    action.save()  # a new text alone waits for the next change of sectors
    sectors.current_suggester()

    assert len(builds) == 4  # first, the accept, the removal (its history row), the action's new sector
