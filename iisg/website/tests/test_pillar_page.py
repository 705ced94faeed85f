"""The pillar pages with the demo: the WBBSi page shows what the published page shows, and more."""

import pytest
from django.urls import reverse

from iisg.demo.tests.published import pillar_page_bullets
from iisg.governance.choices import ProductStatus

pytestmark = pytest.mark.django_db

WBBSI = "/pillars/wbbsi/"


def test_every_pillar_page_of_the_demo_opens(client, demo_site):
    for code in ("wbcti", "wbcsci", "wbbsi"):
        assert client.get(reverse("website:pillar", kwargs={"code": code})).status_code == 200


def test_an_unknown_pillar_is_not_found(client, demo_site):
    assert client.get("/pillars/nothing/").status_code == 404


def test_wbbsi_lists_exactly_its_support_group_members_grouped_by_kind(client, demo_site):
    response = client.get(WBBSI)
    groups = {
        group.label: [m.organisation.short_name for m in group.members]
        for group in response.context["page"].support_group
    }
    assert groups == {
        "European Union": ["DG NEAR", "EU Justice and Home Affairs agencies"],
        "Western Balkan partners": ["MoI AL", "MoS BA", "MoI XK", "MoI ME", "MoI MK", "MoI RS"],
        "EU member states and other states": ["MoI AT", "MoI SI", "France", "MoI IT", "UK"],
        "International and regional organisations": ["RCC", "UNODC", "PCC SEE", "DCAF", "RAI", "MARRI", "OSCE"],
        "Other members": ["GIZ"],
    }
    assert sum(len(members) for members in groups.values()) == len(pillar_page_bullets("Support Group Members"))
    page = response.content.decode()
    assert "<strong>Kosovo*</strong> – Ministry of Interior of Kosovo*" in page
    assert "UNSCR 1244" in page


def test_wbbsi_shows_its_tasks_and_decision_making_process_as_published(client, demo_site):
    response = client.get(WBBSI)
    page = response.context["page"]
    assert page.tasks == pillar_page_bullets("Tasks")
    assert page.decision_making == pillar_page_bullets("Decision-making process")
    html = response.content.decode()
    assert "<li>Proposal/s to the IISG Board</li>" in html
    assert "<li>IISG Board making decisions</li>" in html


def test_wbbsi_lists_its_accomplished_products_with_links_and_products_in_process_as_titles(client, demo_site):
    response = client.get(WBBSI)
    products = response.context["page"].products
    assert len(products.accomplished) == len(pillar_page_bullets("Accomplished Products")) == 12
    assert {product.status for product in products.accomplished} == {ProductStatus.ADOPTED}
    assert [product.title for product in products.in_process] == [
        "Analyzing the IISG database",
        "Methodology of Support Group contribution and procedures",
        "Response mapping report",
    ]
    html = response.content.decode()
    assert 'href="/materials/methodology-for-becoming-an-iisg-member/"' in html
    assert "Response mapping report" in html
    assert 'href="/materials/response-mapping-report/"' not in html, "the public gets no link to a product in process"


def test_a_member_gets_links_to_the_products_in_process(member_client):
    html = member_client.get(WBBSI).content.decode()
    assert 'href="/materials/response-mapping-report/"' in html


def test_wbbsi_links_to_its_events_its_calendar_and_its_materials(client, demo_site):
    html = client.get(WBBSI).content.decode()
    assert 'href="/events/?pillar=wbbsi"' in html
    assert 'href="/events.ics?pillar=wbbsi"' in html
    assert 'href="/materials/?pillar=wbbsi"' in html
    assert "National thematic meeting in Podgorica (WBCSCi)" in html
