"""Benchmark of the foundation: loading the demo, and what the permission scoping costs.

    python bench/foundation.py [--database sqlite|postgres] [--repeat N] [--json PATH]

On a database of its own (a temporary SQLite file, or a PostgreSQL database `iisg_bench` that it
creates and drops), it loads the demo (realistic scale: ~150 needs, 300 actions), then copies the
mapping into nine more cycles (10x: ~1,500 needs, 3,000 actions), and at both scales measures, as
medians over N runs:

- `visible(user, Need.objects.all())` fetched for each role, against the baseline of the same
  rows fetched without scoping (`Need.objects.all()`), in the same process;
- the back-office needs list (admin changelist, 100 rows a page) for the Secretariat and a partner
  focal point, against the baseline of fetching that page's rows alone;
- `load_demo` itself: the first load, and a second one that must change nothing.

With --json PATH the figures are also written there as one object (bench.common.write_json):
`load_demo_first_ms`, `load_demo_again_ms`, and `scoping_ms` ({scale: {what: median}}), each by
database.
"""

import argparse
import copy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import by_database, median_ms, prepare_database, write_json  # noqa: E402

PG_BENCH_DB = "iisg_bench"


def scale_mapping_tenfold():
    """Copy the demo's needs mapping into nine earlier cycles, with its actions and responses."""
    from django.db import transaction

    from iisg.actions.models import Action, ActionOrganisation, Response
    from iisg.needs.choices import CycleKind
    from iisg.needs.models import Cycle, Need

    source = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021)
    needs = list(Need.objects.filter(cycle=source))
    actions = list(Action.objects.all())
    participations = list(ActionOrganisation.objects.all())
    responses = list(Response.objects.all())
    with transaction.atomic():
        for n in range(1, 10):
            cycle = Cycle.objects.create(
                kind=CycleKind.NEEDS, first_year=2021 - 2 * n, last_year=2022 - 2 * n, status=source.status
            )
            new_needs = {need.pk: _copy(need, cycle=cycle, area=None) for need in needs}
            Need.objects.bulk_create(new_needs.values())
            new_actions = {
                action.pk: _copy(
                    action,
                    iati_identifier=f"{action.iati_identifier}-c{n}" if action.iati_identifier else None,
                )
                for action in actions
            }
            Action.objects.bulk_create(new_actions.values())
            ActionOrganisation.objects.bulk_create(_copy(p, action=new_actions[p.action_id]) for p in participations)
            Response.objects.bulk_create(
                _copy(r, action=new_actions[r.action_id], need=new_needs[r.need_id])
                for r in responses
                if r.need_id in new_needs
            )


def _copy(obj, **changes):
    """An unsaved copy of a model instance with some fields changed."""
    clone = copy.copy(obj)
    clone._state = copy.copy(obj._state)
    clone._state.adding = True
    clone.pk = None
    for field, value in changes.items():
        setattr(clone, field, value)
    return clone


def measure(repeat, scale, rows):
    from django.contrib.auth.models import User
    from django.test import Client

    from iisg.core.permissions import visible
    from iisg.needs.models import Need

    users = {name: User.objects.get(username=name) for name in ["secretariat", "member", "focal_point", "donor"]}
    baseline = median_ms(lambda: list(Need.objects.all()), repeat)
    rows.append((scale, "needs, unscoped (baseline)", Need.objects.count(), baseline, 1.0))
    for name, user in users.items():
        count = visible(user, Need.objects.all()).count()
        ms = median_ms(lambda user=user: list(visible(user, Need.objects.all())), repeat)
        rows.append((scale, f"visible(needs) as {name}", count, ms, ms / baseline))

    page_baseline = median_ms(
        lambda: list(Need.objects.select_related("cycle", "partner", "pillar", "area")[:100]), repeat
    )
    rows.append((scale, "needs page rows, unscoped (baseline)", 100, page_baseline, 1.0))
    for name in ["secretariat", "focal_point"]:
        client = Client()
        client.force_login(users[name])
        assert client.get("/admin/needs/need/").status_code == 200
        ms = median_ms(lambda client=client: client.get("/admin/needs/need/"), repeat)
        rows.append((scale, f"admin needs list as {name}", 100, ms, ms / page_baseline))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=15)
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

        rows = []
        start = time.perf_counter()
        load_demo()
        first = (time.perf_counter() - start) * 1000
        again = median_ms(load_demo, 3)
        rows.append(("demo", "load_demo, first load (baseline)", 1, first, 1.0))
        rows.append(("demo", "load_demo, again (changes nothing)", 1, again, again / first))
        measure(args.repeat, "1x", rows)
        scale_mapping_tenfold()
        measure(args.repeat, "10x", rows)
    finally:
        drop()

    print(f"\nIISG foundation benchmark — {args.database}, medians of {args.repeat} runs\n")
    print("| scale | what | rows | median ms | ratio to baseline |\n|---|---|---:|---:|---:|")
    for scale, what, count, ms, ratio in rows:
        print(f"| {scale} | {what} | {count} | {ms:.1f} | {ratio:.2f} |")
    if args.json:
        write_json(args.json, by_database(args.database, figures(rows, args.repeat)))


def figures(rows, repeat):
    """The rows as the JSON figures: load_demo's two times, and every scoping median by scale."""
    (_, _, _, first, _), (_, _, _, again, _), *scoping = rows
    by_scale = {}
    for scale, what, _count, ms, _ratio in scoping:
        by_scale.setdefault(scale, {})[what] = round(ms, 1)
    return {
        "repeat": repeat,
        "load_demo_first_ms": round(first, 1),
        "load_demo_again_ms": round(again, 1),
        "scoping_ms": by_scale,
    }


if __name__ == "__main__":
    main()
