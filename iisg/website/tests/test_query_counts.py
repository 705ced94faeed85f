"""The pillar page and search make the same number of queries however many rows they show."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iisg.core.tests import factories as f
from iisg.directory.choices import OrganisationKind
from iisg.governance.choices import ProductStatus

pytestmark = pytest.mark.django_db

KINDS = itertools.cycle([OrganisationKind.EU_AGENCY, OrganisationKind.PARTNER_INSTITUTION, OrganisationKind.REGIONAL])


def queries_of(client, path, data=None):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, data).status_code == 200
    return len(queries)


def grow_pillar(pillar, *, decision):
    partner = f.PartnerFactory()
    f.MembershipFactory(pillar=pillar, organisation__kind=next(KINDS), organisation__partner=partner)
    adopted = f.ProductFactory(status=ProductStatus.ADOPTED, adopted_by=decision, description="Border mapping")
    adopted.pillars.add(pillar)
    f.ProductVersionFactory(product=adopted, file="products/2024/file.pdf")
    f.ProductFactory(status=ProductStatus.IN_PROCESS).pillars.add(pillar)
    for start in (datetime.date(2020, 1, 1), datetime.date(2999, 1, 1)):
        event = f.EventFactory(start_date=start, title="Border mapping workshop")
        event.pillars.add(pillar)


def test_the_pillar_page_makes_the_same_number_of_queries_whatever_the_data(client):
    pillar = f.PillarFactory(code="wbbsi")
    decision = f.DecisionFactory()
    grow_pillar(pillar, decision=decision)
    few = queries_of(client, "/pillars/wbbsi/")
    for _ in range(8):
        grow_pillar(pillar, decision=f.DecisionFactory())
    assert queries_of(client, "/pillars/wbbsi/") == few


def test_search_makes_the_same_number_of_queries_whatever_it_finds(client):
    pillar = f.PillarFactory(code="wbbsi", tasks="Border mapping")
    grow_pillar(pillar, decision=f.DecisionFactory())
    few = queries_of(client, "/search/", {"q": "border mapping"})
    for _ in range(8):
        grow_pillar(pillar, decision=f.DecisionFactory())
    f.PillarFactory(code="wbcti", objective="Border mapping too")
    assert queries_of(client, "/search/", {"q": "border mapping"}) == few
