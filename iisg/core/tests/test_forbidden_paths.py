"""What each role may not reach through the web, as one matrix: role × request × expected answer.

It fills the gaps left by the per-feature tests (test_admin_roles.py, the apps' test_views,
test_workbook and test_jobs): the other partner's draft and returned needs behind every admin URL
and through the workbook download, the other donor's action behind its delete and child pages, the
Secretariat's own records, the back office and member pages for someone signed in without a role,
and the downloads for the anonymous. Every refused write is checked to have changed nothing.
"""

import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.urls import reverse

from iisg.actions.choices import OrganisationRole
from iisg.actions.models import Action, Budget
from iisg.core.choices import Role
from iisg.iati.models import ImportRun
from iisg.needs.choices import CycleStatus, NeedStatus
from iisg.needs.models import Need
from iisg.reports.models import Report

from . import factories as f

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")


@pytest.fixture
def w():
    albania, serbia = f.PartnerFactory(code="AL"), f.PartnerFactory(code="RS")
    austria, germany = f.OrganisationFactory(acronym="ADA"), f.OrganisationFactory(acronym="GIZ")
    cycle = f.CycleFactory(first_year=2025, last_year=2026, status=CycleStatus.OPEN)
    own_action, other_action = f.ActionFactory(title="Austria's action"), f.ActionFactory(title="Germany's action")
    f.ActionOrganisationFactory(action=own_action, organisation=austria, role=OrganisationRole.FUNDING)
    f.ActionOrganisationFactory(action=other_action, organisation=germany, role=OrganisationRole.FUNDING)
    report = Report.objects.create(kind="needs", status=Report.Status.DONE)
    report.file.save("needs.pdf", ContentFile(b"%PDF-1.7 report"), save=True)
    users = {
        "public": f.UserFactory(is_staff=False),
        "member": f.UserFactory(roles=[Role.MEMBER]),
        "focal_point": f.UserFactory(roles=[Role.MEMBER, Role.FOCAL_POINT]),
        "donor": f.UserFactory(roles=[Role.MEMBER, Role.DONOR]),
        "secretariat": f.UserFactory(roles=[Role.SECRETARIAT]),
    }
    f.PersonFactory(user=users["focal_point"], partner=albania)
    f.PersonFactory(user=users["donor"], organisation=austria)
    return {
        "users": users,
        "cycle": cycle,
        "draft": f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT, title="Serbia's draft"),
        "returned": f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.RETURNED, title="Serbia's returned"),
        "own_draft": f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.DRAFT, title="Albania's draft"),
        "serbia": serbia,
        "own_action": own_action,
        "other_action": other_action,
        "other_budget": f.BudgetFactory(action=other_action),
        "report": report,
        "import_run": ImportRun.objects.create(source_name="activities.xml"),
        "someone": f.PersonFactory(name="Someone else"),
        "secretariat": users["secretariat"],
    }


def url(url_name, key=None, **kwargs):
    """The URL `url_name` (of the object w[key]), resolved once the world exists."""

    def resolve(w):
        return reverse(url_name, args=[w[key].pk] if key else [], kwargs=kwargs or None)

    resolve.label = "-".join(filter(None, [url_name, key, *kwargs.values()]))
    return resolve


def admin(name, key=None):
    return url(f"admin:{name}", key)


def to_login(response):
    return response.status_code == 302 and response.url.startswith(LOGIN)


def to_index(response):
    return response.status_code == 302 and response.url == INDEX


def refused(response):
    return response.status_code == 403


def not_found(response):
    return response.status_code == 404


def read_only(response):
    return response.status_code == 200 and response.context["has_change_permission"] is False


