"""Rolling back an import from the back office: the button on the run's page, the confirmation
page saying what will happen, the rollback once confirmed, and who may see any of it."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from iisg.actions.models import Action
from iisg.core.choices import Role
from iisg.core.history import record
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login, queries_for
from iisg.iati.models import ImportRun
from iisg.iati.tests.test_jobs import WORKED_EXAMPLE
from iisg.iati.tests.test_rollback import CAFOD, first_version, imported, published, rows, second_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def progress_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }


def change_url(run):
    return reverse("admin:iati_importrun_change", args=[run.pk])


def rollback_url(run):
    return reverse("admin:iati_importrun_rollback", args=[run.pk])


def test_the_secretariat_confirms_a_rollback_on_a_page_saying_what_it_does(client):
    before = rows()
    run = imported(CAFOD)
    user = login(client, Role.SECRETARIAT)

    page = client.get(change_url(run)).content.decode()
    assert f'href="{rollback_url(run)}" class="button" id="import-rollback">Roll back this import</a>' in page

    confirmation = client.get(rollback_url(run))
    assert confirmation.status_code == 200
    text = confirmation.content.decode()
    assert "Roll back the import “cafod-drc-2013.xml” of " in text
    assert "57 actions it created are deleted;" in text
    assert "actions it updated" not in text, "nothing to say about what it did not do"
    assert "actions it withdrew" not in text
    assert 'value="Yes, roll back this import"' in text
    assert rows() != before, "looking at the page changes nothing"

    response = client.post(rollback_url(run), follow=True)

    assert response.redirect_chain == [(change_url(run), 302)]
    assert rows() == before
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("The import “cafod-drc-2013.xml” of ")
    assert message.endswith(" was rolled back: 57 actions deleted, 0 put back as they were, 0 counted again.")
    run.refresh_from_db()
    assert (run.status, run.rolled_back_by) == (ImportRun.Status.ROLLED_BACK, user)
    page = response.content.decode()
    assert '<p class="job-state import-state" id="import-state" role="status">Rolled back</p>' in page
    assert re.search(rf'field-rolled_back_by">.*?>{user.username}</a>', page, re.S)
    assert 'class="form-row field-rolled_back_at"' in page
    assert 'id="import-rollback"' not in page
    assert LogEntry.objects.get(object_id=str(run.pk)).user == user


def test_a_rollback_that_may_not_be_shows_why_and_no_button(client):
    run = imported(CAFOD)
    action = Action.objects.get(iati_identifier="GB-CHC-285776-DRC173")
    action.title = "Conflict analysis, South Kivu"
    record(action, user=f.UserFactory(username="edith"), reason="Clearer title")
    login(client, Role.SECRETARIAT)
    state = rows()

    page = client.get(change_url(run)).content.decode()
    assert 'id="import-rollback"' not in page
    assert "This import cannot be rolled back:" in page
    assert "“Conflict analysis, South Kivu” (GB-CHC-285776-DRC173) by edith on " in page

    confirmation = client.get(rollback_url(run)).content.decode()
    assert "This import cannot be rolled back, and nothing was changed:" in confirmation
    assert "Yes, roll back this import" not in confirmation

    refused = client.post(rollback_url(run))
    assert refused.status_code == 200
    assert "1 action this import touched was changed since" in refused.content.decode()
    assert rows() == state
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE


def test_the_confirmation_says_what_a_second_import_changed_and_that_a_run_that_changed_nothing_only_is_marked(
    client, tmp_path, albania, serbia
):
    imported(published(tmp_path, first_version))
    republished = published(tmp_path, second_version)
    second = imported(republished)
    login(client, Role.SECRETARIAT)
    text = client.get(rollback_url(second)).content.decode()
    assert "1 action it created is deleted;" in text
    assert "10 actions it updated are put back as they were before the import: fields, " in text
    assert "1 action it withdrew counts again." in text

    unchanged = imported(republished)
    assert unchanged.summary["counts"]["unchanged"] == 57
    text = client.get(rollback_url(unchanged)).content.decode()
    assert "This import changed no action: rolling it back only marks it as rolled back." in text
    client.post(rollback_url(unchanged))
    unchanged.refresh_from_db()
    assert unchanged.status == ImportRun.Status.ROLLED_BACK


def test_the_page_of_a_run_costs_the_same_queries_whatever_it_changed(client):
    one = imported(WORKED_EXAMPLE)
    many = imported(CAFOD)
    assert (one.changes.count(), many.changes.count()) == (1, 57)
    login(client, Role.SECRETARIAT)
    queries_for(client, change_url(one))  # fills the content types cache of the process
    assert queries_for(client, change_url(one)) == queries_for(client, change_url(many))


def test_a_run_that_is_not_done_offers_no_rollback(client):
    run = ImportRun.objects.create(source_name="cafod.xml", status=ImportRun.Status.QUEUED)
    login(client, Role.SECRETARIAT)

    page = client.get(change_url(run)).content.decode()
    assert 'id="import-rollback"' not in page
    assert "cannot be rolled back" not in page
    confirmation = client.get(rollback_url(run)).content.decode()
    assert "Only an import that is done can be rolled back; this one is “Queued”." in confirmation


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_other_roles_cannot_see_nor_roll_back_an_import(client, role):
    run = imported(CAFOD)
    state = rows()
    login(client, role, partner=f.PartnerFactory(code="AL"), organisation=f.OrganisationFactory())

    assert client.get(rollback_url(run)).status_code == 403
    assert client.post(rollback_url(run)).status_code == 403
    assert rows() == state
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE


def test_anonymous_visitors_are_sent_to_the_login(client):
    run = imported(CAFOD)
    response = client.post(rollback_url(run))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
