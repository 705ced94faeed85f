"""Search across events, products and pillar pages: every word must match, nothing private."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.governance.choices import ProductStatus
from iisg.website import selectors
from iisg.website.templatetags.website import excerpt, highlight

pytestmark = pytest.mark.django_db

SEARCH = reverse("website:search")
PUBLIC = AnonymousUser()


@pytest.fixture
def content():
    pillar = f.PillarFactory(
        code="wbbsi",
        tasks="Reports on response mapping\nMethodology of the IISG Database",
        objective="Border integrity.",
    )
    event = f.EventFactory(
        title="National thematic meeting in Podgorica",
        body="The Secretariat discussed the second needs mapping with the Ministry of Interior.",
        start_date=datetime.date(2024, 4, 19),
    )
    event.pillars.add(pillar)
    product = f.ProductFactory(
        title="Communication Strategy and Action Plan",
        description="How the IISG informs the public about its outreach.",
        status=ProductStatus.ADOPTED,
    )
    return pillar, event, product


def test_search_finds_an_event_by_words_of_its_text(content):
    _pillar, event, _product = content
    results = selectors.search(PUBLIC, "second MAPPING ministry")
    assert results.events == [event]
    assert results.event_count == 1


def test_search_finds_a_product_by_words_of_its_description(content):
    *_, product = content
    assert selectors.search(PUBLIC, "outreach").products == [product]


def test_search_finds_a_pillar_by_words_of_its_tasks(content):
    pillar, *_ = content
    assert selectors.search(PUBLIC, "IISG database").pillars == [pillar]


def test_every_word_must_match_somewhere(content):
    assert selectors.search(PUBLIC, "Podgorica outreach").total == 0


def test_search_finds_nothing_private(client, content):
    f.EventFactory(title="Closed Podgorica preparatory meeting", is_published=False)
    f.ProductFactory(title="Podgorica draft report", status=ProductStatus.IN_PROCESS)
    f.ProductFactory(title="Podgorica proposed template", status=ProductStatus.PROPOSED)
    f.PersonFactory(name="Podgorica Contact", email="podgorica@example.org")
    results = selectors.search(PUBLIC, "Podgorica")
    assert [event.title for event in results.events] == ["National thematic meeting in Podgorica"]
    assert results.products == []
    html = client.get(SEARCH, {"q": "Podgorica"}).content.decode()
    for private in ("preparatory", "draft report", "proposed template", "Contact", "podgorica@example.org"):
        assert private not in html


def test_a_member_also_finds_products_in_process(client, content):
    f.ProductFactory(title="Podgorica draft report", status=ProductStatus.IN_PROCESS)
    client.force_login(f.UserFactory(roles=[Role.MEMBER]))
    html = client.get(SEARCH, {"q": "draft report"}).content.decode()
    assert '<span class="badge badge-process">In process</span>' in html


def test_the_search_page_groups_results_by_type_with_counts(client, content):
    _pillar, event, product = content
    response = client.get(SEARCH, {"q": "IISG"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="results-pillars"' in html
    assert 'id="results-products"' in html
    assert f'href="/materials/{product.slug}/"' in html
    assert '<meta name="robots" content="noindex, follow">' in html
    response = client.get(SEARCH, {"q": "Podgorica"})
    assert f'href="/events/{event.slug}/"' in response.content.decode()
    assert "1 result for “Podgorica”" in response.content.decode()
    assert "<mark>Podgorica</mark>" in response.content.decode()


def test_an_empty_search_asks_for_words(client):
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert response.context["results"] is None
    assert "Enter a word or two to search the website." in response.content.decode()


def test_a_too_short_search_says_so(client, content):
    response = client.get(SEARCH, {"q": " a "})
    assert response.context["results"].too_short
    assert "Your search is too short: enter a word of at least 2 characters." in response.content.decode()


def test_a_search_that_finds_nothing_says_so(client, content):
    html = client.get(SEARCH, {"q": "zyxwv"}).content.decode()
    assert "Nothing found for “zyxwv”." in html


def test_search_shows_the_most_recent_events_first_and_counts_them_all(content):
    for day in range(1, 6):
        f.EventFactory(title=f"Workshop on borders {day}", start_date=datetime.date(2023, 1, day))
    results = selectors.search(PUBLIC, "workshop borders", limit=3)
    assert results.event_count == 5
    assert [event.title for event in results.events] == [f"Workshop on borders {day}" for day in (5, 4, 3)]


def test_highlight_escapes_the_text_and_marks_each_term():
    assert highlight("Border <b>police</b> and BORDER", ["border"]) == (
        "<mark>Border</mark> &lt;b&gt;police&lt;/b&gt; and <mark>BORDER</mark>"
    )


def test_excerpt_cuts_around_the_first_term():
    text = " ".join(f"word{n}" for n in range(100)) + " target " + " ".join(f"tail{n}" for n in range(100))
    cut = excerpt(text, ["target"], 12)
    assert cut.startswith("… ")
    assert cut.endswith(" …")
    assert "target" in cut
    assert len(cut.split()) == 14


def test_an_excerpt_of_rich_text_is_plain_text_escaped_once_when_highlighted():
    cut = excerpt("<p>Police &amp; <strong>border</strong> guards</p>", ["border"])
    assert cut == "Police & border guards"
    assert highlight(cut, ["border"]) == "Police &amp; <mark>border</mark> guards"
