"""Two people saving the same need or action: the second is told, and the first's change survives."""

import pytest
from django.db import IntegrityError
from django.db.models import F
from django.test import Client
from django.urls import reverse

from iisg.actions.models import Action
from iisg.core import admin as core_admin
from iisg.core.choices import Role
from iisg.core.concurrency import EditConflict, save_if_unchanged
from iisg.iati.importer import import_file
from iisg.iati.tests.test_parser import CAFOD, tree, variant
from iisg.needs import services, workbook
from iisg.needs.choices import NeedStatus, Priority
from iisg.needs.models import Need
from iisg.needs.tests.test_workbook import edit

from . import factories as f
from .test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db

CONFLICT = "Your changes were not saved: reload to see theirs, then apply yours again."


def signed_in(*roles, **person):
    """A browser session of its own: a client logged in as a new user with these roles."""
    user = f.UserFactory(roles=list(roles))
    if person:
        f.PersonFactory(user=user, **person)
    client = Client()
    client.force_login(user)
    return client, user


def opened(client, obj):
    """The change form of `obj` as `client` would post it back unchanged."""
    page = client.get(admin_url(type(obj), "change", obj.pk))
    assert page.status_code == 200
    return form_data(page)


@pytest.fixture
def need():
    return f.NeedFactory(reference="AL-WBBSi-007", partner=f.PartnerFactory(code="AL"), title="Thermal cameras")


# The version


def test_the_version_starts_at_one_and_each_save_adds_one(need):
    assert need.version == 1
    need.title = "Thermal cameras and drones"
    need.save()
    need.save(update_fields=["title"])
    need.refresh_from_db()
    assert need.version == 3
    assert list(need.history.values_list("version", flat=True)) == [3, 2, 1]


def test_a_save_with_positional_arguments_is_refused_before_it_writes(need):
    """Django deprecates them; update_fields given by position would have left the version behind."""
    need.title = "Drones"
    with pytest.raises(TypeError):
        need.save(False, False, None, ["title"])
    need.refresh_from_db()
    assert (need.title, need.version) == ("Thermal cameras", 1)


def test_save_if_unchanged_saves_from_the_current_version_and_refuses_an_older_one(need):
    first, second = Need.objects.get(pk=need.pk), Need.objects.get(pk=need.pk)
    editor = f.UserFactory(username="ana", first_name="Ana", last_name="Hoxha")
    first.title, first._history_user = "Thermal cameras for the green border", editor
    save_if_unchanged(first, 1)
    second.title = "Something else"
    with pytest.raises(EditConflict) as caught:
        save_if_unchanged(second, 1)
    conflict = caught.value
    assert str(conflict).startswith("Need AL-WBBSi-007 was changed by Ana Hoxha at ")
    assert str(conflict).endswith(f"after you opened it (title). {CONFLICT}"), "says what they changed"
    assert conflict.changed == ("title",)
    assert (conflict.expected_version, conflict.current_version, conflict.changed_by) == (1, 2, editor)
    need.refresh_from_db()
    assert (need.title, need.version) == ("Thermal cameras for the green border", 2)


def test_a_failed_save_keeps_the_version_in_memory(need):
    other = f.NeedFactory(cycle=need.cycle)
    need.reference = other.reference
    with pytest.raises(IntegrityError):
        save_if_unchanged(need, 1)
    assert need.version == 1


# The back office


def test_the_change_form_carries_the_version_it_was_opened_at(client, need):
    need.save()
    client.force_login(f.UserFactory(roles=[Role.SECRETARIAT]))
    page = client.get(admin_url(Need, "change", need.pk))
    assert b'<input type="hidden" name="version" value="2"' in page.content


def test_two_people_save_the_same_need_and_the_second_is_told_not_overwritten(need):
    first, first_user = signed_in(Role.SECRETARIAT)
    second, _second_user = signed_in(Role.SECRETARIAT)
    first_form, second_form = opened(first, need), opened(second, need)

    saved = first.post(admin_url(Need, "change", need.pk), {**first_form, "priority": Priority.LOW})
    assert saved.status_code == 302
    refused = second.post(admin_url(Need, "change", need.pk), {**second_form, "title": "Drones for the blue border"})

    assert refused.status_code == 200
    errors = refused.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith(f"Need AL-WBBSi-007 was changed by {first_user.username} at ")
    assert errors[0].endswith(f"after you opened it (priority). {CONFLICT}")
    assert b'class="errornote"' in refused.content
    assert b'value="Drones for the blue border"' in refused.content, "the second person's input stays"
    need.refresh_from_db()
    assert (need.title, need.priority, need.version) == ("Thermal cameras", Priority.LOW, 2)
    assert need.history.count() == 2


def test_two_people_save_the_same_action_and_the_second_is_told_not_overwritten():
    action = f.ActionFactory(title="Border police capacity building")
    first, first_user = signed_in(Role.SECRETARIAT)
    second, _second_user = signed_in(Role.SECRETARIAT)
    first_form, second_form = opened(first, action), opened(second, action)

    saved = first.post(admin_url(Action, "change", action.pk), {**first_form, "description": "Phase two."})
    assert saved.status_code == 302
    refused = second.post(admin_url(Action, "change", action.pk), {**second_form, "title": "Renamed"})

    assert refused.status_code == 200
    [error] = refused.context["adminform"].form.non_field_errors()
    assert error.startswith(f"Action “Border police capacity building” was changed by {first_user.username} at ")
    action.refresh_from_db()
    assert (action.title, action.description, action.version) == ("Border police capacity building", "Phase two.", 2)


