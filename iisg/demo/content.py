"""The real content of the demo: what the IISG website excerpts publish.

Partners and pillars, the organisations, the WBBSi Support Group, the IISG Board and Secretariat
(the directory, loaded first: the demo logins belong to its organisations), then every event of the
listings, the meetings that decide, the 6th Board meeting's decisions with what they admitted, and
the products of the WBBSi page with the decisions that adopted them. Structured fields come from
the curated tables (data/*.toml), texts from the website files; the two are checked against each
other. Events and products are written by their services (iisg.events.services,
iisg.governance.services) as the Secretariat (iisg.demo.actors); the directory, meetings and
decisions, which have none, by iisg.demo.upsert.
"""

import datetime
import uuid
from collections import Counter
from dataclasses import dataclass

from django.utils.text import slugify

from iisg.directory.choices import Body, OrganisationKind
from iisg.directory.models import Membership, Organisation, Partner, Pillar
from iisg.events.choices import EventKind, EventMode
from iisg.events.models import Event
from iisg.events.services import save_event
from iisg.governance.choices import DecisionKind, MeetingBody, ProductKind, ProductStatus
from iisg.governance.models import Decision, Meeting, Product
from iisg.governance.services import adopt_product, create_product, propose_product, update_product

from . import adoptions, curated, website
from .compare import differences, ids_differ
from .upsert import CHANGE_REASON, set_related, upsert

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
SLUG_LENGTH = 100
# Calendar UIDs derive from the slug, so that a fresh demo database gives every event the UID it had
# before and calendar clients keep recognising it.
EVENT_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://wb-iisg.com/events/")
PILLAR_PAGE = "pillar-wbbsi.txt"
# The 6th Board meeting admitted its new members on the day it met.
SIXTH_BOARD_MEETING_DAY = datetime.date(2022, 6, 20)


@dataclass
class Directory:
    """Partners, pillars and organisations by their keys in the curated tables."""

    partners: dict
    pillars: dict
    organisations: dict


@dataclass
class Content:
    """What the mapping of the demo builds on."""

    directory: Directory
    needs_cycle: dict  # the period of the needs mapping the Board adopted (data/governance.toml)
    adopted_by: Decision  # the decision that adopted it
    events: int
    products: dict  # the products of data/governance.toml, by key


def load_directory():
    """Load partners, pillars, organisations and the bodies; a second call changes nothing."""
    tables = curated.tables()
    page = website.read_pillar_page(PILLAR_PAGE)
    partners = load_partners(tables)
    pillars = load_pillars(tables, page)
    organisations = load_organisations(tables, partners)
    load_bodies(tables, page, organisations, pillars)
    return Directory(partners=partners, pillars=pillars, organisations=organisations)


def load_content(directory, *, actors, kept):
    """Load the events, meetings, decisions and products of the website, the services acting as
    `actors.secretariat`; a second call changes nothing. What differs from the tables and cannot
    be brought back by a step of the rules is left as it is and described in `kept`."""
    tables = curated.tables()
    page = website.read_pillar_page(PILLAR_PAGE)
    pillars, organisations = directory.pillars, directory.organisations
    events = load_events(tables, page, directory, actors=actors)
    meetings = load_meetings(tables, events, pillars, organisations)
    decisions = load_decisions(tables, meetings, pillars, organisations)
    products = load_products(tables, page, pillars, decisions, actors=actors, kept=kept)
    (entry,) = [entry for entry in tables.decisions if entry.cycle]
    return Content(
        directory=directory,
        needs_cycle=entry.cycle,
        adopted_by=decisions[entry.number],
        events=len(events),
        products=products,
    )


def load_partners(tables):
    return {
        entry.code: upsert(
            Partner,
            key={"code": entry.code},
            values={"name": entry.name, "has_designation_footnote": entry.has_designation_footnote, "order": order},
        )
        for order, entry in enumerate(tables.partners, start=1)
    }


