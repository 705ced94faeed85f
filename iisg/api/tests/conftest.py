"""Two partners, two donors, one user per role, and records each role owns or not."""

import pytest
from rest_framework.test import APIClient

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.choices import CycleStatus, NeedStatus

from .factories import token_client


@pytest.fixture
def world(db):
    albania = f.PartnerFactory(code="AL")
    serbia = f.PartnerFactory(code="RS")
    pillar = f.PillarFactory(code="wbbsi")
    austria = f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")
    giz = f.OrganisationFactory(name="GIZ", acronym="GIZ")
    cycle = f.CycleFactory(first_year=2025, last_year=2026, status=CycleStatus.OPEN)
    area = f.AreaFactory(cycle=cycle, pillar=pillar, code="1.1")

    users = {
        "secretariat": f.UserFactory(roles=[Role.SECRETARIAT]),
        "member": f.UserFactory(roles=[Role.MEMBER]),
        "focal_point": f.UserFactory(roles=[Role.FOCAL_POINT]),
        "donor": f.UserFactory(roles=[Role.DONOR]),
    }
    f.PersonFactory(user=users["focal_point"], partner=albania, organisation=None)
    f.PersonFactory(user=users["donor"], organisation=austria)

    def need(partner, status, reference):
        return f.NeedFactory(cycle=cycle, partner=partner, pillar=pillar, area=area, status=status, reference=reference)

    needs = {
        "own_draft": need(albania, NeedStatus.DRAFT, "AL-WBBSi-001"),
        "other_draft": need(serbia, NeedStatus.DRAFT, "RS-WBBSi-001"),
        "own_submitted": need(albania, NeedStatus.SUBMITTED, "AL-WBBSi-002"),
        "other_validated": need(serbia, NeedStatus.VALIDATED, "RS-WBBSi-002"),
    }
    own_action = f.ActionFactory(title="Border police equipment")
    f.ActionOrganisationFactory(action=own_action, organisation=austria, role=OrganisationRole.FUNDING)
    other_action = f.ActionFactory(title="Prosecutors' training")
    f.ActionOrganisationFactory(action=other_action, organisation=giz, role=OrganisationRole.FUNDING)
    f.BudgetFactory(action=own_action)
    f.TransactionFactory(action=own_action)
    responses = {
        "own": f.ResponseFactory(action=own_action, need=needs["own_submitted"], status=ResponseStatus.PROPOSED),
        "other": f.ResponseFactory(action=other_action, need=needs["other_validated"], status=ResponseStatus.PROPOSED),
    }
    return {
        "albania": albania,
        "serbia": serbia,
        "pillar": pillar,
        "austria": austria,
        "giz": giz,
        "cycle": cycle,
        "area": area,
        "users": users,
        "needs": needs,
        "actions": {"own": own_action, "other": other_action},
        "responses": responses,
    }


@pytest.fixture
def anonymous():
    return APIClient()


def session_client(user):
    """A client signed in with a browser session (the browsable API, Swagger UI)."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def as_role(world):
    """`as_role("donor")`: a token client of that role's user."""
    return lambda role: token_client(world["users"][role])


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}