def test_a_status_change_after_the_form_was_opened_makes_it_conflict(need):
    client, _user = signed_in(Role.SECRETARIAT)
    form = opened(client, need)
    reviewer = f.UserFactory(roles=[Role.SECRETARIAT], username="reviewer")
    services.validate_need(user=reviewer, need=need)

    refused = client.post(admin_url(Need, "change", need.pk), {**form, "title": "Changed after the validation"})

    [error] = refused.context["adminform"].form.non_field_errors()
    assert error.startswith("Need AL-WBBSi-007 was changed by reviewer at ")
    need.refresh_from_db()
    assert (need.status, need.title, need.version) == (NeedStatus.VALIDATED, "Thermal cameras", 2)


def test_a_save_that_commits_between_the_form_check_and_the_save_is_still_refused(need, monkeypatch):
    client, _user = signed_in(Role.SECRETARIAT)
    form = opened(client, need)
    Need.objects.filter(pk=need.pk).update(version=F("version") + 1)
    check = core_admin.VersionedForm.clean
    calls = []

    def checked_before_the_other_save_was_visible(self):
        if not calls:
            self.stored_version = self.cleaned_data["version"]
        calls.append(self)
        return check(self)

    monkeypatch.setattr(core_admin.VersionedForm, "clean", checked_before_the_other_save_was_visible)
    refused = client.post(admin_url(Need, "change", need.pk), {**form, "title": "Lost?"})

    assert len(calls) == 2, "the form is shown again once the save was refused"
    assert refused.status_code == 200
    [error] = refused.context["adminform"].form.non_field_errors()
    assert error.endswith(CONFLICT)
    need.refresh_from_db()
    assert (need.title, need.version) == ("Thermal cameras", 2)


def test_a_change_form_posted_without_its_version_saves_nothing(need):
    client, _user = signed_in(Role.SECRETARIAT)
    form = opened(client, need)
    del form["version"]
    refused = client.post(admin_url(Need, "change", need.pk), {**form, "title": "No version"})
    [error] = refused.context["adminform"].form.non_field_errors()
    assert "missing the version" in error
    need.refresh_from_db()
    assert need.title == "Thermal cameras"


def test_adding_a_need_needs_no_version(need):
    client, _user = signed_in(Role.SECRETARIAT)
    page = client.get(admin_url(Need, "add"))
    assert b'name="version"' not in page.content
    data = {**form_data(page), "cycle": need.cycle.pk, "partner": need.partner.pk, "pillar": need.pillar.pk}
    data |= {"reference": "AL-WBBSi-008", "title": "Scanners", "priority": Priority.HIGH, "status": NeedStatus.DRAFT}
    assert client.post(admin_url(Need, "add"), data).status_code == 302
    assert Need.objects.get(reference="AL-WBBSi-008").version == 1


def test_reverting_to_an_old_version_on_the_history_page_is_a_new_version_and_is_checked_too(need):
    client, _user = signed_in(Role.SECRETARIAT)
    need.title = "Thermal cameras and drones"
    need.save()
    first = need.history.order_by("history_id").first()
    url = reverse("admin:needs_need_simple_history", args=[need.pk, first.history_id])
    page = client.get(url)
    assert b'<input type="hidden" name="version" value="2"' in page.content, "the stored version, not the old one's"
    data = {name: "" if value is None else str(value) for name, value in form_values(page).items()}

    need.priority = Priority.LOW
    need.save()
    refused = client.post(url, data)
    [error] = refused.context["adminform"].form.non_field_errors()
    assert error.endswith(CONFLICT)

    page = client.get(url)
    data = {name: "" if value is None else str(value) for name, value in form_values(page).items()}
    assert client.post(url, data).status_code == 302
    need.refresh_from_db()
    assert (need.title, need.version) == ("Thermal cameras", 4)


def form_values(page):
    form = page.context["adminform"].form
    return {form[name].html_name: form[name].value() for name in form.fields}


# The bulk paths: they skip save(), and bump the version themselves


def test_a_workbook_upload_makes_a_new_version_of_the_needs_it_changes(need):
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    data = workbook.build_workbook(user=secretariat, cycle=need.cycle)
    outcome = workbook.upload_workbook(
        user=secretariat, cycle=need.cycle, data=edit(data, {(2, "Title"): "Thermal cameras, changed in Excel"})
    )
    assert outcome.ok, outcome.problems
    assert outcome.changed == 1
    need.refresh_from_db()
    assert (need.title, need.version) == ("Thermal cameras, changed in Excel", 2)
    assert need.history.first().version == 2


def test_an_iati_update_and_a_withdrawal_make_new_versions(tmp_path):
    cafod = CAFOD
    first = tree(cafod).getroot().find("iati-activity")
    identifier = first.findtext("iati-identifier").strip()

    def retitle(root):
        root.find("iati-activity").set("last-updated-datetime", "2099-01-01T00:00:00Z")
        root.find("iati-activity").find("title").text = "Newer title"

    import_file(cafod)
    import_file(variant(tmp_path, cafod, retitle))
    action = Action.objects.get(iati_identifier=identifier)
    assert (action.title, action.version, action.history.first().version) == ("Newer title", 2, 2)
    import_file(variant(tmp_path, cafod, lambda root: root.remove(root.find("iati-activity"))))
    action.refresh_from_db()
    assert action.withdrawn_at is not None
    assert action.version == 3
