"""Rich text: whatever HTML comes in, only the allowed markup is stored, by every way of saving."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from iisg.core.richtext import as_html, sanitise_html
from iisg.events.models import Event

from . import factories as f

XSS_PAYLOADS = [
    ("<p>Agenda</p><script>alert('xss')</script>", "<p>Agenda</p>"),
    ('<img src="x" onerror="alert(1)">Photo', "Photo"),
    ('<a href="javascript:alert(1)">Programme</a>', '<a rel="noopener noreferrer">Programme</a>'),
    ('<a href="JaVaScRiPt&#x3A;alert(1)">Programme</a>', '<a rel="noopener noreferrer">Programme</a>'),
    ('<a href="java&#x09;script:alert(1)">Programme</a>', '<a rel="noopener noreferrer">Programme</a>'),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">Annex</a>', '<a rel="noopener noreferrer">Annex</a>'),
    ('<svg onload="alert(1)"><circle r="1"/></svg>Map', "Map"),
    ('<p style="background:url(javascript:alert(1))" onclick="steal()">Minutes</p>', "<p>Minutes</p>"),
    ("<style>body{display:none}</style><p>Report</p>", "<p>Report</p>"),
    ('<iframe src="https://evil.example/"></iframe><p>Video</p>', "<p>Video</p>"),
    ('<form action="/admin/"><input name="q"><button>Go</button></form>', "Go"),
    ("<!-- <script>alert(1)</script> --><p>Note</p>", "<p>Note</p>"),
    ('<p><a href="https://rcc.int" target="_blank" rel="opener">RCC</a></p>', None),
    ('<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">', None),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', None),
    # Handlers on the tags that stay, schemes in other spellings, tags that load or redirect.
    (
        '<a href="https://rcc.int" onmouseover="alert(1)">RCC</a>',
        '<a href="https://rcc.int" rel="noopener noreferrer">RCC</a>',
    ),
    ('<table><tr><td onclick="alert(1)">1</td></tr></table>', "<table><tbody><tr><td>1</td></tr></tbody></table>"),
    ('<a href=" javascript:alert(1)">Agenda</a>', '<a rel="noopener noreferrer">Agenda</a>'),
    ('<a href="&#106;avascript:alert(1)">Agenda</a>', '<a rel="noopener noreferrer">Agenda</a>'),
    ('<a href="vbscript:msgbox(1)">Agenda</a>', '<a rel="noopener noreferrer">Agenda</a>'),
    ("<ScRiPt>alert(1)</sCrIpT><p>Minutes</p>", "<p>Minutes</p>"),
    ('<script src="https://evil.example/x.js"><p>Unclosed</p>', ""),
    ('<object data="evil.swf"></object><embed src="evil.swf"><p>Flash</p>', "<p>Flash</p>"),
    (
        '<base href="https://evil.example/"><link rel="stylesheet" href="https://evil.example/x.css"><p>Base</p>',
        "<p>Base</p>",
    ),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example/"><p>Moved</p>', "<p>Moved</p>"),
]


@pytest.mark.parametrize(("payload", "expected"), XSS_PAYLOADS)
def test_xss_payloads_are_stripped(payload, expected):
    clean = sanitise_html(payload)
    if expected is not None:
        assert clean == expected
    lowered = clean.lower()
    for needle in [
        "<script",
        "<style",
        "<svg",
        "<img",
        "<iframe",
        "<form",
        "javascript:",
        "onerror",
        "onload",
        "style=",
        "onmouseover",
        "onclick",
        "vbscript:",
        "<object",
        "<embed",
        "<base",
        "<link",
        "<meta",
    ]:
        assert needle not in lowered, (payload, clean)
    assert "opener" not in lowered.replace("noopener", "")


def test_allowed_markup_survives():
    html = (
        "<h2>Conclusions</h2>"
        "<p>The <strong>Board</strong> adopted the <em>methodology</em>.<br>See below.</p>"
        "<p><b>Bold</b> and <i>italic</i> as the help text promises, however they are written.</p>"
        "<ul><li>one</li></ul><ol><li>two</li></ol>"
        "<h3>Annex</h3><h4>Details</h4>"
        "<blockquote>Quoted decision</blockquote>"
        '<table><caption>Members</caption><thead><tr><th scope="col">Partner</th></tr></thead>'
        '<tbody><tr><td colspan="2">Albania</td></tr></tbody></table>'
    )
    assert sanitise_html(html) == html


def test_links_keep_their_address_and_title_and_get_a_safe_rel():
    html = (
        '<a href="https://www.rcc.int/iisg" title="RCC">RCC</a> '
        '<a href="mailto:secretariat@example.org">write</a> <a href="/events/">events</a>'
    )
    assert sanitise_html(html) == (
        '<a href="https://www.rcc.int/iisg" title="RCC" rel="noopener noreferrer">RCC</a> '
        '<a href="mailto:secretariat@example.org" rel="noopener noreferrer">write</a> '
        '<a href="/events/" rel="noopener noreferrer">events</a>'
    )


def test_other_tags_leave_their_text_and_attributes_go():
    assert sanitise_html('<div class="x" id="y"><h1>Title</h1><span>text</span></div>') == "Titletext"


def test_plain_text_keeps_its_paragraphs_and_characters():
    text = "The 6th Board meeting took place in Sarajevo.\n\nIt adopted the needs\u00a0mapping – 2021/2022."
    assert sanitise_html(text) == text


def test_plain_text_angle_brackets_and_ampersands_become_entities():
    assert sanitise_html("P&CVE coordinators, 3 < 4") == "P&amp;CVE coordinators, 3 &lt; 4"


@pytest.mark.parametrize("payload", [payload for payload, _expected in XSS_PAYLOADS])
def test_sanitising_is_idempotent(payload):
    once = sanitise_html(payload)
    assert sanitise_html(once) == once


def test_empty_values_stay_empty():
    assert sanitise_html("") == ""
    assert sanitise_html(None) is None
    assert as_html("") == ""


def test_plain_text_is_shown_as_paragraphs():
    assert as_html("First line\nsecond line\n\nSecond paragraph") == (
        "<p>First line<br>second line</p>\n\n<p>Second paragraph</p>"
    )


def test_markup_is_shown_as_written_and_sanitised_again():
    assert as_html("<p>One</p><p>Two</p>") == "<p>One</p><p>Two</p>"
    assert as_html("<p>One</p><script>alert(1)</script>") == "<p>One</p>"


@pytest.mark.django_db
class TestRichTextField:
    """Every way of writing the field to the database sanitises it."""

    payload = "<p>Agenda<script>alert(1)</script></p>"
    clean = "<p>Agenda</p>"

    def test_save_sanitises_and_the_instance_holds_what_was_stored(self):
        event = f.EventFactory(body=self.payload)
        assert event.body == self.clean
        event.refresh_from_db()
        assert event.body == self.clean
        assert event.body_html == self.clean

    def test_update_sanitises(self):
        event = f.EventFactory()
        Event.objects.filter(pk=event.pk).update(body=self.payload)
        event.refresh_from_db()
        assert event.body == self.clean

    def test_bulk_create_and_bulk_update_sanitise(self):
        (event,) = Event.objects.bulk_create([f.EventFactory.build(body=self.payload)])
        assert Event.objects.get(slug=event.slug).body == self.clean
        event.body = self.payload + "<p onclick='x'>More</p>"
        Event.objects.bulk_update([event], ["body"])
        assert Event.objects.get(slug=event.slug).body == self.clean + "<p>More</p>"

    def test_product_description_and_its_history_are_sanitised(self):
        product = f.ProductFactory(description=self.payload)
        product.refresh_from_db()
        assert product.description == self.clean
        assert product.history.get().description == self.clean
        assert product.description_html == self.clean

    def test_the_migration_sanitises_texts_stored_before(self):
        event, product = f.EventFactory(), f.ProductFactory()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE events_event SET body = %s WHERE id = %s", [self.payload, event.pk])
            cursor.execute("UPDATE governance_product SET description = %s WHERE id = %s", [self.payload, product.pk])

        importlib.import_module("iisg.events.migrations.0003_sanitise_stored_bodies").sanitise_bodies(apps, None)
        migration = importlib.import_module("iisg.governance.migrations.0003_sanitise_stored_descriptions")
        migration.sanitise_descriptions(apps, None)

        event.refresh_from_db()
        product.refresh_from_db()
        assert event.body == product.description == self.clean