# (role, method, path, expected): role None is the anonymous visitor.
MATRIX = [
    # A focal point of Albania and Serbia's needs in progress: hidden as if they did not exist.
    ("focal_point", "get", admin("needs_need_change", "draft"), to_index),
    ("focal_point", "post", admin("needs_need_change", "draft"), to_index),
    ("focal_point", "get", admin("needs_need_change", "returned"), to_index),
    ("focal_point", "get", admin("needs_need_delete", "draft"), to_index),
    ("focal_point", "post", admin("needs_need_delete", "draft"), to_index),
    ("focal_point", "get", admin("needs_need_history", "returned"), refused),
    # ... and the other records that are not theirs.
    ("focal_point", "get", admin("iati_importrun_changelist"), refused),
    ("focal_point", "get", admin("iati_importrun_change", "import_run"), refused),
    ("focal_point", "get", admin("directory_person_change", "someone"), to_index),
    ("focal_point", "get", admin("needs_cycle_adopt", "cycle"), refused),
    ("focal_point", "get", admin("reports_report_add"), refused),
    # A donor and another donor's action: readable, never writable.
    ("donor", "get", admin("actions_action_change", "other_action"), read_only),
    ("donor", "get", admin("actions_action_delete", "other_action"), refused),
    ("donor", "post", admin("actions_action_delete", "other_action"), refused),
    ("donor", "post", admin("actions_budget_delete", "other_budget"), refused),
    ("donor", "get", admin("needs_need_change", "draft"), to_index),
    ("donor", "get", admin("iati_importrun_changelist"), refused),
    ("donor", "get", admin("needs_need_workbook_download"), refused),
    # A member reads and downloads, and writes nothing.
    ("member", "get", admin("actions_action_add"), refused),
    ("member", "post", admin("actions_action_delete", "own_action"), refused),
    ("member", "get", admin("needs_need_change", "draft"), to_index),
    ("member", "get", admin("actions_action_workbook_download"), refused),
    ("member", "get", admin("auth_user_change", "secretariat"), to_index),
    ("member", "post", admin("auth_user_password_change", "secretariat"), refused),
    # Someone signed in without a role is the public: no back office, no member pages or files.
    ("public", "get", admin("index"), to_login),
    ("public", "get", admin("needs_need_changelist"), to_login),
    ("public", "get", url("two-factor"), to_login),
    ("public", "get", url("analysis:needs"), to_login),
    ("public", "get", url("analysis:export", name="gaps", fmt="csv"), to_login),
    ("public", "get", url("analysis:export", name="coverage", fmt="xlsx"), to_login),
    ("public", "get", url("reports:download", "report"), refused),
    # The anonymous: sent to sign in, and nothing written on the way.
    (None, "get", admin("needs_need_change", "draft"), to_login),
    (None, "post", admin("needs_need_delete", "draft"), to_login),
    (None, "post", admin("actions_action_delete", "other_action"), to_login),
    (None, "get", admin("needs_need_workbook_download"), to_login),
    (None, "get", admin("reports_report_changelist"), to_login),
    (None, "get", url("reports:download", "report"), to_login),
    (None, "get", url("analysis:export", name="overlaps", fmt="csv"), to_login),
    (None, "get", url("iati:actions_xml"), lambda response: response.status_code == 302),
]


def snapshot():
    """What a refused request must leave as it was."""
    return [list(model.objects.order_by("pk").values()) for model in (Need, Action, Budget, User)]


def label(row):
    role, method, path, expected = row
    return f"{role or 'anonymous'}-{method}-{path.label}-{expected.__name__}"


@pytest.mark.parametrize(("role", "method", "path", "expected"), MATRIX, ids=[label(row) for row in MATRIX])
def test_forbidden_path(client, w, role, method, path, expected):
    if role is not None:
        client.force_login(w["users"][role])
    before = snapshot()
    data = {"post": "yes", "title": "Taken over", "password1": "Taken-over-2026!", "password2": "Taken-over-2026!"}
    data = data if method == "post" else None
    response = getattr(client, method)(path(w), data)
    assert expected(response), (response.status_code, response.get("Location"))
    assert snapshot() == before


def test_the_anonymous_iati_export_holds_no_action(client, w):
    response = client.get(reverse("iati:actions_xml"), follow=True)
    assert b"iati-activity" not in response.content
    assert response.redirect_chain[-1][0].startswith(LOGIN)


@pytest.mark.parametrize("key", ["draft", "returned"])
def test_a_focal_point_finds_no_trace_of_another_partners_need_in_progress(client, w, key):
    client.force_login(w["users"]["focal_point"])
    need = w[key]
    listed = client.get(reverse("admin:needs_need_changelist"), {"q": need.reference})
    assert need not in listed.context["cl"].result_list
    assert need.title not in listed.text
    searched_everywhere = client.get(reverse("admin:needs_need_changelist"), {"q": need.title, "status__exact": key})
    assert need.title not in searched_everywhere.text


def workbook_titles(response):
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return {cell for row in book["Needs"].iter_rows(values_only=True) for cell in row if isinstance(cell, str)}


def test_a_focal_point_downloads_a_needs_workbook_without_another_partners_rows(client, w):
    client.force_login(w["users"]["focal_point"])
    download = reverse("admin:needs_need_workbook_download")
    response = client.get(download, {"cycle": w["cycle"].pk, "partner": w["serbia"].pk})
    assert response.status_code == 200
    titles = workbook_titles(response)
    assert "Albania's draft" in titles
    assert not {"Serbia's draft", "Serbia's returned"} & titles


def test_a_donor_downloads_an_actions_workbook_without_another_donors_actions(client, w):
    client.force_login(w["users"]["donor"])
    response = client.get(reverse("admin:actions_action_workbook_download"))
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        form = response.context["form"]
        response = client.get(
            reverse("admin:actions_action_workbook_download"),
            {
                name: field.initial.pk if hasattr(field.initial, "pk") else field.initial or ""
                for name, field in form.fields.items()
            },
        )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    texts = {
        cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)
    }
    assert "Austria's action" in texts
    assert "Germany's action" not in texts