def load_pillars(tables, page):
    """The three pillars; WBBSi's objective, tasks and decision-making process come from its page."""
    pillars = {}
    for order, entry in enumerate(tables.pillars, start=1):
        values = {
            "acronym": entry.acronym,
            "name": entry.name,
            "objective": entry.objective,
            "colour": entry.colour,
            "order": order,
        }
        if entry.code == "wbbsi":
            values |= {
                "objective": page.objective,
                "tasks": "\n".join(page.tasks),
                "decision_making": "\n".join(page.decision_making),
            }
        pillars[entry.code] = upsert(Pillar, key={"code": entry.code}, values=values)
    return pillars


def load_organisations(tables, partners):
    """Every organisation of data/organisations.toml, by key."""
    organisations = {}
    for entry in tables.organisations:
        _check_choice(OrganisationKind, entry.kind, entry.name)
        organisations[entry.key] = upsert(
            Organisation,
            key={"name": entry.name},
            values={
                "acronym": entry.acronym,
                "kind": entry.kind,
                "partner": partners[entry.partner] if entry.partner else None,
                "country": entry.country,
                "iati_identifier": entry.iati,
                "website": entry.website,
            },
        )
    return organisations


def load_bodies(tables, page, organisations, pillars):
    """The Board, the Secretariat's host, and the WBBSi Support Group in the order of its page."""
    published = page.support_group
    curated_lines = [entry.line for entry in tables.wbbsi_support_group]
    if published != curated_lines:
        raise website.WebsiteMismatch(
            f"The WBBSi Support Group of {PILLAR_PAGE} and data/governance.toml differ:\n{published}\n{curated_lines}"
        )
    for order, entry in enumerate(tables.wbbsi_support_group, start=1):
        upsert(
            Membership,
            key={
                "organisation": organisations[entry.organisation],
                "body": Body.SUPPORT_GROUP,
                "pillar": pillars["wbbsi"],
            },
            values={"note": entry.note, "order": order},
        )
    for body, members in ((Body.BOARD, tables.board), (Body.SECRETARIAT, tables.secretariat)):
        for order, member in enumerate(members, start=1):
            upsert(
                Membership,
                key={"organisation": organisations[member["organisation"]], "body": body, "pillar": None},
                values={"role": member.get("role", ""), "order": order},
            )


def event_slugs(entries):
    """A stable, unique slug per event title: the title cut at a word boundary, with the year added
    where two titles would otherwise give the same slug."""
    base = {entry.title: _slug(entry.title) for entry in entries}
    repeated = {slug for slug, count in Counter(base.values()).items() if count > 1}
    slugs = {}
    for entry in entries:
        slug = base[entry.title]
        if slug in repeated:
            slug = f"{slug}-{entry.start.year if entry.start else 'undated'}"
        slugs[entry.title] = slug
    if len(set(slugs.values())) != len(slugs):
        raise ValueError("Two events would share a slug: give one a distinct title.")
    return slugs


def _slug(title):
    slug = slugify(title)
    if len(slug) > SLUG_LENGTH:
        slug = slug[: SLUG_LENGTH + 1].rsplit("-", 1)[0]
    return slug


def event_texts(tables, page):
    """The summary and body of every event of the table, from the website files.

    The summary is the event's first paragraph, the body all of them (the 6th Board meeting's body is
    its own page). Each item of the pillar page's event list must be an event of the table, on the
    same date.
    """
    texts = {}
    for source in dict.fromkeys(entry.source for entry in tables.events if entry.source != PILLAR_PAGE):
        entries = [entry for entry in tables.events if entry.source == source]
        listing = website.split_listing(website.read(source), [entry.title for entry in entries])
        for entry in entries:
            paragraphs = listing[entry.title]
            if entry.board_page:
                body = website.read_board_page(entry.board_page, title=entry.title, date_line=entry.board_page_date)
                if _english_date(entry.start) not in entry.board_page_date:
                    raise website.WebsiteMismatch(f"{entry.board_page} is not dated {entry.start}.")
            else:
                body = paragraphs
            texts[entry.title] = (paragraphs[0], "\n\n".join(body))
    for item in page.events:
        matches = [entry for entry in tables.events if _is_pillar_page_item(entry, item, texts)]
        if len(matches) != 1:
            raise website.WebsiteMismatch(
                f"{PILLAR_PAGE}: {item.date_line} {item.text[:60]!r} matches {len(matches)} events."
            )
        entry = matches[0]
        if _padded_date(entry.start) != item.date_line:
            raise website.WebsiteMismatch(f"{entry.title!r} is dated {item.date_line} on {PILLAR_PAGE}.")
        if entry.source == PILLAR_PAGE:
            texts[entry.title] = (item.text, item.text)
    missing = [entry.title for entry in tables.events if entry.title not in texts]
    if missing:
        raise website.WebsiteMismatch(f"Not found on {PILLAR_PAGE}: {missing}")
    return texts


