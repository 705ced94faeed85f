"""Reading the excerpts of the IISG website (settings.SHARED_DATA_DIR / "iisg-website").

The texts are free prose, so nothing here guesses a date or a title: listings are cut at the titles
the curated table names (data/events.toml), and every reader fails with `WebsiteMismatch` as soon as
a file and the table disagree, rather than lose an event or a member without a word.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

BULLET = "•"
LISTING_HEADINGS = {"Events"}
PAST_EVENT_NOTICE = "- This event has passed."

PILLAR_OBJECTIVE_HEADING = "Objective of the WBBSi"
PILLAR_SECTIONS = {
    "Support Group Members": "support_group",
    "Tasks": "tasks",
    "Decision-making process": "decision_making",
    "Accomplished Products": "accomplished_products",
    "Products in process": "products_in_process",
}
PILLAR_EVENTS_HEADING = "WBBSi Events & Activities"
# The page dates each item of its event list on a line of its own, e.g. "08 February 2024".
PILLAR_EVENT_DATE_LINE = re.compile(r"^\d{2} [A-Z][a-z]+ \d{4}$")


class WebsiteMismatch(Exception):
    """A website file and the curated tables disagree."""


def website_dir():
    return Path(settings.SHARED_DATA_DIR) / "iisg-website"


def read(name):
    return (website_dir() / name).read_text(encoding="utf-8")


def blocks(text):
    """The blank-line separated blocks of a text, each with its lines stripped."""
    found = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines:
            found.append("\n".join(lines))
    return found


def split_listing(text, titles):
    """The paragraphs of each event of an event listing, by title.

    `titles` are the titles the listing holds; each block that is not one of them belongs to the
    event above it. Raises WebsiteMismatch when a title is missing or repeated, or when text other
    than the page heading comes before the first title.
    """
    wanted = set(titles)
    events, current = {}, None
    for block in blocks(text):
        if block in wanted:
            if block in events:
                raise WebsiteMismatch(f"The title {block!r} appears twice in the listing.")
            current = events[block] = []
        elif current is None:
            if block not in LISTING_HEADINGS:
                raise WebsiteMismatch(f"Text before the first known title: {block[:80]!r}")
        else:
            current.append(block)
    missing = [title for title in titles if title not in events]
    if missing:
        raise WebsiteMismatch(f"Titles not found in the listing: {missing}")
    empty = [title for title, paragraphs in events.items() if not paragraphs]
    if empty:
        raise WebsiteMismatch(f"Events without text: {empty}")
    return events


def list_item(line):
    """A bulleted line without its bullet and the punctuation that separates list items."""
    item = line.strip().removeprefix(BULLET).strip()
    return item[:-1].rstrip() if item[-1:] in {";", ":", "."} else item


@dataclass
class PillarPageEvent:
    date_line: str
    text: str


@dataclass
class PillarPage:
    objective: str = ""
    support_group: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    decision_making: list = field(default_factory=list)
    accomplished_products: list = field(default_factory=list)
    products_in_process: list = field(default_factory=list)
    events: list = field(default_factory=list)


def read_pillar_page(name="pillar-wbbsi.txt"):
    """The WBBSi pillar page: objective, the bulleted lists of each section, and its event list."""
    page = PillarPage()
    lines = [line.strip() for line in read(name).splitlines()]
    section = None
    for index, line in enumerate(lines):
        if line == PILLAR_EVENTS_HEADING:
            page.events = _pillar_page_events(lines[index + 1 :])
            break
        if line.startswith(PILLAR_OBJECTIVE_HEADING):
            # The page runs the objective and the next heading into one line.
            objective = line.removeprefix(PILLAR_OBJECTIVE_HEADING).strip()
            for heading, attribute in PILLAR_SECTIONS.items():
                if objective.endswith(heading):
                    objective, section = objective.removesuffix(heading).strip(), attribute
            page.objective = objective
        elif line in PILLAR_SECTIONS:
            section = PILLAR_SECTIONS[line]
        elif line.startswith(BULLET):
            if section is None:
                raise WebsiteMismatch(f"A list item outside any section: {line!r}")
            getattr(page, section).append(list_item(line))
        elif line:
            section = None
    if not page.objective or not page.support_group or not page.events:
        raise WebsiteMismatch(f"{name} lacks its objective, Support Group or event list.")
    return page


def _pillar_page_events(lines):
    events, date_line = [], None
    for line in lines:
        if PILLAR_EVENT_DATE_LINE.match(line):
            date_line = line
        elif line and date_line:
            events.append(PillarPageEvent(date_line=date_line, text=line))
            date_line = None
    return events


def read_board_page(name, *, title, date_line):
    """The paragraphs of a Board meeting page, without its title, date and "has passed" notice.

    Raises WebsiteMismatch unless the page carries `title` and the date line `date_line`.
    """
    lines = [line.strip() for line in read(name).splitlines() if line.strip()]
    if title not in lines:
        raise WebsiteMismatch(f"{name} does not carry the title {title!r}.")
    if date_line not in lines:
        raise WebsiteMismatch(f"{name} does not carry the date line {date_line!r}.")
    return [line for line in lines if line not in {title, date_line, PAST_EVENT_NOTICE}]
