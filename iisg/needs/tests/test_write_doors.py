"""The same change of a need through each door — the back office, the API and the needs workbook —
leaves the same row (the cleaned text, the new version, the history's author), and the same stale,
forbidden or unsafe change is refused at every door: all of them write through needs.services."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from iisg.api.tests.factories import token_client
from iisg.core import workbook as wb
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import form_data
from iisg.needs import services, workbook
from iisg.needs.choices import CycleStatus, NeedStatus, Priority
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db
DOORS = ["back office", "API", "workbook"]


@pytest.fixture
def world(db, serbia):
    pillar = f.PillarFactory(code="wbbsi")
    cycle = f.CycleFactory(status=CycleStatus.OPEN)
    area = f.AreaFactory(cycle=cycle, pillar=pillar, code="2.3")
    focal = f.UserFactory(roles=[Role.FOCAL_POINT], username="focal")
    f.PersonFactory(user=focal, partner=serbia)
    need = f.NeedFactory(
        cycle=cycle, partner=serbia, pillar=pillar, area=area, reference="RS-WBBSi-001", status=NeedStatus.DRAFT
    )
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT], username="secretariat", first_name="Ana", last_name="Hoxha")
    return {"need": need, "cycle": cycle, "focal": focal, "secretariat": secretariat}


def through_back_office(world, *, title, priority, version=None):
    client = Client()
    client.force_login(world["focal"])
    url = reverse("admin:needs_need_change", args=[world["need"].pk])
    data = {**form_data(client.get(url)), "title": title, "priority": priority}
    if version is not None:
        data["version"] = str(version)
    response = client.post(url, data)
    if response.status_code == 302:
        return None
    if response.status_code == 200:
        form = response.context["adminform"].form
        return " ".join(form.non_field_errors()) + " " + " ".join(str(e) for e in form.errors.values())
    return f"HTTP {response.status_code}"


def through_api(world, *, title, priority, version=None):
    client = token_client(world["focal"])
    response = client.patch(
        f"/api/needs/{world['need'].pk}/",
        {"title": title, "priority": priority, "version": version or world["need"].version},
        format="json",
    )
    return None if response.status_code == 200 else f"HTTP {response.status_code} {response.content.decode()}"


def through_workbook(world, *, title, priority, version=None, data=None):
    data = data or workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    book = load_workbook(io.BytesIO(data))
    sheet = book["Needs"]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headers.index("Title") + 1).value = title
    sheet.cell(row=2, column=headers.index("Priority") + 1).value = str(Priority(priority).label)
    if version is not None:
        sheet.cell(row=2, column=headers.index("Version") + 1).value = version
    outcome = workbook.upload_workbook(user=world["focal"], cycle=world["cycle"], data=wb.to_bytes(book))
    return None if outcome.ok else "; ".join(problem.reason for problem in outcome.problems)


THROUGH = {"back office": through_back_office, "API": through_api, "workbook": through_workbook}


@pytest.mark.parametrize("door", DOORS)
def test_every_door_leaves_the_same_row(world, door):
    error = THROUGH[door](world, title="  Cafe\u0301 for the crossing  ", priority=Priority.LOW)
    assert error is None, error
    need = Need.objects.get(pk=world["need"].pk)
    latest = need.history.first()
    assert (need.title, need.priority, need.version, need.status) == (
        "Café for the crossing",
        Priority.LOW,
        2,
        NeedStatus.DRAFT,
    )
    assert latest.history_user == world["focal"]
    assert latest.history_change_reason


@pytest.mark.parametrize("door", DOORS)
def test_every_door_refuses_a_change_made_from_an_older_version_naming_who_changed_what(world, door):
    downloaded = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    services.update_need(user=world["secretariat"], need=world["need"], changes={"title": "Corrected"}, version=1)
    if door == "workbook":
        error = through_workbook(world, title="Stale", priority=Priority.LOW, data=downloaded)
    else:
        error = THROUGH[door](world, title="Stale", priority=Priority.LOW, version=1)
    assert error is not None
    assert "was changed by Ana Hoxha" in error, error
    assert "(title)" in error
    need = Need.objects.get(pk=world["need"].pk)
    assert (need.title, need.version) == ("Corrected", 2)


@pytest.mark.parametrize("door", DOORS)
def test_every_door_refuses_a_focal_point_writing_once_the_cycle_is_closed(world, door):
    services.close_cycle_for_review(user=world["secretariat"], cycle=world["cycle"])
    downloaded = workbook.build_workbook(user=world["focal"], cycle=world["cycle"])
    before = Need.history.count()
    if door == "workbook":
        error = through_workbook(world, title="Late", priority=Priority.LOW, data=downloaded)
    else:
        error = THROUGH[door](world, title="Late", priority=Priority.LOW)
    assert error is not None
    assert Need.history.count() == before
    assert Need.objects.get(pk=world["need"].pk).title != "Late"


@pytest.mark.parametrize("door", ["back office", "API"])
def test_a_control_character_is_refused_naming_the_field(world, door):
    error = THROUGH[door](world, title="Border\x1bpolice", priority=Priority.LOW)
    assert error is not None
    assert "U+001B" in error, error
    assert Need.objects.get(pk=world["need"].pk).version == 1