def _is_pillar_page_item(entry, item, texts):
    if entry.source == PILLAR_PAGE:
        return item.text.startswith(entry.opening) and _padded_date(entry.start) == item.date_line
    summary = texts[entry.title][0]
    return summary.startswith(item.text) or item.text.startswith(summary)


def _english_date(day):
    return f"{day.day} {MONTHS[day.month - 1]}"


def _padded_date(day):
    return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"


def load_events(tables, page, directory, *, actors):
    """Every event of the website, by title: added, or changed back to the tables, by save_event
    (which raises the calendar sequence of a changed date or place), then its partners, pillars,
    organisers and participants, as the back office sets them after saving the event."""
    texts = event_texts(tables, page)
    slugs = event_slugs(tables.events)
    stored = {event.slug: event for event in Event.objects.filter(slug__in=slugs.values())}
    partners, pillars, organisations = directory.partners, directory.pillars, directory.organisations
    events = {}
    for entry in tables.events:
        _check_choice(EventKind, entry.kind, entry.title)
        _check_choice(EventMode, entry.mode, entry.title)
        summary, body = texts[entry.title]
        slug = slugs[entry.title]
        values = {
            "title": entry.title,
            "start_date": entry.start,
            "end_date": entry.end,
            "city": entry.city,
            "country": entry.country,
            "kind": entry.kind,
            "mode": entry.mode,
            "summary": summary,
            "body": body,
        }
        event = stored.get(slug)
        if event is None:
            event = Event(slug=slug, uid=uuid.uuid5(EVENT_UID_NAMESPACE, slug), **values)
            event = save_event(user=actors.secretariat, event=event)
        elif changes := differences(event, values):
            for name, value in changes.items():
                setattr(event, name, value)
            event = save_event(user=actors.secretariat, event=event)
        set_related(event, "partners", [partners[code] for code in entry.partner_codes(tables.partner_codes)])
        set_related(event, "pillars", [pillars[code] for code in entry.pillars])
        set_related(event, "organisers", [organisations[key] for key in entry.organisers])
        set_related(event, "participants", [organisations[key] for key in entry.participants])
        events[entry.title] = event
    return events


def load_meetings(tables, events, pillars, organisations):
    """The events that decide, as governance meetings; the Board's by number."""
    meetings = {}
    for entry in tables.events:
        if not entry.meeting:
            continue
        body = entry.meeting["body"]
        _check_choice(MeetingBody, body, entry.title)
        meeting = upsert(
            Meeting,
            key={"event": events[entry.title]},
            values={
                "body": body,
                "pillar": pillars[entry.meeting["pillar"]] if "pillar" in entry.meeting else None,
                "number": entry.meeting.get("number"),
                "chair": organisations[entry.meeting["chair"]] if "chair" in entry.meeting else None,
            },
        )
        if body == MeetingBody.BOARD:
            meetings[entry.meeting["number"]] = meeting
    return meetings


