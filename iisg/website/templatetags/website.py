"""Template helpers of the public website: the main navigation and search excerpts."""

import html
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from django import template
from django.urls import reverse
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: str  # the aria-current value: "page" on the item's own page, "true" within its section


# (label, URL name, path prefix that makes it the current section)
NAVIGATION = (
    (_("Home"), "website:home", None),
    (_("About"), "website:about", "/about/"),
    (_("Pillars"), "website:pillars", "/pillars/"),
    (_("Events"), "events:list", "/events"),
    (_("Board & decisions"), "governance:meetings", "/governance/"),
    (_("Materials"), "governance:materials", "/materials/"),
    (_("Support mapping"), "analysis:dashboard", "/database/"),
)


@register.simple_tag(takes_context=True)
def navigation(context):
    """The main navigation, with the item of the current page or section marked `current`."""
    path = context["request"].path
    items = []
    for label, target, prefix in NAVIGATION:
        url = reverse(target)
        if path == url:
            current = "page"
        elif prefix is not None and path.startswith(prefix):
            current = "true"
        else:
            current = ""
        items.append(NavItem(label=label, url=url, current=current))
    return items


def _pattern(terms):
    return re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


@register.filter
def highlight(text, terms):
    """`text`, HTML-escaped, with each occurrence of a search term wrapped in <mark>."""
    text = str(text)
    if not terms:
        return escape(text)
    parts, last = [], 0
    for match in _pattern(terms).finditer(text):
        parts += [escape(text[last : match.start()]), f"<mark>{escape(match.group())}</mark>"]
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # every piece is escaped above


@register.filter
def excerpt(text, terms, words=36):
    """About `words` words of `text` (tags stripped) around the first search term, or its start."""
    flat = " ".join(html.unescape(strip_tags(str(text))).split())
    tokens = flat.split(" ")
    if len(tokens) <= words:
        return flat
    first = 0
    if terms:
        match = _pattern(terms).search(flat)
        if match:
            first = max(0, flat[: match.start()].count(" ") - words // 3)
    chosen = " ".join(tokens[first : first + words])
    return f"{'… ' if first else ''}{chosen}{' …' if first + words < len(tokens) else ''}"


@register.filter
def file_type(name):
    """The kind of a stored file as people name it, from its extension: "PDF", "DOCX"."""
    return PurePosixPath(str(name)).suffix.lstrip(".").upper()
