"""The back office's merge page, the "Fix it" of the duplicate alert: the Secretariat sees the entered
action and the imported one side by side and merges them with a reason (services.merge_actions)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from iisg.actions.choices import ActionSource, OrganisationRole, ResponseStatus
from iisg.actions.models import Action
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login

pytestmark = pytest.mark.django_db

WHY = "One project: Austria entered it before publishing it."


@pytest.fixture
def austria():
    return f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")


@pytest.fixture
def pair(austria, albania):
    """(entered, imported): one border police project, entered by hand and imported from IATI."""
    entered = f.ActionFactory(title="Border police capacity building in Albania")
    imported = f.ActionFactory(
        title="Border Police Capacity-Building, Albania",
        source=ActionSource.IATI,
        iati_identifier="AT-1-123",
        planned_start=datetime.date(2022, 6, 1),
        planned_end=datetime.date(2024, 12, 31),
    )
    for action in (entered, imported):
        action.partners.set([albania])
        f.ActionOrganisationFactory(action=action, organisation=austria, role=OrganisationRole.FUNDING)
    f.BudgetFactory(action=imported)
    f.ResponseFactory(action=entered, need=f.NeedFactory(reference="AL-WBBSi-001"), status=ResponseStatus.PROPOSED)
    return entered, imported


def merge_url(entered, imported):
    return reverse("admin:actions_action_merge", args=[entered.pk, imported.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_secretariat_sees_the_two_actions_side_by_side(client, pair):
    login(client, Role.SECRETARIAT)
    entered, imported = pair

    page = client.get(merge_url(entered, imported))

    assert page.status_code == 200
    text = page.content.decode()
    for shown in (entered.title, imported.title, "AT-1-123", "AT MoI", "Albania", "1 June 2022", "250,000.00"):
        assert shown in text
    rows = dict(page.context["rows"])
    assert rows["responses"] == ["1", "0"]
    assert rows["donors"] == ["AT MoI", "AT MoI"]
    assert reverse("analysis:quality") in text, "the way to silence the alert instead"


def test_confirming_with_a_reason_merges_and_opens_the_kept_action(client, pair):
    user = login(client, Role.SECRETARIAT)
    entered, imported = pair

    done = client.post(
        merge_url(entered, imported),
        {"comment": WHY, "keep_version": imported.version, "absorb_version": entered.version},
    )

    assert done.status_code == 302
    assert done.url == reverse("admin:actions_action_change", args=[imported.pk])
    entered.refresh_from_db()
    assert entered.merged_into == imported
    assert imported.responses.count() == 1
    assert entered.history.filter(history_user=user, history_change_reason__contains=WHY).exists()
    assert any("is merged into this action" in message for message in messages_of(done))
    kept_page = client.get(done.url)
    assert kept_page.status_code == 200
    merged_page = client.get(reverse("admin:actions_action_change", args=[entered.pk]))
    assert imported.title in merged_page.content.decode(), "a merged action says where it lives on"


def test_a_merge_without_a_reason_is_asked_again_and_changes_nothing(client, pair):
    login(client, Role.SECRETARIAT)
    entered, imported = pair

    page = client.post(
        merge_url(entered, imported),
        {"comment": "", "keep_version": imported.version, "absorb_version": entered.version},
    )

    assert page.status_code == 200
    assert page.context["form"].errors["comment"]
    assert Action.objects.get(pk=entered.pk).merged_into is None


def test_a_refused_merge_says_why_on_the_page(client, pair):
    login(client, Role.SECRETARIAT)
    entered, imported = pair

    page = client.post(
        merge_url(imported, entered),
        {"comment": WHY, "keep_version": entered.version, "absorb_version": imported.version},
    )

    assert page.status_code == 200
    assert "merged into one imported from an IATI file" in str(page.context["form"].non_field_errors())
    assert not Action.objects.filter(merged_into__isnull=False).exists()


def test_a_page_opened_before_someone_changed_an_action_is_refused(client, pair):
    login(client, Role.SECRETARIAT)
    entered, imported = pair
    stale = entered.version
    Action.objects.filter(pk=entered.pk).update(version=stale + 1)

    page = client.post(
        merge_url(entered, imported), {"comment": WHY, "keep_version": imported.version, "absorb_version": stale}
    )

    assert page.status_code == 200
    assert "reload" in str(page.context["form"].non_field_errors())
    assert Action.objects.get(pk=entered.pk).merged_into is None


def test_a_pair_merged_already_opens_the_kept_action(client, pair):
    login(client, Role.SECRETARIAT)
    entered, imported = pair
    Action.objects.filter(pk=entered.pk).update(merged_into=imported)

    page = client.get(merge_url(entered, imported))

    assert page.status_code == 302
    assert page.url == reverse("admin:actions_action_change", args=[imported.pk])


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_donor_may_not_merge_even_its_own_actions(client, pair, austria, method):
    login(client, Role.DONOR, organisation=austria)
    entered, imported = pair

    page = getattr(client, method)(
        merge_url(entered, imported),
        {"comment": WHY, "keep_version": imported.version, "absorb_version": entered.version},
    )

    assert page.status_code == 403
    assert Action.objects.get(pk=entered.pk).merged_into is None
