"""Benchmark of the events pages: the median server time of /events/ and of an event page.

    python bench/events.py [--database sqlite|postgres] [--repeat N] [--json PATH]

On a database of its own (a temporary SQLite file, or a PostgreSQL database `iisg_bench_events`
that it creates and drops), it loads the demo (37 real events), then copies the events nine times
(10x: 370 events, with their pillars, partners and organisations), and at both scales measures, as
medians over N runs of Django's test Client (the whole request: middleware, views, templates):

- GET /events/, a filtered /events/, a month archive, an event page, /events.ics and the Atom feed;
- each against its baseline: the same rows fetched through the ORM without rendering (the list's
  first page of 20 events with their pillars; the event with everything its page shows).

With --json PATH the figures are also written there as one object (bench.common.write_json):
`events` ({scale: count}) and `medians_ms` ({scale: {what: median}}), each by database.
"""

import argparse
import copy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import by_database, median_ms, prepare_database, write_json  # noqa: E402

PG_BENCH_DB = "iisg_bench_events"
EVENT_SLUG = "the-6th-integrative-internal-security-governance-iisg-board-meeting-sarajevo-bosnia-i-herzegovina"


def scale_events_tenfold():
    """Copy every demo event nine times, each copy ten years earlier, with its relations."""
    import datetime
    import uuid

    from django.db import transaction

    from iisg.events.models import Event

    relations = ["pillars", "partners", "organisers", "participants"]
    events = list(Event.objects.prefetch_related(*relations))
    with transaction.atomic():
        for n in range(1, 10):
            copies = []
            for event in events:
                clone = copy.copy(event)
                clone._state = copy.copy(event._state)
                clone._state.adding = True
                clone.pk = None
                clone.slug = f"{event.slug[:100]}-copy-{n}"
                clone.uid = uuid.uuid4()
                if event.start_date:
                    shift = datetime.timedelta(days=3653 * n)
                    clone.start_date = event.start_date - shift
                    clone.end_date = event.end_date - shift if event.end_date else None
                copies.append(clone)
            Event.objects.bulk_create(copies)
            for relation in relations:
                through = getattr(Event, relation).through
                source = getattr(Event, relation).field.m2m_reverse_field_name()
                rows = [
                    through(event_id=clone.pk, **{f"{source}_id": related.pk})
                    for event, clone in zip(events, copies, strict=True)
                    for related in getattr(event, relation).all()
                ]
                through.objects.bulk_create(rows)


def measure(repeat, scale, rows):
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client
    from django.utils import timezone

    from iisg.events import selectors
    from iisg.events.models import Event

    client = Client()
    anonymous = AnonymousUser()
    count = Event.objects.count()

    def list_rows():
        ordered = selectors.in_list_order(selectors.events_for(anonymous), today=timezone.localdate())
        return list(selectors.for_list(ordered)[:20])

    def event_rows():
        event = selectors.event_pages(anonymous).get(slug=EVENT_SLUG)
        return [event, *event.pillars.all(), *event.partners.all(), *event.organisers.all(), *event.participants.all()]

    list_baseline = median_ms(list_rows, repeat)
    rows.append((scale, "list page rows, ORM only (baseline)", count, list_baseline, 1.0))
    for label, url in [
        ("GET /events/", "/events/"),
        ("GET /events/?pillar=wbcti&year=2023", "/events/?pillar=wbcti&year=2023"),
        ("GET /events/2023/10/ (month archive)", "/events/2023/10/"),
        ("GET /events.ics (all dated events)", "/events.ics"),
        ("GET /events/feed/ (Atom, 50 entries)", "/events/feed/"),
    ]:
        assert client.get(url).status_code == 200, url
        ms = median_ms(lambda url=url: client.get(url), repeat)
        rows.append((scale, label, count, ms, ms / list_baseline))

    event_baseline = median_ms(event_rows, repeat)
    rows.append((scale, "event page rows, ORM only (baseline)", 1, event_baseline, 1.0))
    url = f"/events/{EVENT_SLUG}/"
    assert client.get(url).status_code == 200
    ms = median_ms(lambda: client.get(url), repeat)
    rows.append((scale, "GET /events/<6th Board meeting>/", 1, ms, ms / event_baseline))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--json", type=Path, help="write the figures to this file as one JSON object")
    args = parser.parse_args()
    drop = prepare_database(args.database, PG_BENCH_DB)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        settings.ALLOWED_HOSTS = ["testserver"]
        call_command("migrate", verbosity=0)
        from iisg.demo.services import load_demo

        load_demo()
        rows = []
        measure(args.repeat, "demo", rows)
        scale_events_tenfold()
        measure(args.repeat, "10x", rows)
    finally:
        drop()

    print(f"\nIISG events benchmark — {args.database}, medians of {args.repeat} runs\n")
    print("| scale | what | events | median ms | ratio to baseline |\n|---|---|---:|---:|---:|")
    for scale, what, count, ms, ratio in rows:
        print(f"| {scale} | {what} | {count} | {ms:.1f} | {ratio:.2f} |")
    if args.json:
        write_json(args.json, by_database(args.database, figures(rows, args.repeat)))


def figures(rows, repeat):
    """The rows as the JSON figures: the events at each scale, and every median by scale."""
    events, medians = {}, {}
    for scale, what, count, ms, _ratio in rows:
        if what.startswith("list page rows"):
            events[scale] = count
        medians.setdefault(scale, {})[what] = round(ms, 1)
    return {"repeat": repeat, "events": events, "medians_ms": medians}


if __name__ == "__main__":
    main()
