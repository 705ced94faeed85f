"""The platform as IATI publisher: the actions without a reporting organisation of their own are
reported by the IISG Secretariat under settings.IATI_PUBLISHER_REF, take `<ref>-<action id>` as their
identifier (stored by `manage.py assign_iati_identifiers`), and are left out, saying why, while the
setting is empty."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from iisg.actions.choices import ActionSource, OrganisationRole
from iisg.actions.identifiers import platform_identifier
from iisg.actions.models import Action
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.core.tests.test_settings import PRODUCTION, run_manage
from iisg.directory.choices import OrganisationKind
from iisg.iati.export import export_actions

from .test_export import identifiers_in, valid_document

pytestmark = pytest.mark.django_db

REF = "XI-IATI-IISGDEMO"


@pytest.fixture
def publisher(settings):
    settings.IATI_PUBLISHER_REF = REF


@pytest.fixture
def no_publisher(settings):
    settings.IATI_PUBLISHER_REF = ""


@pytest.fixture
def austria():
    return f.OrganisationFactory(
        name="Austria – Ministry of Interior", kind=OrganisationKind.EU_MEMBER_STATE, iati_identifier="AT-11"
    )


def entered(title, funder, **values):
    action = f.ActionFactory(title=title, **values)
    f.ActionOrganisationFactory(action=action, organisation=funder, role=OrganisationRole.FUNDING)
    f.ActionOrganisationFactory(action=action, role=OrganisationRole.IMPLEMENTING)
    return action


def imported(identifier, reporter, **values):
    """An action as the IATI import leaves it: its publisher reports it."""
    action = f.ActionFactory(
        iati_identifier=identifier, reporting_organisation=reporter, source=ActionSource.IATI, **values
    )
    f.ActionOrganisationFactory(action=action, organisation=reporter, role=OrganisationRole.FUNDING)
    return action


def document_of(actions=None):
    out = io.BytesIO()
    summary = export_actions(out, actions if actions is not None else Action.objects.all())
    return valid_document(out.getvalue()), summary


def activity(document, identifier):
    return next(a for a in document.iterfind("iati-activity") if a.findtext("iati-identifier") == identifier)


# The export -------------------------------------------------------------------------------------


def test_the_platform_reports_an_entered_action_as_secondary_reporter_beside_a_publishers_own(publisher, austria):
    sweden = f.OrganisationFactory(name="Sweden", kind=OrganisationKind.EU_MEMBER_STATE, iati_identifier="SE-0")
    mine = entered("Border police capacity building", austria)
    typed = entered("Typed in with the donor's identifier", austria, iati_identifier="AT-11-2024-17")
    theirs = imported("SE-0-SE-6-5100001", sweden)

    document, summary = document_of()

    assert summary.exported == 3
    assert summary.actions_left_out == []
    by_platform = {"ref": REF, "type": "40", "secondary-reporter": "1"}
    assert activity(document, f"{REF}-{mine.pk}").find("reporting-org").attrib == by_platform
    assert activity(document, "AT-11-2024-17").find("reporting-org").attrib == by_platform
    assert activity(document, theirs.iati_identifier).find("reporting-org").attrib == {"ref": "SE-0", "type": "10"}
    funders = [
        org.get("ref") for org in activity(document, f"{REF}-{mine.pk}").iterfind("participating-org[@role='1']")
    ]
    assert funders == ["AT-11"]
    assert typed.iati_identifier == "AT-11-2024-17"


def test_without_a_publisher_ref_entered_actions_are_left_out_with_a_reason_naming_the_setting(no_publisher, austria):
    mine = entered("Border police capacity building", austria)
    typed = entered("Typed in with the donor's identifier", austria, iati_identifier="AT-11-2024-17")
    theirs = imported("AT-11-IMPORTED-1", austria)

    document, summary = document_of()

    assert identifiers_in(document) == [theirs.iati_identifier]
    reasons = {left_out.action_id: left_out.reasons for left_out in summary.actions_left_out}
    assert reasons.keys() == {mine.pk, typed.pk}
    for action_reasons in reasons.values():
        assert len(action_reasons) == 1
        assert "IATI_PUBLISHER_REF" in action_reasons[0]


def test_an_identifier_another_action_holds_is_never_given_a_second_time(publisher, austria):
    mine = entered("Entered here", austria)
    # A file this platform (or another with the same setting) exported, imported back.
    imported(f"{REF}-{mine.pk}", f.OrganisationFactory(iati_identifier=REF))

    document, summary = document_of()

    assert identifiers_in(document) == [f"{REF}-{mine.pk}"]
    assert len(summary.actions_left_out) == 1
    assert summary.actions_left_out[0].action_id == mine.pk
    taken = f"the IATI identifier {REF}-{mine.pk} the platform gives it is already another action's"
    assert summary.actions_left_out[0].reasons == [taken]
    errors = io.StringIO()
    with pytest.raises(CommandError, match="1 actions without an IATI identifier kept none"):
        call_command("assign_iati_identifiers", stdout=io.StringIO(), stderr=errors)
    assert Action.objects.get(pk=mine.pk).iati_identifier is None
    assert f"#{mine.pk} “Entered here”: another action already holds {REF}-{mine.pk}" in errors.getvalue()


def test_the_page_of_a_platform_without_a_publisher_ref_names_the_setting(client, no_publisher, austria):
    mine = entered("Border police capacity building", austria)
    login(client, Role.SECRETARIAT)

    page = client.get("/database/actions/iati/")

    assert page.status_code == 200
    [left_out] = page.context["overview"].summary.actions_left_out
    assert left_out.action_id == mine.pk
    assert "IATI_PUBLISHER_REF" in page.content.decode()
    assert "There is no file to download" in page.content.decode()


# The identifiers --------------------------------------------------------------------------------


def test_the_platform_identifier_is_the_publisher_ref_and_the_action_number(publisher, settings):
    action = f.ActionFactory()

    assert platform_identifier(action) == f"{REF}-{action.pk}"
    assert platform_identifier(Action(title="Not saved yet")) is None
    settings.IATI_PUBLISHER_REF = ""
    assert platform_identifier(action) is None


def test_assign_iati_identifiers_gives_each_action_without_one_its_identifier_once(publisher, austria):
    first, second = entered("First", austria), entered("Second", austria)
    own = imported("AT-11-IMPORTED-1", austria)
    versions = dict(Action.objects.values_list("pk", "version"))
    out = io.StringIO()

    call_command("assign_iati_identifiers", stdout=out, stderr=io.StringIO())

    assert out.getvalue() == "2 IATI identifiers assigned.\n"
    stored = dict(Action.objects.values_list("pk", "iati_identifier"))
    assert stored == {first.pk: f"{REF}-{first.pk}", second.pk: f"{REF}-{second.pk}", own.pk: "AT-11-IMPORTED-1"}
    assert dict(Action.objects.values_list("pk", "version")) == {
        first.pk: versions[first.pk] + 1,
        second.pk: versions[second.pk] + 1,
        own.pk: versions[own.pk],
    }
    latest = first.history.first()
    assert (latest.iati_identifier, latest.history_type, latest.history_change_reason) == (
        f"{REF}-{first.pk}",
        "~",
        "IATI identifier assigned",
    )
    history_rows = Action.history.count()

    again = io.StringIO()
    call_command("assign_iati_identifiers", stdout=again, stderr=io.StringIO())

    assert again.getvalue() == "0 IATI identifiers assigned.\n"
    assert dict(Action.objects.values_list("pk", "iati_identifier")) == stored
    assert Action.history.count() == history_rows
    assert Action.objects.get(pk=first.pk).version == versions[first.pk] + 1


def test_the_export_writes_the_identifier_the_command_stores(publisher, austria):
    action = entered("Entered here", austria)
    before, _summary = document_of()

    call_command("assign_iati_identifiers", stdout=io.StringIO(), stderr=io.StringIO())

    after, _summary = document_of()
    assert identifiers_in(before) == identifiers_in(after) == [f"{REF}-{action.pk}"]


def test_assign_iati_identifiers_without_the_setting_assigns_nothing_and_says_why(no_publisher, austria):
    action = entered("Entered here", austria)
    errors = io.StringIO()

    with pytest.raises(CommandError, match="1 actions without an IATI identifier kept none"):
        call_command("assign_iati_identifiers", stdout=io.StringIO(), stderr=errors)

    assert f"#{action.pk} “Entered here”" in errors.getvalue()
    assert "IATI_PUBLISHER_REF" in errors.getvalue()
    assert Action.objects.get().iati_identifier is None
    assert Action.objects.get().version == action.version


# The setting ------------------------------------------------------------------------------------


def setting_in(**env):
    command = "from django.conf import settings; print(repr(settings.IATI_PUBLISHER_REF))"
    result = run_manage("shell", "--no-imports", "-c", command, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_embedded_mode_publishes_under_a_demo_ref_and_production_only_under_its_own():
    assert setting_in() == repr("XI-IATI-IISGDEMO")
    assert setting_in(**PRODUCTION) == repr("")
    assert setting_in(**PRODUCTION, IATI_PUBLISHER_REF="XI-IATI-IISG") == repr("XI-IATI-IISG")
