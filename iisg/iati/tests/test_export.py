"""The IATI 2.03 export of the actions: valid against the schema, the importer's inverse on the real
publisher files under ../shared/data/iati, its rule for actions that lack what IATI requires, the
export_iati command and the download of what a signed-in user may see.

The platform as publisher, text that XML cannot hold and the download page have their own files
(test_export_publisher.py, test_export_text.py, test_export_download_page.py)."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree

from iisg.actions.choices import OrganisationRole
from iisg.actions.models import Action, DocumentLink, PolicyMarker
from iisg.core.choices import Role
from iisg.core.permissions import visible
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.demo.services import load_demo
from iisg.directory.choices import OrganisationKind
from iisg.directory.models import Organisation
from iisg.iati import writer
from iisg.iati.export import (
    NothingToExport,
    activity_of,
    export_actions,
    exportable_actions,
    with_children,
)
from iisg.iati.importer import import_file
from iisg.iati.parser import HARDENED, BrokenFile, activity_schema
from iisg.needs.choices import CycleKind

pytestmark = pytest.mark.django_db

ACTIVITIES = settings.SHARED_DATA_DIR / "iati" / "activities"
DFID = ACTIVITIES / "dfid-drc-2013.xml"
CAFOD = ACTIVITIES / "cafod-drc-2013.xml"
EXAMPLE = ACTIVITIES / "2.01-example-annotated.xml"
GENERATED = datetime(2026, 1, 15, 6, 0, tzinfo=UTC)


def exported(actions=None):
    out = io.BytesIO()
    export_actions(out, actions if actions is not None else Action.objects.all(), generated=GENERATED)
    return out.getvalue()


def valid_document(data):
    """The parsed document, after checking it against the IATI 2.03 schema as a whole."""
    document = etree.fromstring(data, etree.XMLParser(**HARDENED))
    schema = activity_schema()
    assert schema.validate(document), [str(error) for error in schema.error_log][:5]
    return document


def schema_order():
    """The children of iati-activity in the order of the schema's sequence, read from the XSD."""
    xsd = "{http://www.w3.org/2001/XMLSchema}"
    schema = etree.parse(str(settings.SHARED_DATA_DIR / "iati" / "schema" / "iati-activities-schema.xsd"))
    activity = schema.find(f"{xsd}element[@name='iati-activity']")
    sequence = activity.find(f"{xsd}complexType/{xsd}sequence")
    return [child.get("ref") or child.get("name") for child in sequence.iterfind(f"{xsd}element")]


def identifiers_in(document):
    return [activity.findtext("iati-identifier") for activity in document.iterfind("iati-activity")]


def organisation_key(organisation):
    return None if organisation is None else (organisation.iati_identifier or "", organisation.name)


def snapshot():
    """What each action holds, by IATI identifier, in a form two imports can be compared in."""
    rows = {}
    for a in with_children(Action.objects.all()):
        rows[a.iati_identifier] = {
            "fields": (a.title, a.description, a.language, a.status, a.default_currency, a.hierarchy),
            "flags": (a.humanitarian, a.secondary_reporter, a.iati_last_updated),
            "dates": (a.planned_start, a.actual_start, a.planned_end, a.actual_end),
            "titles": a.titles,
            "descriptions": a.descriptions,
            "reporting": organisation_key(a.reporting_organisation),
            "participations": sorted((organisation_key(p.organisation), p.role) for p in a.participations.all()),
            "sectors": sorted((s.vocabulary, s.code, s.percentage) for s in a.sectors.all()),
            "recipients": sorted((r.kind, r.code, r.vocabulary, str(r.percentage)) for r in a.recipients.all()),
            "budgets": sorted(
                (b.budget_type, b.status, b.period_start, b.period_end, b.value, b.currency, b.value_date)
                for b in a.budgets.all()
            ),
            "planned": sorted(
                (p.disbursement_type or 0, p.period_start, str(p.period_end), p.value, p.currency, str(p.value_date))
                for p in a.planned_disbursements.all()
            ),
            "transactions": sorted(
                (
                    (t.transaction_type, t.date, t.value, t.currency, t.value_date, t.reference, t.description),
                    (organisation_key(t.provider), t.provider_activity, organisation_key(t.receiver)),
                    (t.receiver_activity, t.humanitarian, t.sector_vocabulary, t.sector_code),
                    (t.recipient_country, t.recipient_region),
                )
                for t in a.transactions.all()
            ),
            "links": sorted(
                (d.url, d.file_format, d.titles, d.categories, d.languages, d.document_date)
                for d in a.document_links.all()
                if d.file_format and d.categories and d.titles
            ),
            "markers": sorted((m.vocabulary, m.code, m.significance or 0) for m in a.policy_markers.all()),
            "related": sorted((r.relation, r.ref) for r in a.related_activities.all()),
        }
    return rows


