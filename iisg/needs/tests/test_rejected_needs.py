"""A need the Secretariat rejected is read by those who map the needs (the Secretariat, the Board
and Support Groups, the partners' focal points), not by donors and implementers, which answer needs
with responses and cannot answer a rejected one: the API and the back office agree."""

import pytest
from django.urls import reverse

from iisg.api.tests.factories import token_client
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.choices import NeedStatus
from iisg.needs.services import reject_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected(cycle, pillar, serbia, secretariat):
    need = f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, title="Mobile border surveillance units")
    return reject_need(user=secretariat, need=need, comment="Already covered by the national budget.")


@pytest.fixture
def users(secretariat, member, serbian_focal_point, albania):
    austria = f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")
    giz = f.OrganisationFactory(name="Deutsche Gesellschaft für Internationale Zusammenarbeit", acronym="GIZ")
    return {
        "secretariat": secretariat,
        "member": member,
        "own focal point": serbian_focal_point,
        "other focal point": f.user_with(Role.FOCAL_POINT, partner=albania),
        "donor": f.user_with(Role.DONOR, organisation=austria),
        "implementer": f.user_with(Role.IMPLEMENTER, organisation=giz),
    }


SEES_REJECTED = {
    "secretariat": True,
    "member": True,
    "own focal point": True,
    "other focal point": True,
    "donor": False,
    "implementer": False,
}


@pytest.mark.parametrize("role", list(SEES_REJECTED))
def test_who_reads_a_rejected_need_through_the_api(rejected, users, role):
    assert rejected.status == NeedStatus.REJECTED
    client = token_client(users[role])
    listed = {row["id"] for row in client.get("/api/needs/").json()["results"]}
    assert (rejected.pk in listed) is SEES_REJECTED[role]
    assert client.get(f"/api/needs/{rejected.pk}/").status_code == (200 if SEES_REJECTED[role] else 404)


@pytest.mark.parametrize("role", list(SEES_REJECTED))
def test_who_reads_a_rejected_need_in_the_back_office(client, rejected, users, role):
    users[role].is_staff = True
    users[role].save()
    client.force_login(users[role])
    listed = client.get(reverse("admin:needs_need_changelist"), {"status": NeedStatus.REJECTED})
    assert listed.status_code == 200
    assert ("Mobile border surveillance units" in listed.content.decode()) is SEES_REJECTED[role]
    page = client.get(reverse("admin:needs_need_change", args=[rejected.pk]))
    assert (page.status_code == 200) is SEES_REJECTED[role], page.status_code


def test_a_donor_still_reads_the_needs_it_may_answer(rejected, users, cycle, pillar, serbia):
    submitted = f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, status=NeedStatus.SUBMITTED)
    listed = {row["id"] for row in token_client(users["donor"]).get("/api/needs/").json()["results"]}
    assert listed == {submitted.pk}
