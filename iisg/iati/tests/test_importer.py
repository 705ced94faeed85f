"""The IATI import into the response mapping, on the real publisher files under ../shared/data/iati.

Expected counts come from the files themselves, read here with plain lxml (not with the parser)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from iisg.actions.choices import ActionSource
from iisg.actions.models import (
    Action,
    ActionOrganisation,
    ActionSector,
    Budget,
    DocumentLink,
    PolicyMarker,
    Recipient,
    RelatedActivity,
    Transaction,
)
from iisg.actions.money import load_rates
from iisg.directory.models import Organisation
from iisg.iati.importer import import_file
from iisg.iati.parser import BrokenFile
from iisg.iati.tests.test_parser import IATI, REAL_FILES, SHOULD_FAIL, SHOULD_PASS, expected_counts, tree, variant

pytestmark = pytest.mark.django_db

ACTIVITIES = settings.SHARED_DATA_DIR / "iati" / "activities"
DFID = ACTIVITIES / "dfid-drc-2013.xml"
CAFOD = ACTIVITIES / "cafod-drc-2013.xml"


@pytest.fixture
def rates():
    load_rates()


def snapshot():
    """Everything an import may write, to compare before and after."""
    from iisg.actions.models import PlannedDisbursement

    models = [Action, ActionOrganisation, Budget, Transaction, Organisation, Recipient, DocumentLink]
    models += [PlannedDisbursement, PolicyMarker, RelatedActivity, Action.history.model]
    return {model._meta.label: sorted(model.objects.values_list("pk", flat=True)) for model in models} | {
        "updated": sorted(Action.objects.values_list("pk", "updated_at"))
    }


def test_a_real_dfid_file_imports_every_activity_with_its_money(rates):
    root = tree(DFID).getroot()
    activities = root.findall("iati-activity")
    summary = import_file(DFID)
    counts = summary.counts
    assert counts["read"] == len(activities) == 205
    assert counts["imported"] + counts["rejected"] == counts["read"]
    assert Action.objects.filter(source=ActionSource.IATI).count() == counts["imported"]
    identifiers = {a.findtext("iati-identifier").strip() for a in activities}
    assert set(Action.objects.values_list("iati_identifier", flat=True)) <= identifiers
    imported = set(Action.objects.values_list("iati_identifier", flat=True))
    expected_transactions = sum(
        len(a.findall("transaction")) for a in activities if a.findtext("iati-identifier").strip() in imported
    )
    dropped = [p for p in summary.problems if p.severity == "warning" and "transaction" in p.field]
    assert Transaction.objects.count() == expected_transactions - len([p for p in dropped if "left out" in p.reason])
    expected_budgets = sum(
        len(a.findall("budget")) for a in activities if a.findtext("iati-identifier").strip() in imported
    )
    assert Budget.objects.count() <= expected_budgets
    transaction = Transaction.objects.filter(currency="GBP", value_date__isnull=False).first()
    assert transaction.value_eur is not None
    assert transaction.eur_rate is not None
    assert transaction.value_eur == (transaction.value * transaction.eur_rate).quantize(Decimal("0.01"))
    assert transaction.rate_month == transaction.value_date.replace(day=1)


def test_reimporting_the_same_file_changes_nothing():
    import_file(CAFOD)
    before = snapshot()
    summary = import_file(CAFOD)
    assert snapshot() == before
    assert summary.counts["unchanged"] == Action.objects.count()
    assert summary.counts["imported"] == summary.counts["updated"] == 0


def test_organisations_are_matched_by_reference_then_by_name_and_never_duplicated():
    known = Organisation.objects.create(name="Department for International Development", kind="third_state")
    import_file(DFID)
    known.refresh_from_db()
    assert known.iati_identifier == "GB-1", "a known organisation takes the reference it was missing"
    assert Organisation.objects.filter(name__iexact="Department for International Development").count() == 1
    count = Organisation.objects.count()
    import_file(DFID, source_name="dfid-again.xml")
    assert Organisation.objects.count() == count


def test_a_newer_last_updated_updates_and_an_older_one_is_skipped(tmp_path):
    def stamp(when, title):
        def change(root):
            first = root.find("iati-activity")
            first.set("last-updated-datetime", when)
            first.find("title").text = title

        return change

    identifier = tree(CAFOD).getroot().find("iati-activity").findtext("iati-identifier").strip()
    import_file(variant(tmp_path, CAFOD, stamp("2020-01-01T00:00:00Z", "First title")))
    newer = import_file(variant(tmp_path, CAFOD, stamp("2021-01-01T00:00:00Z", "Newer title")))
    assert newer.counts["updated"] == 1
    assert Action.objects.get(iati_identifier=identifier).title == "Newer title"
    older = import_file(variant(tmp_path, CAFOD, stamp("2019-01-01T00:00:00Z", "Older title")))
    assert older.counts["older"] == 1
    assert older.counts["updated"] == 0
    action = Action.objects.get(iati_identifier=identifier)
    assert action.title == "Newer title"
    assert action.history.first().history_change_reason.startswith("Imported from")


def test_an_activity_missing_from_a_republished_file_is_withdrawn_not_deleted(tmp_path):
    first = tree(CAFOD).getroot().find("iati-activity")
    identifier = first.findtext("iati-identifier").strip()
    import_file(CAFOD)
    summary = import_file(variant(tmp_path, CAFOD, lambda root: root.remove(root.find("iati-activity"))))
    assert summary.counts["withdrawn"] == 1
    action = Action.objects.get(iati_identifier=identifier)
    assert action.withdrawn_at is not None
    assert action.history.first().history_change_reason.startswith("Withdrawn")
    again = import_file(CAFOD)
    assert again.counts["updated"] == 1, "published again, it comes back"
    action.refresh_from_db()
    assert action.withdrawn_at is None


def test_a_file_broken_at_its_end_is_refused_whole_and_the_database_is_unchanged(tmp_path):
    import_file(DFID)
    before = snapshot()
    data = CAFOD.read_bytes()
    truncated = tmp_path / CAFOD.name
    truncated.write_bytes(data[: data.rindex(b"</iati-activities>")])
    with pytest.raises(BrokenFile) as refused:
        import_file(truncated)
    assert refused.value.line
    assert refused.value.reason
    assert snapshot() == before


def test_the_deliberately_broken_file_is_refused_with_its_line():
    with pytest.raises(BrokenFile) as refused:
        import_file(ACTIVITIES / "broken.xml")
    assert refused.value.line == 4
    assert Action.objects.count() == 0


def test_the_country_and_sector_filters_keep_only_the_regions_actions():
    everything = len(tree(CAFOD).getroot().findall("iati-activity"))
    none = import_file(CAFOD, countries=["AL", "BA", "XK", "ME", "MK", "RS"])
    assert none.counts["filtered"] == everything
    assert Action.objects.count() == 0
    congo = import_file(CAFOD, countries=["CD"])
    assert congo.counts["imported"] + congo.counts["rejected"] + congo.counts["filtered"] == everything
    assert congo.counts["imported"] > 0


def test_the_same_identifier_from_another_file_is_listed_as_a_conflict(tmp_path):
    import_file(CAFOD)
    copy = tmp_path / "cafod-copy.xml"
    copy.write_bytes(CAFOD.read_bytes())
    summary = import_file(copy)
    assert summary.counts["conflicts"] == Action.objects.count()
    assert summary.conflicts[0]["reason"]
    assert set(Action.objects.values_list("iati_source", flat=True)) == {CAFOD.name}


def test_the_command_imports_a_folder_and_names_the_files_it_refused(tmp_path, capsys):
    (tmp_path / CAFOD.name).write_bytes(CAFOD.read_bytes())
    (tmp_path / "broken.xml").write_bytes((ACTIVITIES / "broken.xml").read_bytes())
    with pytest.raises(CommandError, match=r"broken\.xml"):
        call_command("import_iati", str(tmp_path))
    out = capsys.readouterr()
    assert f"{CAFOD.name}:" in out.out
    assert "broken.xml: refused, nothing imported. line 4" in out.err
    assert Action.objects.filter(iati_source=CAFOD.name).exists()


def test_imported_actions_are_linked_to_the_partners_they_benefit(tmp_path):
    from iisg.core.tests import factories as f

    albania = f.PartnerFactory(code="AL", name="Albania")

    def to_albania(root):
        for country in root.iter("recipient-country"):
            country.set("code", "AL")

    import_file(variant(tmp_path, CAFOD, to_albania), countries=["AL"])
    assert Action.objects.count() > 0
    assert set(Action.objects.filter(partners=albania).values_list("pk", flat=True)) == set(
        Action.objects.values_list("pk", flat=True)
    )


def test_money_without_a_currency_keeps_an_empty_eur_figure_and_says_so(tmp_path):
    def no_currency(root):
        for activity in root.iter("iati-activity"):
            activity.attrib.pop("default-currency", None)
        for value in root.iter("value"):
            value.attrib.pop("currency", None)

    summary = import_file(variant(tmp_path, CAFOD, no_currency))
    assert Transaction.objects.count() > 0
    assert not Transaction.objects.exclude(currency="").exists()
    assert not Transaction.objects.filter(value_eur__isnull=False).exists()
    assert set(Action.objects.values_list("default_currency", flat=True)) == {""}, "no EUR made up"
    assert any("no currency" in p.reason for p in summary.problems)


def test_dates_of_imported_actions_are_dates():
    import_file(DFID)
    assert isinstance(Action.objects.exclude(planned_start=None).first().planned_start, date)


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda path: path.name)
def test_each_real_file_imports_what_its_xml_holds(path):
    expected = expected_counts(path)
    identifiers = expected["identifiers"]
    summary = import_file(path)
    counts = summary.counts
    assert counts["read"] == len(identifiers) + expected["rejected"]
    assert counts["imported"] == len(set(identifiers))
    assert counts["conflicts"] == len(identifiers) - len(set(identifiers)), "a repeated identifier keeps the first"
    assert sorted(Action.objects.values_list("iati_identifier", flat=True)) == sorted(set(identifiers))
    if len(identifiers) == len(set(identifiers)):
        stored = {
            "transactions": Transaction.objects.count(),
            "budgets": Budget.objects.count(),
            "sectors": ActionSector.objects.count(),
            "participating": ActionOrganisation.objects.count(),
            "recipients": Recipient.objects.count(),
            "document_links": DocumentLink.objects.count(),
            "policy_markers": PolicyMarker.objects.count(),
            "related": RelatedActivity.objects.count(),
        }
        # What the tables cannot hold is left out one by one, each with a warning naming its element.
        elements = {"sectors": "sector", "participating": "participating-org"}
        dropped = {
            name: sum(
                1
                for p in summary.problems
                if p.severity == "warning"
                and p.field.split("/")[0] == elements.get(name, name)
                and ("listed twice" in p.reason or "participating organisation" in p.reason)
            )
            for name in stored
        }
        assert stored == {name: expected[name] - dropped[name] for name in stored}


@pytest.mark.parametrize("path", SHOULD_PASS, ids=lambda path: str(path.relative_to(IATI)))
def test_every_should_pass_document_imports_once_it_has_an_identifier(path, tmp_path):
    filled = tmp_path / path.name
    filled.write_bytes(
        re.sub(
            rb"<iati-identifier>\s*</iati-identifier>",
            b"<iati-identifier>XM-TEST-1</iati-identifier>",
            path.read_bytes(),
        )
    )
    summary = import_file(filled)
    assert summary.counts["imported"] == 1
    assert not [p for p in summary.problems if p.severity == "error"]
    assert Action.objects.get().iati_identifier == "XM-TEST-1"


@pytest.mark.parametrize("path", SHOULD_FAIL, ids=lambda path: str(path.relative_to(IATI)))
def test_every_should_fail_document_is_reported_and_leaves_no_half_action(path):
    try:
        summary = import_file(path)
    except BrokenFile as refused:
        reasons = [refused.reason]
        assert Action.objects.count() == 0
    else:
        # An activity rejected, or the file's root reported.
        reasons = [p.reason for p in summary.problems if p.severity == "error"]
        assert Action.objects.count() == summary.counts["imported"]
    assert reasons
    assert all(reasons)


def test_the_same_name_under_another_reference_is_another_organisation(tmp_path):
    known = Organisation.objects.create(
        name="Department for International Development", kind="third_state", iati_identifier="XX-OTHER-1"
    )
    import_file(DFID)
    dfid = Organisation.objects.get(iati_identifier="GB-1")
    assert dfid != known
    assert dfid.name == "Department for International Development (GB-1)"
    count = Organisation.objects.count()
    import_file(DFID, source_name="dfid-again.xml")
    assert Organisation.objects.count() == count
