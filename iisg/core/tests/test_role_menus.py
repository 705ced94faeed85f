"""Each role's back-office menu (the home and the side bar): the lists its own work is done in, not
the Secretariat's technical tables, while what the rules let it read stays readable by its link."""

import pytest
from django.contrib import admin
from django.urls import reverse

from iisg.actions.models import ExchangeRate
from iisg.core.choices import Role
from iisg.iati.models import CodelistEntry
from iisg.workplace.models import Notification, Preference

from . import factories as f
from .test_admin import admin_url, login

pytestmark = pytest.mark.django_db

MEMBER = {"Need", "Cycle", "Action", "Response", "Event", "Meeting", "Decision", "Product", "Report", "Organisation"}
FOCAL_POINT = {"Need", "Cycle", "WorkbookRun"}
DONOR = {"Action", "Response", "WorkbookRun"}
IMPLEMENTER = DONOR
SECRETARIAT = {
    "Action", "ActionOrganisation", "ActionSector", "Budget", "ExchangeRate", "Response", "Transaction",
    "Group", "User", "Membership", "Organisation", "Partner", "Person", "Pillar", "Event",
    "Decision", "Meeting", "Product", "ProductVersion", "CodelistEntry", "ImportRun", "Area", "Cycle", "Need",
    "WorkbookRun", "Report", "ApiToken", "MatcherRun",
}  # fmt: skip
TECHNICAL = {"ExchangeRate", "CodelistEntry", "ApiToken", "Budget", "Transaction", "ActionSector", "Area", "Person"}


def own_workplace():
    """The workplace's own lists (notifications, preferences), in every menu once they have a page."""
    return {model.__name__ for model in (Notification, Preference) if admin.site.is_registered(model)}


def menu(client):
    """The model names of the home's menu; the side bar lists the same (available_apps)."""
    response = client.get(reverse("admin:index"))
    names = {entry["object_name"] for app in response.context["app_list"] for entry in app["models"]}
    side_bar = {entry["object_name"] for app in response.context["available_apps"] for entry in app["models"]}
    assert names == side_bar
    return names


def sign_in_as(client, role):
    return login(client, role, partner=f.PartnerFactory(code="RS"), organisation=f.OrganisationFactory())


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.MEMBER, MEMBER),
        (Role.FOCAL_POINT, FOCAL_POINT),
        (Role.DONOR, DONOR),
        (Role.IMPLEMENTER, IMPLEMENTER),
    ],
)
def test_each_role_sees_only_its_own_menu(client, role, expected):
    sign_in_as(client, role)
    assert menu(client) == expected | own_workplace()


def test_the_secretariat_sees_every_table_it_may_read(client):
    sign_in_as(client, Role.SECRETARIAT)
    assert menu(client) >= SECRETARIAT


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_no_role_but_the_secretariat_finds_technical_tables_in_its_menu(client, role):
    sign_in_as(client, role)
    assert not menu(client) & TECHNICAL


def test_a_login_with_two_roles_has_both_menus(client):
    login(client, Role.FOCAL_POINT, Role.DONOR, partner=f.PartnerFactory(code="RS"))
    assert menu(client) == FOCAL_POINT | DONOR | own_workplace()


def test_a_table_left_out_of_the_menu_still_answers_what_the_rules_let_read(client):
    sign_in_as(client, Role.FOCAL_POINT)
    rate = ExchangeRate.objects.create(currency="USD", month="2024-01-01", value="1.1")
    entry = CodelistEntry.objects.create(codelist="Sector", code="15210", name="Security system management")
    assert client.get(reverse("admin:actions_exchangerate_changelist")).status_code == 200
    assert client.get(admin_url(rate, "change", rate.pk)).status_code == 200
    assert client.get(reverse("admin:iati_codelistentry_changelist")).status_code == 200
    assert client.get(admin_url(entry, "change", entry.pk)).status_code == 200


def test_the_secretariats_work_tables_stay_closed_to_others_by_their_link(client):
    sign_in_as(client, Role.DONOR)
    assert client.get(reverse("admin:iati_importrun_changelist")).status_code == 403
    assert client.get(reverse("admin:analysis_matcherrun_changelist")).status_code == 403