def with_title_for_description(row):
    """The row as the export writes it: without any description, the title is the general one."""
    if row["descriptions"]:
        return row
    title, _description, lang, *rest = row["fields"]
    return {
        **row,
        "fields": (title, title, lang, *rest),
        "descriptions": [{"type": "1", "lang": lang, "text": title}],
    }


# The document ------------------------------------------------------------------------------------


def test_export_of_every_real_file_validates_against_the_iati_schema():
    for path in sorted(ACTIVITIES.glob("*.xml")):
        try:
            import_file(path)
        except BrokenFile:
            continue
    assert Action.objects.count() > 700

    document = valid_document(exported())

    assert document.get("version") == "2.03"
    assert document.get("generated-datetime") == "2026-01-15T06:00:00+00:00"
    assert len(identifiers_in(document)) == len(set(identifiers_in(document))) > 400


def test_export_of_the_demo_mapping_holds_every_action_the_platform_reports_for_its_donors(settings):
    settings.IATI_PUBLISHER_REF = "XI-IATI-IISGDEMO"
    load_demo(with_logins=False)
    entered = Action.objects.filter(reporting_organisation__isnull=True)
    out = io.BytesIO()

    summary = export_actions(out, Action.objects.all())

    document = valid_document(out.getvalue())
    assert len(identifiers_in(document)) == summary.exported == Action.objects.count()
    assert summary.actions_left_out == []
    reported = [activity.find("reporting-org").attrib for activity in document.iterfind("iati-activity")]
    by_platform = {"ref": "XI-IATI-IISGDEMO", "type": "40", "secondary-reporter": "1"}
    assert reported.count(by_platform) == entered.count() > 100
    without_identifier = entered.filter(iati_identifier__isnull=True)
    assert {f"XI-IATI-IISGDEMO-{pk}" for pk in without_identifier.values_list("pk", flat=True)} <= set(
        identifiers_in(document)
    )


def test_elements_follow_the_schema_order_and_narratives_say_only_a_different_language():
    import_file(EXAMPLE)
    activity = valid_document(exported()).find("iati-activity")

    tags = list(dict.fromkeys(child.tag for child in activity))
    assert tags == [tag for tag in schema_order() if tag in tags]
    assert len(tags) >= 15
    assert activity.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    title = activity.find("title")
    assert [n.get("{http://www.w3.org/XML/1998/namespace}lang") for n in title] == [None, "fr", "es"]
    assert activity.find("budget/value").attrib == {"currency": "EUR", "value-date": "2014-01-01"}
    assert activity.find("budget/value").text == "3000"


def test_export_is_a_stream_whose_queries_do_not_grow_with_the_actions(publisher):
    def actions(count):
        funder = f.OrganisationFactory(iati_identifier=f"XM-DAC-{count}")
        for _ in range(count):
            action = f.ActionFactory(description="Training.")
            f.ActionOrganisationFactory(action=action, organisation=funder)
            f.ActionSectorFactory(action=action)
            f.BudgetFactory(action=action)
            f.TransactionFactory(action=action, provider=funder)
            PolicyMarker.objects.create(action=action, code="1", significance=1)
        return Action.objects.filter(participations__organisation=funder)

    few, many = actions(2), actions(7)
    with CaptureQueriesContext(connection) as few_queries:
        assert len(identifiers_in(valid_document(exported(few)))) == 2
    with CaptureQueriesContext(connection) as many_queries:
        assert len(identifiers_in(valid_document(exported(many)))) == 7
    assert len(many_queries) == len(few_queries)


# The round trip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [DFID, CAFOD, EXAMPLE], ids=lambda path: path.name)
def test_importing_the_export_gives_back_the_same_actions(tmp_path, source):
    import_file(source)
    before = snapshot()
    out = io.BytesIO()
    export_summary = export_actions(out, Action.objects.all())
    export = tmp_path / "iisg-actions.xml"
    export.write_bytes(out.getvalue())
    incomplete_links = DocumentLink.objects.filter(Q(file_format="") | Q(categories=[]) | Q(titles=[]))
    assert len(export_summary.parts_left_out) == incomplete_links.count()
    Action.objects.all().delete()
    Organisation.objects.all().delete()

    summary = import_file(export)

    assert summary.counts["imported"] == len(before)
    assert summary.counts["rejected"] == 0
    after = snapshot()
    assert after.keys() == before.keys()
    for identifier, row in before.items():
        assert after[identifier] == with_title_for_description(row), identifier