def load_decisions(tables, meetings, pillars, organisations):
    """The decisions of the 6th Board meeting, by number, and the memberships it admitted."""
    decisions = {}
    for entry in tables.decisions:
        _check_choice(DecisionKind, entry.kind, entry.text)
        decision = upsert(
            Decision,
            key={"meeting": meetings[6], "number": entry.number},
            values={"kind": entry.kind, "text": entry.text},
        )
        set_related(decision, "pillars", [pillars[code] for code in entry.pillars])
        for admitted in entry.admitted:
            for code in admitted["pillars"]:
                upsert(
                    Membership,
                    key={
                        "organisation": organisations[admitted["organisation"]],
                        "body": Body.SUPPORT_GROUP,
                        "pillar": pillars[code],
                    },
                    values={"admitted_by": decision, "since": SIXTH_BOARD_MEETING_DAY},
                )
        decisions[entry.number] = decision
    return decisions


def load_products(tables, page, pillars, decisions, *, actors, kept):
    """The products of the WBBSi page and of the 6th Board's decisions, each once, by key.

    Each line of the page's "Accomplished Products" must be an adopted product of the table, each
    line of its "Products in process" a product in process. A product is added in process by
    create_product (or changed back to the table by update_product), and an adopted one proposed
    to the Board and adopted by the decision of the table (see adopt).
    """
    published = dict.fromkeys(page.accomplished_products, ProductStatus.ADOPTED)
    published |= dict.fromkeys(page.products_in_process, ProductStatus.IN_PROCESS)
    curated_lines = {entry.wbbsi_line: entry.status for entry in tables.products if entry.wbbsi_line}
    if published != curated_lines:
        raise website.WebsiteMismatch(f"The products of {PILLAR_PAGE} and data/governance.toml differ.")
    adopted_by = {entry.product: decisions[entry.number] for entry in tables.decisions if entry.product}
    slugs = {entry.key: _slug(entry.title) for entry in tables.products}
    stored = {
        product.slug: product for product in Product.objects.filter(slug__in=slugs.values()).prefetch_related("pillars")
    }
    products = {}
    for entry in tables.products:
        _check_choice(ProductKind, entry.kind, entry.title)
        _check_choice(ProductStatus, entry.status, entry.title)
        values = {"title": entry.title, "kind": entry.kind, "description": entry.description}
        product_pillars = [pillars[code] for code in entry.pillars]
        product = stored.get(slugs[entry.key])
        if product is None:
            product = create_product(
                user=actors.secretariat,
                product=Product(slug=slugs[entry.key], **values),
                pillars=product_pillars,
                comment=CHANGE_REASON,
            )
        else:
            changes = differences(product, values)
            other_pillars = ids_differ(product.pillars, product_pillars)
            if changes or other_pillars:
                product = update_product(
                    user=actors.secretariat,
                    product=product,
                    changes=changes,
                    pillars=product_pillars if other_pillars else None,
                    comment=CHANGE_REASON,
                )
        if entry.status == ProductStatus.ADOPTED:
            adopt(product, adopted_by.get(entry.key), actors=actors, kept=kept)
        elif product.status != entry.status:
            kept.append(f"Product “{product}” is {product.get_status_display().lower()}, not in process.")
        products[entry.key] = product
    return products


def adopt(product, decision, *, actors, kept):
    """Bring `product` to adopted by `decision` (None: not on record) through its steps: proposed
    to the Board, then adopted. An adopted product is left as it is; one adopted by another
    decision is named in `kept`."""
    if product.status == ProductStatus.ADOPTED:
        if product.adopted_by_id != (decision.pk if decision else None):
            kept.append(f"Product “{product}” is adopted by another decision than the tables say.")
        return product
    user = actors.secretariat
    if product.status == ProductStatus.IN_PROCESS:
        product = propose_product(user=user, product=product)
    comment = adoptions.PRODUCT_NOT_ON_RECORD if decision is None else adoptions.of_product(decision)
    return adopt_product(user=user, product=product, decision=decision, comment=comment)


def _check_choice(choices, value, where):
    if value not in choices.values:
        raise ValueError(f"{value!r} is not a {choices.__name__} ({where}).")
