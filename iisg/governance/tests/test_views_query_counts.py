"""The governance page and the materials list make the same number of queries however many rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iisg.core.tests import factories as f
from iisg.directory.choices import Body
from iisg.governance.choices import DecisionKind, ProductStatus
from iisg.needs.choices import CycleStatus

pytestmark = pytest.mark.django_db


def queries_of(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def board_meeting_with_decisions(first_year):
    meeting = f.MeetingFactory(chair=f.OrganisationFactory())
    adopting = f.DecisionFactory(meeting=meeting, kind=DecisionKind.ADOPT_PRODUCT)
    adopting.pillars.add(f.PillarFactory())
    f.ProductFactory(status=ProductStatus.ADOPTED, adopted_by=adopting)
    admitting = f.DecisionFactory(meeting=meeting, kind=DecisionKind.ADMIT_MEMBER)
    f.MembershipFactory(admitted_by=admitting, body=Body.SUPPORT_GROUP)
    f.MembershipFactory(admitted_by=admitting, body=Body.BOARD, pillar=None)
    cycle = f.DecisionFactory(meeting=meeting, kind=DecisionKind.ADOPT_CYCLE)
    f.CycleFactory(first_year=first_year, last_year=first_year + 1, status=CycleStatus.ADOPTED, adopted_by=cycle)


def test_the_governance_page_makes_the_same_number_of_queries_whatever_the_meetings(client):
    board_meeting_with_decisions(2020)
    few = queries_of(client, "/governance/")
    for year in range(2030, 2040):
        board_meeting_with_decisions(year)
    assert queries_of(client, "/governance/") == few


def test_a_meeting_page_makes_the_same_number_of_queries_whatever_its_decisions(client):
    meeting = f.MeetingFactory()
    f.DecisionFactory(meeting=meeting)
    path = f"/governance/meetings/{meeting.event.slug}/"
    few = queries_of(client, path)
    for _ in range(10):
        decision = f.DecisionFactory(meeting=meeting, kind=DecisionKind.ADMIT_MEMBER)
        f.MembershipFactory(admitted_by=decision)
        f.ProductFactory(status=ProductStatus.ADOPTED, adopted_by=decision)
    assert queries_of(client, path) == few


def adopted_product_with_versions():
    product = f.ProductFactory(status=ProductStatus.ADOPTED, adopted_by=f.DecisionFactory())
    product.pillars.add(f.PillarFactory())
    for name in ("a.pdf", "b.docx"):
        f.ProductVersionFactory(product=product, file=f"products/2024/{name}")
    return product


def test_the_materials_list_makes_the_same_number_of_queries_whatever_the_products(client):
    adopted_product_with_versions()
    few = queries_of(client, "/materials/")
    for _ in range(10):
        adopted_product_with_versions()
    assert queries_of(client, "/materials/") == few
    assert queries_of(client, "/materials/?pillar=wbcti&kind=methodology") == few
