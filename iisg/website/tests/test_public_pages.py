"""Every public page with the demo: it opens, shows what it must, is ready for sharing and
search engines, and never shows a contact person or an unpublished event."""

import re

import pytest
from django.urls import reverse
from lxml import etree

from iisg.directory.models import Person
from iisg.events.models import Event
from iisg.governance.choices import MeetingBody, ProductStatus
from iisg.governance.models import Meeting, Product

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
# Pages of the website whose content does not depend on a row; the others come from sitemap.xml.
FIXED_PAGES = ["/", "/about/", "/pillars/", "/governance/", "/materials/", "/accessibility/", "/search/?q=border"]


def sitemap_paths(client):
    tree = etree.fromstring(client.get("/sitemap.xml").content)
    return [re.sub(r"^https?://[^/]+", "", loc.text) for loc in tree.findall("sm:url/sm:loc", SITEMAP_NS)]


def own_pages(client):
    """Every page of the website the events app does not own: fixed pages and the sitemap's."""
    listed = [path for path in sitemap_paths(client) if not path.startswith("/events/")]
    return list(dict.fromkeys(FIXED_PAGES + listed))


def test_the_about_page_shows_the_board_its_chair_the_secretariat_and_how_to_join(client, demo_site):
    response = client.get(reverse("website:about"))
    assert response.status_code == 200
    board = response.context["board"]
    assert [member.organisation.short_name for member in board.chairs] == ["DG NEAR"]
    assert len(board.members) == 7
    assert [member.organisation.short_name for member in response.context["secretariat"]] == ["RCC"]
    html = response.content.decode()
    assert "<strong>Kosovo*</strong> – Ministry of Interior of Kosovo*" in html
    assert "host of the IISG Secretariat" in html
    assert "The Support Group proposes" in html
    assert 'href="/materials/methodology-for-becoming-an-iisg-member/"' in html
    sixth = Meeting.objects.get(body=MeetingBody.BOARD, number=6)
    assert f'href="/governance/meetings/{sixth.event.slug}/#decision-6"' in html
    assert "Bulgaria, OSCE Kosovo*, RAI" in html


def test_the_pillars_page_links_the_three_pillars(client, demo_site):
    html = client.get(reverse("website:pillars")).content.decode()
    for code in ("wbcti", "wbcsci", "wbbsi"):
        assert f'href="/pillars/{code}/"' in html


def test_the_home_page_links_the_pillars_the_latest_board_meeting_and_the_events(client, demo_site):
    response = client.get(reverse("website:home"))
    html = response.content.decode()
    assert 'href="/pillars/wbbsi/"' in html
    assert response.context["board_meeting"].number == 7
    assert 'href="/events/"' in html


def test_the_materials_page_lists_every_adopted_product_and_none_in_process(client, demo_site):
    response = client.get(reverse("governance:materials"))
    assert response.status_code == 200
    listed = {product.title for product in response.context["products"]}
    assert listed == set(Product.objects.filter(status=ProductStatus.ADOPTED).values_list("title", flat=True))
    assert len(listed) == 13
    html = response.content.decode()
    for title in Product.objects.exclude(status=ProductStatus.ADOPTED).values_list("title", flat=True):
        assert title not in html


def test_a_demo_product_page_opens_and_one_in_process_does_not(client, demo_site):
    assert client.get("/materials/methodology-for-becoming-an-iisg-member/").status_code == 200
    assert client.get("/materials/response-mapping-report/").status_code == 404


def test_the_accessibility_statement_gives_status_limitations_review_date_and_a_way_to_report(client, settings):
    settings.IISG_CONTACT_EMAIL = "accessibility@iisg.test"
    html = client.get(reverse("website:accessibility")).content.decode()
    assert "partially compliant" in html
    assert "WCAG" in html
    assert "Content that is not accessible" in html
    assert '<time datetime="2026-11-24">24 November 2026</time>' in html
    assert 'href="mailto:accessibility@iisg.test?subject=Accessibility%20barrier"' in html


