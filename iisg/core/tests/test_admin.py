"""The back office as the Secretariat uses it: every model's pages, history, footnote, query counts.

What the other roles may and may not do there is in test_admin_roles.py.
"""

import pytest
from django import forms
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iisg.actions.choices import OrganisationRole
from iisg.core.admin import HistoryRuleAdmin
from iisg.core.choices import Role
from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.needs.choices import NeedStatus, Priority

from . import factories as f

pytestmark = pytest.mark.django_db

DOMAIN_MODELS = {
    "directory.partner",
    "directory.organisation",
    "directory.pillar",
    "directory.membership",
    "directory.person",
    "needs.cycle",
    "needs.area",
    "needs.need",
    "actions.action",
    "actions.actionorganisation",
    "actions.actionsector",
    "actions.budget",
    "actions.transaction",
    "actions.response",
    "events.event",
    "governance.meeting",
    "governance.decision",
    "governance.product",
    "governance.productversion",
}


def login(client, *roles, partner=None, organisation=None):
    """A staff user with these roles, tied to a partner or an organisation, logged in."""
    user = f.UserFactory(roles=list(roles))
    if partner is not None or organisation is not None:
        f.PersonFactory(user=user, partner=partner, organisation=organisation)
    client.force_login(user)
    return user


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response):
    """The POST data a browser sends back from an admin add or change page, as it was rendered."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
                data[bound.html_name] = [str(item) for item in value or []]
            elif value is None:
                data[bound.html_name] = ""
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


@pytest.fixture
def domain():
    """One of everything, linked as in real life."""
    kosovo = f.PartnerFactory(code="XK")
    pillar = f.PillarFactory(code="wbbsi")
    need = f.NeedFactory(partner=kosovo, pillar=pillar)
    austria = f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI", partner=None)
    action = f.ActionFactory(title="Border police capacity building")
    action.partners.add(kosovo)
    action.pillars.add(pillar)
    f.ActionOrganisationFactory(action=action, organisation=austria, role=OrganisationRole.FUNDING)
    f.ActionSectorFactory(action=action)
    f.BudgetFactory(action=action)
    f.TransactionFactory(action=action, provider=austria)
    f.ResponseFactory(action=action, need=need)
    decision = f.DecisionFactory()
    decision.pillars.add(pillar)
    f.MembershipFactory(organisation=austria, pillar=pillar, admitted_by=decision)
    f.PersonFactory(organisation=austria, name="Anna Berger")
    product = f.ProductFactory()
    product.pillars.add(pillar)
    f.ProductVersionFactory(product=product)
    return need


def test_every_domain_model_is_registered():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered >= DOMAIN_MODELS


def test_models_with_history_have_a_history_admin():
    for model, model_admin in admin.site._registry.items():
        if hasattr(model._meta, "simple_history_manager_attribute"):
            assert isinstance(model_admin, HistoryRuleAdmin), model


def test_site_names_the_back_office(client):
    login(client, Role.SECRETARIAT)
    response = client.get(reverse("admin:index"))
    assert response.context["site_header"] == "IISG Platform — back office"
    assert response.context["site_url"] == "/"


@pytest.mark.parametrize("label", sorted(DOMAIN_MODELS))
def test_secretariat_opens_list_add_change_and_history_pages(client, domain, label):
    login(client, Role.SECRETARIAT)
    model = next(model for model in admin.site._registry if model._meta.label_lower == label)
    obj = model._default_manager.first()
    assert obj is not None
    for view, args in [("changelist", ()), ("add", ()), ("change", (obj.pk,)), ("history", (obj.pk,))]:
        response = client.get(admin_url(model, view, *args))
        assert response.status_code == 200, (label, view)


def test_need_history_shows_who_changed_what(client):
    user = login(client, Role.SECRETARIAT)
    need = f.NeedFactory(priority=Priority.HIGH, status=NeedStatus.SUBMITTED)
    url = admin_url(need, "change", need.pk)
    data = form_data(client.get(url))
    data["priority"] = Priority.MEDIUM

    assert client.post(url, data).status_code == 302
    need.refresh_from_db()
    assert need.priority == Priority.MEDIUM

    response = client.get(admin_url(need, "history", need.pk))
    latest = response.context["page_obj"].object_list[0]
    assert latest.history_user == user
    assert {"field": "Priority", "old": "High", "new": "Medium"} in latest.history_delta_changes
    content = response.content.decode()
    assert user.username in content
    assert "High" in content
    assert "Medium" in content


def test_response_history_is_reachable_from_the_response_admin(client, domain):
    login(client, Role.SECRETARIAT)
    response_obj = domain.responses.get()
    change_page = client.get(admin_url(response_obj, "change", response_obj.pk))
    history_url = admin_url(response_obj, "history", response_obj.pk)
    assert history_url in change_page.content.decode()
    assert client.get(history_url).status_code == 200


def test_kosovo_footnote_on_the_needs_changelist(client, domain):
    login(client, Role.SECRETARIAT)
    response = client.get(admin_url(domain, "changelist"))
    content = response.content.decode()
    assert "Kosovo*" in content
    assert str(KOSOVO_FOOTNOTE) in content


def test_kosovo_footnote_on_the_login_page(client):
    assert str(KOSOVO_FOOTNOTE) in client.get(reverse("admin:login")).content.decode()


def action_names(changelist):
    """The bulk actions a changelist offers."""
    action_form = changelist.context["action_form"]
    return set() if action_form is None else {name for name, label in action_form.fields["action"].choices if name}


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def make_needs(count):
    cycle = f.CycleFactory()
    for _ in range(count):
        need = f.NeedFactory(cycle=cycle)
        f.ResponseFactory(need=need)


def make_actions(count):
    pillar, partner = f.PillarFactory(), f.PartnerFactory()
    for _ in range(count):
        action = f.ActionFactory()
        action.partners.add(partner)
        action.pillars.add(pillar)
        f.ActionOrganisationFactory(action=action, role=OrganisationRole.FUNDING)
        f.ActionOrganisationFactory(action=action, role=OrganisationRole.IMPLEMENTING)
        f.ResponseFactory(action=action)


def make_events(count):
    pillar = f.PillarFactory()
    for _ in range(count):
        f.EventFactory().pillars.add(pillar)


def make_responses(count):
    for _ in range(count):
        f.ResponseFactory()


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("admin:needs_need_changelist", make_needs),
        ("admin:actions_action_changelist", make_actions),
        ("admin:events_event_changelist", make_events),
        ("admin:actions_response_changelist", make_responses),
    ],
)
@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.MEMBER])
def test_changelist_queries_stay_flat_as_rows_grow(client, path, make, role):
    login(client, role)
    url = reverse(path)
    make(3)
    few = queries_for(client, url)
    make(27)
    assert queries_for(client, url) == few


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_each_role_opens_the_pages_its_index_lists(client, domain, role):
    login(client, role, partner=domain.partner, organisation=f.OrganisationFactory())
    for app in client.get(reverse("admin:index")).context["app_list"]:
        for entry in app["models"]:
            changelist = client.get(entry["admin_url"])
            assert changelist.status_code == 200, entry["model"]
            for row in changelist.context["cl"].result_list[:1]:
                assert client.get(admin_url(row, "change", row.pk)).status_code == 200, row
