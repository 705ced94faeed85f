"""What a pillar page selects: current members in order, and the files of adopted products only."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from iisg.core.tests import factories as f
from iisg.directory.choices import Body, OrganisationKind
from iisg.directory.selectors import support_group
from iisg.governance.choices import ProductStatus

pytestmark = pytest.mark.django_db

WBBSI = "/pillars/wbbsi/"


def test_support_group_shows_current_members_only_in_the_order_of_the_group():
    pillar = f.PillarFactory(code="wbbsi")
    today = datetime.date(2024, 1, 1)
    later = f.MembershipFactory(pillar=pillar, order=2, organisation__kind=OrganisationKind.INTERNATIONAL)
    first = f.MembershipFactory(pillar=pillar, order=1, organisation__kind=OrganisationKind.REGIONAL)
    f.MembershipFactory(pillar=pillar, until=datetime.date(2023, 12, 31))
    f.MembershipFactory(pillar=pillar, since=datetime.date(2024, 6, 1))
    f.MembershipFactory(pillar=f.PillarFactory(code="wbcti"))
    f.MembershipFactory(organisation=later.organisation, body=Body.BOARD, pillar=None)
    (group,) = support_group(AnonymousUser(), pillar, today=today)
    assert group.members == [first, later]


def test_materials_of_a_pillar_are_the_files_of_its_adopted_products(client, settings):
    pillar = f.PillarFactory(code="wbbsi")
    adopted = f.ProductFactory(status=ProductStatus.ADOPTED, title="Border risk analysis methodology")
    adopted.pillars.add(pillar)
    in_process = f.ProductFactory(status=ProductStatus.IN_PROCESS, title="Draft handbook")
    in_process.pillars.add(pillar)
    document = f.ProductVersionFactory(product=adopted, version="2.0", file="products/2024/risk.pdf")
    f.ProductVersionFactory(product=adopted, version="1.0")  # no file: nothing to download
    f.ProductVersionFactory(product=in_process, version="0.1", file="products/2024/draft.pdf")
    response = client.get(WBBSI)
    assert response.context["page"].products.materials == [document]
    html = response.content.decode()
    assert f'href="/materials/{adopted.slug}/download/{document.pk}/"' in html
    assert "draft.pdf" not in html
    assert f"/materials/{in_process.slug}/download/" not in html
