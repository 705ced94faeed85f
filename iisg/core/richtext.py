"""Rich text: the HTML the Secretariat writes in the back office, sanitised when it is saved.

A `RichTextField` (Event.body, Product.description) cleans its value with `sanitise_html()`
whenever it is written to the database — by `save()`, `bulk_create()`, `update()` and
`bulk_update()` alike — so every way in (the admin, the demo loader, an import, the API later)
stores only the markup of the policy below. Templates may therefore render these fields with
`|safe`; the `*_html` properties of the models (`event.body_html`) do better: they also give plain
text, such as the demo's paragraphs separated by blank lines, its paragraphs.

The policy, for institutional content: paragraphs and line breaks, bold and italic (strong and b,
em and i: the help text promises bold and italic, and editors paste either), lists,
headings h2–h4 (the page has its own h1), quotes, simple tables and links. Links keep `href` and
`title` only, get `rel="noopener noreferrer"`, and lead to http, https, mailto or a relative
address. Everything else goes: script and style with their content, other tags (iframe, svg,
img, form…) leaving their text, every other attribute (on*, style, class, id), comments.
Sanitising is idempotent: cleaning clean text changes nothing, and plain text stays as it was,
except that `&`, `<` and `>` are written as entities.
"""

import re

import nh3
from django.db import models
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Tags whose content is code, not text: removed with what they hold.
DROPPED_WITH_CONTENT = {"script", "style"}

# Sanitised text holding one of these is laid out by its author; without them it is plain text.
BLOCK_TAG = re.compile(r"<(?:p|ul|ol|h[234]|blockquote|table)[\s>]")

HELP_TEXT = _(
    "Plain text (a blank line between paragraphs) or HTML: paragraphs, headings h2–h4, bold, italic, lists, "
    "links, quotes and tables. Anything else (scripts, styles, images, frames, attributes) is removed on saving."
)


def sanitise_html(text):
    """`text` with only the markup of the policy left; None and "" as they are."""
    if not text:
        return text
    clean = nh3.clean(
        text,
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # A no-break space is a character, not markup: keep it as typed rather than as "&nbsp;".
    return clean.replace("&nbsp;", "\u00a0")


def as_html(text):
    """Rich text ready for a template: its markup as it is, plain text turned into paragraphs.

    Sanitises again on the way out (idempotent and fast), so a row written around the field, by
    raw SQL, is safe to show too.
    """
    clean = sanitise_html(text or "")
    if clean.strip() and not BLOCK_TAG.search(clean):
        clean = linebreaks(clean, autoescape=False)
    return mark_safe(clean)


class RichTextField(models.TextField):
    """A text field holding HTML, sanitised with `sanitise_html()` whenever it is saved."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", HELP_TEXT)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        # The instance holds what the database holds, not what was typed.
        value = sanitise_html(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def get_db_prep_save(self, value, connection):
        # update() and bulk_update() do not call pre_save(); every write passes here.
        if isinstance(value, str):
            value = sanitise_html(value)
        return super().get_db_prep_save(value, connection)