def test_money_is_plain_decimal_text_with_its_currency_and_a_value_date(austria, publisher):
    action = f.ActionFactory()
    f.ActionOrganisationFactory(action=action, organisation=austria)
    f.TransactionFactory(action=action, value=Decimal("-1000.50"), currency="USD", value_date=None)
    f.BudgetFactory(action=action, value=Decimal("2663000000.00"), currency="", value_date=date(2021, 2, 1))

    activity = valid_document(exported()).find("iati-activity")

    returned = activity.find("transaction/value")
    assert (returned.text, returned.attrib) == ("-1000.5", {"currency": "USD", "value-date": "2021-06-30"})
    budget = activity.find("budget/value")
    assert (budget.text, budget.attrib) == ("2663000000", {"value-date": "2021-02-01"})


# Actions that lack what IATI requires --------------------------------------------------------------


@pytest.fixture
def austria():
    return f.OrganisationFactory(
        name="Austria – Ministry of Interior", kind=OrganisationKind.EU_MEMBER_STATE, iati_identifier="AT-11"
    )


@pytest.fixture
def publisher(settings):
    """The platform's IATI organisation identifier, as the embedded mode sets it."""
    settings.IATI_PUBLISHER_REF = "XI-IATI-IISGDEMO"
    return settings.IATI_PUBLISHER_REF


def test_an_entered_action_is_reported_by_the_platform_and_keeps_its_funder_as_participant(austria, publisher):
    action = f.ActionFactory(title="Border police capacity building", description="")
    f.ActionOrganisationFactory(action=action, organisation=austria, role=OrganisationRole.FUNDING)
    f.ActionOrganisationFactory(action=action, role=OrganisationRole.IMPLEMENTING)

    activity = valid_document(exported()).find("iati-activity")

    assert activity.findtext("iati-identifier") == f"XI-IATI-IISGDEMO-{action.pk}"
    assert activity.find("reporting-org").attrib == {"ref": "XI-IATI-IISGDEMO", "type": "40", "secondary-reporter": "1"}
    assert activity.findtext("reporting-org/narrative") == "IISG Secretariat"
    assert activity.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert activity.findtext("description/narrative") == "Border police capacity building"
    participants = [(org.get("ref"), org.get("role")) for org in activity.iterfind("participating-org")]
    assert participants == [("AT-11", "1"), (None, "4")]


def test_actions_without_participants_or_dates_are_left_out_and_said_why(austria, publisher):
    funded = f.ActionFactory(title="Funded")
    f.ActionOrganisationFactory(action=funded, organisation=austria)
    no_ref = f.ActionFactory(title="Funder without an IATI identifier")
    f.ActionOrganisationFactory(action=no_ref)
    undated = f.ActionFactory(title="Undated", planned_start=None, planned_end=None)
    f.ActionOrganisationFactory(action=undated, organisation=austria)
    f.ActionFactory(title="Nobody takes part")

    out = io.BytesIO()
    summary = export_actions(out, Action.objects.all())

    assert identifiers_in(valid_document(out.getvalue())) == [f"{publisher}-{funded.pk}", f"{publisher}-{no_ref.pk}"]
    assert summary.exported == 2
    reasons = {left_out.title: left_out.reasons for left_out in summary.actions_left_out}
    assert reasons == {
        "Undated": ["no start or end date"],
        "Nobody takes part": ["no participating organisation with a role"],
    }


def test_nothing_to_export_writes_nothing_rather_than_a_document_the_schema_refuses():
    f.ActionFactory(title="Nobody takes part")
    out = io.BytesIO()

    with pytest.raises(NothingToExport, match="Nobody takes part"):
        export_actions(out, Action.objects.all())
    assert out.getvalue() == b""


def test_the_platforms_changes_win_over_the_texts_as_published():
    import_file(EXAMPLE)
    action = Action.objects.get()
    action.created_at -= timedelta(days=1)  # imported yesterday, changed today
    action.last_imported_at -= timedelta(days=1)
    action.title = "Renamed in the back office"
    action.description = "Described in the back office."
    action.save()

    activity = activity_of(with_children(Action.objects.all()).get())

    assert [n.text for n in activity.titles] == ["Renamed in the back office"]
    assert activity.descriptions[0][1].text == "Described in the back office."
    assert [kind for kind, _narrative in activity.descriptions] == ["1", "2", "2", "3", "3"]
    assert activity.last_updated == action.updated_at
    assert writer.missing(activity) == []


# The command -------------------------------------------------------------------------------------