def test_without_a_contact_address_the_statement_points_to_the_secretariats_host(client, settings, demo_site):
    settings.IISG_CONTACT_EMAIL = ""
    html = client.get(reverse("website:accessibility")).content.decode()
    assert "mailto:" not in html
    assert 'href="https://www.rcc.int"' in html


def test_every_footer_links_the_accessibility_statement(client, demo_site):
    for path in own_pages(client):
        assert 'href="/accessibility/"' in client.get(path).content.decode(), path


def test_sitemap_lists_the_public_pages_and_events_and_parses(client, demo_site):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    paths = sitemap_paths(client)
    for path in ["/", "/about/", "/pillars/", "/pillars/wbbsi/", "/governance/", "/materials/", "/accessibility/"]:
        assert path in paths
    sixth = Meeting.objects.get(body=MeetingBody.BOARD, number=6)
    assert f"/governance/meetings/{sixth.event.slug}/" in paths
    assert "/materials/methodology-for-becoming-an-iisg-member/" in paths
    assert "/materials/response-mapping-report/" not in paths
    assert "/events/" in paths
    events = [path for path in paths if path.startswith("/events/") and path != "/events/"]
    assert len(events) == Event.objects.filter(is_published=True).count()
    assert all(
        loc.startswith("http://testserver/")
        for loc in etree.fromstring(response.content).xpath("//sm:loc/text()", namespaces=SITEMAP_NS)
    )


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode().splitlines()


def test_every_page_has_a_title_a_description_a_canonical_link_and_open_graph_tags(client, demo_site):
    titles = set()
    for path in own_pages(client):
        response = client.get(path)
        assert response.status_code == 200, path
        tree = etree.HTML(response.content)
        canonical = tree.xpath("//link[@rel='canonical']/@href")
        assert canonical == ["http://testserver" + path.split("?")[0]], path
        assert tree.xpath("//meta[@property='og:title']/@content")[0].strip(), path
        assert tree.xpath("//meta[@property='og:description']/@content")[0].strip(), path
        assert tree.xpath("//meta[@name='description']/@content")[0].strip(), path
        titles.add(tree.xpath("//title/text()")[0])
    assert len(titles) == len(own_pages(client)), "each page has a title of its own"


def test_no_contact_person_appears_on_any_public_page(client, demo_site):
    people = list(Person.objects.all())
    assert people, "the demo has contact people (those of its logins)"
    pages = own_pages(client) + [f"/search/?q={person.name.split()[0]}" for person in people]
    for path in pages:
        html = client.get(path).content.decode()
        for person in people:
            assert person.name not in html, (person.name, path)
            assert person.email not in html, (person.email, path)


def test_an_unpublished_event_is_neither_searched_nor_in_the_sitemap(client, demo_site):
    event = Event.objects.get(title="National thematic meeting in Podgorica (WBCSCi)")
    link = f'href="/events/{event.slug}/"'
    assert link in client.get("/search/", {"q": "Podgorica"}).content.decode()
    event.is_published = False
    event.save()
    assert link not in client.get("/search/", {"q": "Podgorica"}).content.decode()
    assert f"/events/{event.slug}/" not in sitemap_paths(client)
    assert event.title not in client.get("/pillars/wbcsci/").content.decode()
    assert event.title not in client.get("/").content.decode()


def test_the_navigation_marks_the_current_page_and_section(client, demo_site):
    assert '<a href="/pillars/" aria-current="page">Pillars</a>' in client.get("/pillars/").content.decode()
    assert '<a href="/pillars/" aria-current="true">Pillars</a>' in client.get("/pillars/wbbsi/").content.decode()
    html = client.get("/governance/").content.decode()
    assert '<a href="/governance/" aria-current="page">Board &amp; decisions</a>' in html
    assert 'aria-current="true"' not in html
