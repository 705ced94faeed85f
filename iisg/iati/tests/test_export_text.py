"""Text XML cannot hold, stored before the platform refused it on the way in (iisg.core.text), never
breaks the IATI document: text people read is written without the character and the summary says
so; a value a machine matches (an identifier, a ref) that holds one leaves its action out. Every
action is checked before the first byte, so a download is always a whole document."""

import io

import pytest

from iisg.actions.choices import OrganisationRole
from iisg.actions.models import Action
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.directory.choices import OrganisationKind
from iisg.directory.models import Organisation
from iisg.iati import export
from iisg.iati.export import export_actions, xml_chunks

from .test_export import DOWNLOAD, identifiers_in, valid_document

pytestmark = pytest.mark.django_db

REF = "XI-IATI-IISGDEMO"


@pytest.fixture(autouse=True)
def publisher(settings):
    settings.IATI_PUBLISHER_REF = REF


@pytest.fixture
def austria():
    return f.OrganisationFactory(
        name="Austria – Ministry of Interior", kind=OrganisationKind.EU_MEMBER_STATE, iati_identifier="AT-11"
    )


def entered(title, funder):
    action = f.ActionFactory(title=title)
    f.ActionOrganisationFactory(action=action, organisation=funder, role=OrganisationRole.FUNDING)
    return action


def stored(action, **values):
    """Store `values` as rows written before text was cleaned on the way in did: around save()."""
    Action.objects.filter(pk=action.pk).update(**values)


def test_a_title_holding_an_escape_character_is_written_without_it_and_the_download_is_whole(client, austria):
    before = entered("Before", austria)
    escaped = entered("Border police", austria)
    stored(escaped, title="Border\x1b police")
    after = entered("After", austria)
    login(client, Role.SECRETARIAT)

    response = client.get(DOWNLOAD)

    assert response.status_code == 200
    document = valid_document(b"".join(response.streaming_content))
    assert identifiers_in(document) == [f"{REF}-{action.pk}" for action in (before, escaped, after)]
    titles = [activity.findtext("title/narrative") for activity in document.iterfind("iati-activity")]
    assert titles == ["Before", "Border police", "After"]
    summary = export_actions(io.BytesIO(), Action.objects.all())
    # The title stands in for the description the action lacks: both say so.
    assert summary.parts_left_out == [
        (
            f"{REF}-{escaped.pk}",
            f"The {part} holds the control character U+001B, which XML cannot hold; it was dropped.",
        )
        for part in ("title", "description")
    ]


def test_every_text_people_read_is_written_without_the_characters_xml_cannot_hold(austria):
    action = entered("Training", austria)
    stored(action, title="Training\x02 of trainers", description="Two\x0bcourses\x07.")
    f.TransactionFactory(action=action, description="First\x1f tranche")
    implementer = f.ActionOrganisationFactory(action=action, role=OrganisationRole.IMPLEMENTING).organisation
    Organisation.objects.filter(pk=implementer.pk).update(name="Implementer\x1b GmbH")
    out = io.BytesIO()

    summary = export_actions(out, Action.objects.all())

    activity = valid_document(out.getvalue()).find("iati-activity")
    assert activity.findtext("title/narrative") == "Training of trainers"
    assert activity.findtext("description/narrative") == "Two\ncourses."
    assert activity.findtext("transaction/description/narrative") == "First tranche"
    assert activity.findtext("participating-org[@role='4']/narrative") == "Implementer GmbH"
    notes = [reason for _identifier, reason in summary.parts_left_out]
    assert (
        "The description holds the control character U+000B, which XML cannot hold; it was written as a line break."
        in notes
    )
    assert len(notes) == 4


def test_an_identifier_holding_a_control_character_leaves_its_action_out_rather_than_change_it(client, austria):
    kept = entered("Kept", austria)
    broken = entered("Identifier with a control character", austria)
    stored(broken, iati_identifier="AT-11-\x01-7")
    login(client, Role.SECRETARIAT)

    document = valid_document(b"".join(client.get(DOWNLOAD).streaming_content))

    assert identifiers_in(document) == [f"{REF}-{kept.pk}"]
    [left_out] = client.get("/database/actions/iati/").context["overview"].summary.actions_left_out
    assert (left_out.action_id, left_out.reasons) == (
        broken.pk,
        ["the IATI identifier holds the control character U+0001, which XML cannot hold"],
    )


def test_a_language_that_is_no_language_code_leaves_the_action_out(austria):
    entered("Kept", austria)
    odd = entered("Odd language", austria)
    stored(odd, language="en gb")
    out = io.BytesIO()

    summary = export_actions(out, Action.objects.all())

    assert len(identifiers_in(valid_document(out.getvalue()))) == 1
    assert summary.actions_left_out[0].reasons == ["the language “en gb” is no language code"]


def test_an_action_changed_between_the_check_and_its_turn_is_left_out_without_a_byte_written(monkeypatch, austria):
    monkeypatch.setattr(export, "CHUNK_SIZE", 1)  # each action read at its turn, not ahead
    first, second, third = (entered(title, austria) for title in ("First", "Second", "Third"))
    summary = export.ExportSummary()
    chunks = xml_chunks(Action.objects.all(), summary=summary)

    started = next(chunks)
    second.participations.all().delete()
    document = valid_document(started + b"".join(chunks))

    assert identifiers_in(document) == [f"{REF}-{first.pk}", f"{REF}-{third.pk}"]
    assert summary.exported == 2
    assert [(left_out.action_id, left_out.reasons) for left_out in summary.actions_left_out] == [
        (second.pk, ["no participating organisation with a role"])
    ]