def running_in(year):
    """Actions running at some time in `year` by their actual, else planned, dates (computed here)."""
    found = set()
    for action in Action.objects.all():
        start, end = action.start, action.end
        if start and start <= date(year, 12, 31) and (end is None or end >= date(year, 1, 1)):
            found.add(action.iati_identifier)
    return found


def test_command_writes_the_actions_of_a_cycle_to_a_file(tmp_path):
    import_file(CAFOD)
    f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2012, last_year=2012)
    output = tmp_path / "cafod-2012.xml"
    errors = io.StringIO()

    call_command("export_iati", "--cycle", "Response mapping 2012", "--output", str(output), stderr=errors)

    written = set(identifiers_in(valid_document(output.read_bytes())))
    assert written == running_in(2012)
    assert 0 < len(written) < Action.objects.count()
    assert f"{len(written)} actions exported" in errors.getvalue()
    call_command("export_iati", "--cycle", "2012", "--output", str(output), stderr=io.StringIO())
    assert set(identifiers_in(valid_document(output.read_bytes()))) == written


def test_command_writes_to_standard_output_and_refuses_an_unknown_cycle():
    import_file(CAFOD)
    out = io.StringIO()

    call_command("export_iati", stdout=out, stderr=io.StringIO())

    assert len(identifiers_in(valid_document(out.getvalue().encode()))) == Action.objects.count()
    with pytest.raises(CommandError, match="No cycle is called"):
        call_command("export_iati", "--cycle", "next spring", stdout=io.StringIO())


def test_command_keeps_the_previous_file_when_there_is_nothing_to_export(tmp_path):
    output = tmp_path / "actions.xml"
    output.write_bytes(b"previous")

    with pytest.raises(CommandError, match="no action to export"):
        call_command("export_iati", "--cycle", "1999", "--output", str(output), stderr=io.StringIO())
    assert output.read_bytes() == b"previous"
    assert [path.name for path in tmp_path.iterdir()] == ["actions.xml"]


# The download ------------------------------------------------------------------------------------

DOWNLOAD = "/database/actions/iati.xml"
PAGE = "/database/actions/iati/"


def test_download_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(DOWNLOAD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_donor_downloads_the_actions_it_may_see_and_not_the_withdrawn_ones(client, austria, publisher):
    own = f.ActionFactory(title="Own action", planned_start=date(2022, 3, 1), planned_end=date(2022, 12, 31))
    f.ActionOrganisationFactory(action=own, organisation=austria)
    other = f.ActionFactory(title="Another donor's action", planned_start=date(2019, 1, 1), planned_end=None)
    f.ActionOrganisationFactory(action=other, organisation=f.OrganisationFactory(iati_identifier="SE-0"))
    withdrawn = f.ActionFactory(title="Withdrawn", withdrawn_at=GENERATED)
    f.ActionOrganisationFactory(action=withdrawn, organisation=austria)
    user = login(client, Role.DONOR, organisation=austria)

    response = client.get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="iisg-actions.xml"'
    document = valid_document(b"".join(response.streaming_content))
    may_see = visible(user, Action.objects.exclude(pk=withdrawn.pk))
    assert identifiers_in(document) == [f"{publisher}-{a.pk}" for a in may_see.order_by("pk")]
    in_2020 = valid_document(b"".join(client.get(DOWNLOAD, {"cycle": "2020"}).streaming_content))
    assert identifiers_in(in_2020) == [f"{publisher}-{other.pk}"]


def test_a_user_without_a_role_is_sent_to_the_page_that_says_there_is_nothing_to_download(client, austria):
    action = f.ActionFactory()
    f.ActionOrganisationFactory(action=action, organisation=austria)
    login(client)

    response = client.get(DOWNLOAD, follow=False)

    assert response.status_code == 302
    assert response["Location"] == PAGE
    page = client.get(PAGE)
    assert page.context["overview"].may_see == 0
    assert "There is no file to download" in page.content.decode()


def test_the_actions_list_links_to_the_download_page_of_the_year_it_shows(client):
    login(client, Role.MEMBER)

    page = client.get(reverse("admin:actions_action_changelist"), {"year": "2022"})

    assert page.status_code == 200
    assert f'href="{PAGE}?cycle=2022"' in page.content.decode()


def test_exportable_actions_of_a_period_include_those_running_in_any_of_its_years():
    early = f.ActionFactory(planned_start=date(2019, 1, 1), planned_end=date(2021, 6, 30))
    late = f.ActionFactory(planned_start=date(2022, 12, 1), planned_end=None)
    f.ActionFactory(planned_start=date(2023, 1, 1), planned_end=date(2023, 12, 31))

    assert set(exportable_actions(cycle="2021–2022")) == {early, late}
