"""The rough edges of the public site, smoothed: the header's search box, the favicon, the 404 and
500 pages in the site's layout."""

import io

import cairosvg
import lxml.html
import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageChops

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.choices import CycleStatus, NeedStatus
from iisg.website import views

pytestmark = pytest.mark.django_db

STATIC = views.FAVICON.parent


def _doc(response):
    return lxml.html.fromstring(response.content.decode())


def _header_search_value(response):
    (box,) = _doc(response).xpath("//header//input[@id='site-search-q']")
    return box.get("value", "")


def test_the_header_search_box_is_empty_on_a_filtered_support_mapping_page(client):
    cycle = f.CycleFactory(first_year=2021, last_year=2022, status=CycleStatus.ADOPTED)
    f.NeedFactory(cycle=cycle, status=NeedStatus.ADOPTED)
    response = client.get(reverse("analysis:dashboard"), {"cycle": cycle.pk, "year": 2022})
    assert response.status_code == 200
    assert response.context["query"] == f"cycle={cycle.pk}&year=2022"  # the page's own, for its links
    assert _header_search_value(response) == ""


def test_the_header_search_box_holds_what_was_searched(client):
    response = client.get(reverse("website:search"), {"q": "x"})
    assert _header_search_value(response) == "x"


def test_every_page_names_its_icon_and_the_root_answers_for_it(client):
    head = _doc(client.get(reverse("website:home"))).xpath("//head")[0]
    icons = {link.get("type"): link.get("href") for link in head.xpath("link[@rel='icon']")}
    assert icons == {"image/svg+xml": "/static/website/favicon.svg", "image/png": "/static/website/favicon-32.png"}
    for href in icons.values():
        assert client.get(href).status_code == 200

    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert "max-age=604800" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO"
    assert (32, 32) in icon.ico.sizes()


def _rendered(size):
    svg = (STATIC / "favicon.svg").read_bytes()
    return Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg, output_width=size, output_height=size)))


@pytest.mark.parametrize(("name", "size"), [("favicon-32.png", 32), ("favicon.ico", 32), ("favicon.ico", 16)])
def test_the_png_and_ico_are_the_svg_rendered(name, size):
    """Whoever changes the SVG renders these again, with the libraries the reports use:
    cairosvg.svg2png(..., output_width=n, output_height=n) for 16, 32 and 48 px, the 32 px one saved
    as favicon-32.png and the three as favicon.ico by Pillow (save(..., format="ICO", sizes=...))."""
    image = Image.open(STATIC / name)
    if image.format == "ICO":
        image = image.ico.getimage((size, size))
    assert image.size == (size, size)
    difference = ImageChops.difference(image.convert("RGBA"), _rendered(size).convert("RGBA"))
    assert max(high for _low, high in difference.getextrema()) <= 8


def test_a_missing_page_is_a_404_in_the_site_layout_with_search_and_the_main_links(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    doc = _doc(response)
    assert doc.xpath("string(//main//h1)") == "Page not found"
    assert doc.xpath("//head/meta[@name='robots']/@content") == ["noindex"]
    assert doc.xpath("//header[@class='site-header']")
    assert doc.xpath("//footer[@class='site-footer']")
    (search,) = doc.xpath("//main//form[@role='search']")
    assert search.get("action") == reverse("website:search")
    assert search.xpath(".//input/@name") == ["q"]
    links = doc.xpath("//main//ul/li/a/@href")
    for name in ("website:home", "website:about", "events:list", "governance:meetings", "analysis:dashboard"):
        assert reverse(name) in links


def test_a_missing_event_is_a_404_in_the_site_layout(client):
    response = client.get(reverse("events:detail", args=["no-such-event"]))
    assert response.status_code == 404
    assert _doc(response).xpath("string(//main//h1)") == "Page not found"


@pytest.fixture
def broken_site(settings):
    """A site with a page that fails, and every context processor failing too (as they would with
    the database down): the 500 page must not need them."""
    settings.ROOT_URLCONF = "iisg.website.tests.site_polish_urls"
    settings.DEBUG = False
    engine = settings.TEMPLATES[0]
    processors = [*engine["OPTIONS"]["context_processors"], "iisg.website.tests.site_polish_urls.failing_context"]
    settings.TEMPLATES = [{**engine, "OPTIONS": {**engine["OPTIONS"], "context_processors": processors}}]


def test_an_error_is_a_500_in_the_site_layout_without_context_processors(broken_site, settings):
    settings.IISG_CONTACT_EMAIL = "secretariat@example.org"
    client = Client(raise_request_exception=False)
    client.force_login(f.UserFactory(roles=[Role.SECRETARIAT]))
    response = client.get("/broken/")
    assert response.status_code == 500
    doc = _doc(response)
    assert doc.xpath("string(//main//h1)") == "Something went wrong"
    assert doc.xpath("//head/meta[@name='robots']/@content") == ["noindex"]
    assert doc.xpath("//main//a[@href='mailto:secretariat@example.org']")
    assert doc.xpath("//nav[@aria-label='Main']//a/@href")[0] == reverse("website:home")
    # Without the user, the header offers to sign in even to the signed-in.
    assert doc.xpath("//nav[@aria-label='Main']//li[@class='nav-account']/a/@href") == [reverse("admin:login")]
    assert doc.xpath("string(//*[@id='designation-footnote'])").strip()


def test_the_failing_context_processor_does_fail_other_pages(broken_site):
    """The proof above holds: a page rendered with the context processors fails on this site."""
    with pytest.raises(RuntimeError, match="the database went away"):
        Client().get(reverse("website:search"))
