"""The IISG website excerpts as the tests read them, by their own simple means, independent of the
loader's reading (which cuts listings at the titles of its curated table)."""

import datetime
import re
from pathlib import Path

from django.conf import settings

LISTINGS = ("events-2018-2019.txt", "events-2022.txt", "events-2023-2024.txt")
# In these listings every event is a title followed by one paragraph.
ALTERNATING = {"events-2022.txt", "events-2023-2024.txt"}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH = "|".join(MONTHS)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# "24th April", "15-16 October", "30 – 31 of January 2024", "5th and 6th of September 2023"
DAY_MONTH = re.compile(rf"{_DAY}(?:\s*(?:[-–]|and)\s*{_DAY})?\s+(?:of\s+)?({_MONTH})(?:,?\s+(\d{{4}}))?")
# "April 23"
MONTH_DAY = re.compile(rf"({_MONTH})\s+(\d{{1,2}})\b")


def path(name):
    return Path(settings.SHARED_DATA_DIR) / "iisg-website" / name


def blocks(name):
    text = path(name).read_text(encoding="utf-8")
    chunks = re.split(r"\n\s*\n", text)
    return ["\n".join(line.strip() for line in chunk.strip().splitlines()) for chunk in chunks if chunk.strip()]


def listing(name):
    """(title, text) of each event of a listing, in the order of the file."""
    found = blocks(name)
    if name in ALTERNATING:
        found = [block for block in found if block != "Events"]
        assert len(found) % 2 == 0, f"{name}: titles and texts do not alternate"
        return [(found[index], found[index + 1]) for index in range(0, len(found), 2)]
    events = []
    for block in found:
        is_title = "\n" not in block and not block.startswith("•") and block[-1] not in ".:"
        if is_title:
            events.append([block, []])
        else:
            events[-1][1].append(block)
    return [(title, "\n\n".join(paragraphs)) for title, paragraphs in events]


def all_listed_events():
    return [event for name in LISTINGS for event in listing(name)]


def dates_mentioned(text):
    """Every (day, month, year or None) a text mentions."""
    found = set()
    for first, second, month, year in DAY_MONTH.findall(text):
        for day in filter(None, (first, second)):
            found.add((int(day), MONTHS.index(month) + 1, int(year) if year else None))
    for month, day in MONTH_DAY.findall(text):
        found.add((int(day), MONTHS.index(month) + 1, None))
    return found


def pillar_page_lines():
    return [line.strip() for line in path("pillar-wbbsi.txt").read_text(encoding="utf-8").splitlines()]


def pillar_page_bullets(heading):
    """The bulleted lines under a heading of the WBBSi page, without bullet and separator."""
    lines = pillar_page_lines()
    start = next(index for index, line in enumerate(lines) if line.endswith(heading))
    bullets = []
    for line in lines[start + 1 :]:
        if line.startswith("•"):
            bullets.append(line.lstrip("• ").rstrip(";:."))
        elif line:
            break
    return bullets


def pillar_page_events():
    """(date, text) of each item of the "WBBSi Events & Activities" list of the WBBSi page."""
    lines = [line for line in pillar_page_lines() if line]
    items = lines[lines.index("WBBSi Events & Activities") + 1 :]
    events = []
    for index, line in enumerate(items):
        if re.fullmatch(r"\d{2} [A-Z][a-z]+ \d{4}", line):
            day = datetime.datetime.strptime(line, "%d %B %Y").date()
            events.append((day, items[index + 1]))
    return events
