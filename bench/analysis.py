"""Benchmark of the support mapping: the dashboard, the gaps list and the matcher, at the demo's size
and at 5,000 needs × 100,000 actions.

    python bench/analysis.py [--database sqlite|postgres] [--repeat N] [--scales demo,large] [--json PATH]

On a database of its own (a temporary SQLite file, or a PostgreSQL database `iisg_bench_analysis`
that it creates and drops), it loads the demo, then measures each scale in the same process:

- demo: the demo's needs cycle 2021–2022 as loaded (149 needs, 300 actions);
- large: an adopted cycle 2025–2026 of 5,000 needs and 100,000 more actions with their responses,
  generated from the demo's texts (bench/scale.py; its time is printed, not tabled).

At each scale, as medians of N runs after one warm-up:

- the baseline: the cycle's needs rows fetched raw (`values_list`), nothing derived;
- GET /database/?cycle=<id> (the dashboard) and /database/gaps/?cycle=<id> as the demo's Secretariat
  login, and the dashboard anonymously (the public's aggregates): the time of the request in process
  (Django's test client: the server's work without a network), and the SQL queries of one request,
  which must be the same at both scales. Each page twice: "first after a change", the request that
  follows a real write (a confirmed response of the cycle changes its coverage through
  actions.services.change_response, untimed) once the job worker has done its part (the warm-up job
  the write queues, run untimed, then this process's own mappings forgotten: the visitor's web
  process is not the worker's, and reads the worker's mappings from the shared cache); the same
  "without the worker", the request right after the write; and "again", when nothing changed since;
- the matcher's full pass, `rank_cycle(cycle, top=10)`: every need of the cycle against every action;
  one run at the large scale;
- at the demo scale, `evaluate(cycle)`: the matcher's ranking against the confirmed responses.

Each step's ratio to the baseline is given. `--json PATH` writes the medians of the large scale (else
the last scale run) as one JSON object, each figure by database (bench.common.by_database):
`dashboard_first_after_change_ms` (the Secretariat's dashboard, after the worker),
`dashboard_first_after_change_without_worker_ms`, and the other steps' figures with
`_ms` in their keys. On PostgreSQL the tables are ANALYZEd after each load, as
autovacuum would do shortly after a load of this size; SQLite is left as the platform leaves it.
The goals of issue 6: dashboard and gaps list under 200 ms at the large scale, the matcher's full
pass under 60 s, and query counts that do not grow with the data.
"""

import argparse
import dataclasses
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    by_database,
    median_ms,
    prepare_database,
    refresh_statistics,
    remove_folder,
    write_json,
)

PG_BENCH_DB = "iisg_bench_analysis"
SCALES = {"demo": None, "large": {"needs": 5000, "actions": 100_000}}
PAGES = (
    ("dashboard, Secretariat", "/database/", "secretariat"),
    ("gaps list, Secretariat", "/database/gaps/", "secretariat"),
    ("dashboard, public", "/database/", None),
)


@dataclasses.dataclass
class Row:
    scale: str
    needs: int
    actions: int
    step: str
    ms: float | None = None
    queries: int | None = None
    ratio: float | None = None
    note: str = ""


def counted(fn):
    """Call `fn` once; return its result and the number of SQL queries it made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = fn()
    return result, len(queries)


def changing(cycle):
    """A write that the support mapping of `cycle` shows, as the Secretariat makes it: the coverage
    of one confirmed response of the cycle, full and partial in turn."""
    from django.contrib.auth.models import User

    from iisg.actions.choices import Coverage, ResponseStatus
    from iisg.actions.models import Response
    from iisg.actions.services import change_response

    secretariat = User.objects.get(username="secretariat")
    pk = Response.objects.filter(need__cycle=cycle, status=ResponseStatus.CONFIRMED).order_by("pk")[0].pk

    def change():
        response = Response.objects.get(pk=pk)
        other = Coverage.PARTIAL if response.coverage == Coverage.FULL else Coverage.FULL
        change_response(user=secretariat, response=response, coverage=other)

    return change


def after_the_worker(change):
    """`change()`, then what the job worker does once it is committed: the warm-up of the support
    mappings; then this process forgets its own, as a web process that is not the worker."""
    from iisg.analysis.selectors import forget_computed
    from iisg.analysis.tasks import warm_support_mappings_job

    def changed_and_warmed():
        change()
        warm_support_mappings_job.call()
        forget_computed(keep_shared=True)

    return changed_and_warmed


def median_ms_after(change, fn, repeat):
    """The median time of `fn` in milliseconds over `repeat` calls, each right after an untimed
    `change()`, after one untimed warm-up pair."""
    change()
    fn()
    times = []
    for _ in range(repeat):
        change()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(scale, cycle, repeat, rows):
    from django.contrib.auth.models import User
    from django.test import Client

    from iisg.actions.models import Action
    from iisg.needs.models import Need

    needs = Need.objects.filter(cycle=cycle).count()
    actions = Action.objects.count()

    def row(step, **values):
        rows.append(Row(scale, needs, actions, step, **values))

    def fetch_needs():
        return list(
            Need.objects.filter(cycle=cycle).values_list(
                "pk", "reference", "partner_id", "pillar_id", "area_id", "priority", "status", "title"
            )
        )

    _, queries = counted(fetch_needs)
    baseline = median_ms(fetch_needs, repeat)
    row("needs rows, raw (baseline)", ms=baseline, queries=queries, ratio=1.0)

    change = changing(cycle)
    for step, path, username in PAGES:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        url = f"{path}?cycle={cycle.pk}"

        def get(client=client, url=url):
            return client.get(url)

        change()
        response, queries = counted(get)
        if response.status_code != 200:
            row(step, queries=queries, note=f"HTTP {response.status_code}")
            continue
        ms = median_ms_after(change, get, repeat)
        row(f"{step}, first after a change without the worker", ms=ms, queries=queries, ratio=ms / baseline)
        after_the_worker(change)()
        _, queries = counted(get)
        ms = median_ms_after(after_the_worker(change), get, repeat)
        row(f"{step}, first after a change", ms=ms, queries=queries, ratio=ms / baseline)
        _, queries = counted(get)
        ms = median_ms(get, repeat)
        row(f"{step}, again", ms=ms, queries=queries, ratio=ms / baseline)

    from iisg.analysis.evaluation import evaluate
    from iisg.analysis.matcher import rank_cycle

    start = time.perf_counter()
    ranking, queries = counted(lambda: rank_cycle(cycle, top=10))
    once = (time.perf_counter() - start) * 1000
    ms = once if scale == "large" else median_ms(lambda: rank_cycle(cycle, top=10), repeat)
    matched = sum(1 for matches in ranking.values() if matches)
    row("matcher rank_cycle(top=10)", ms=ms, queries=queries, ratio=ms / baseline, note=f"{matched} needs ranked")
    if scale != "demo":
        return None
    start = time.perf_counter()
    figures, queries = counted(lambda: evaluate(cycle))
    ms = (time.perf_counter() - start) * 1000
    row("evaluate(cycle)", ms=ms, queries=queries, ratio=ms / baseline, note="one run")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scales", default="demo,large", help="comma-separated: demo, large")
    parser.add_argument("--json", metavar="PATH", help="also write the figures of the largest scale run here")
    args = parser.parse_args()
    scales = args.scales.split(",")
    unknown = set(scales) - set(SCALES)
    if unknown:
        parser.error(f"unknown scale(s): {', '.join(sorted(unknown))}")
    drop = prepare_database(args.database, PG_BENCH_DB)
    if args.database == "sqlite":  # the large scale leaves ~200 MB in its temporary folder
        drop = remove_folder(os.environ["IISG_VAR_DIR"])
    rows, timings, figures = [], [], None
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.ALLOWED_HOSTS = ["testserver"]
        call_command("migrate", verbosity=0)
        from bench.scale import generate_support_mapping
        from iisg.demo.services import load_demo
        from iisg.needs.choices import CycleKind
        from iisg.needs.models import Cycle

        start = time.perf_counter()
        load_demo()
        timings.append(("load_demo", time.perf_counter() - start))
        refresh_statistics()
        demo_cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022)
        for scale in scales:
            if SCALES[scale] is None:
                cycle = demo_cycle
            else:
                start = time.perf_counter()
                cycle = generate_support_mapping(**SCALES[scale])
                timings.append((f"generate_support_mapping({scale})", time.perf_counter() - start))
                refresh_statistics()
            print(f"measuring {scale}: {cycle}", flush=True)
            figures = measure(scale, cycle, args.repeat, rows) or figures
    finally:
        drop()
    report(args.database, args.repeat, rows, timings, figures)
    if args.json:
        write_json(args.json, by_database(args.database, json_figures(rows, scales[-1])))


def json_figures(rows, scale):
    """The figures of `scale`, units in the keys: each step's median in ms and its queries, and the
    goal's figure, the Secretariat's dashboard first after a change, as
    `dashboard_first_after_change_ms`, and the same without the worker as
    `dashboard_first_after_change_without_worker_ms`."""
    figures = {}
    for row in rows:
        if row.scale != scale:
            continue
        name = re.sub(r"[^a-z0-9]+", "_", row.step.lower()).strip("_")
        if row.ms is not None:
            figures[f"{name}_ms"] = round(row.ms, 1)
        if row.queries is not None:
            figures[f"{name}_queries"] = row.queries
    figures["dashboard_first_after_change_ms"] = figures.get("dashboard_secretariat_first_after_a_change_ms")
    figures["dashboard_first_after_change_without_worker_ms"] = figures.get(
        "dashboard_secretariat_first_after_a_change_without_the_worker_ms"
    )
    return figures


def report(database, repeat, rows, timings, figures):
    print(f"\nSupport mapping benchmark — {database}, medians of {repeat} runs (large-scale matcher: one run)\n")
    for what, seconds in timings:
        print(f"- {what}: {seconds:.1f} s")
    print("\n| database | scale | needs | actions | step | median ms | queries | × baseline |")
    print("|---|---|---:|---:|---|---:|---:|---:|")
    for row in rows:
        ms = f"{row.ms:,.1f}" if row.ms is not None else row.note
        queries = "" if row.queries is None else str(row.queries)
        ratio = f"{row.ratio:,.1f}" if row.ratio is not None else ""
        step = f"{row.step} ({row.note})" if row.note and row.ms is not None else row.step
        print(f"| {database} | {row.scale} | {row.needs:,} | {row.actions:,} | {step} | {ms} | {queries} | {ratio} |")
    print()
    queries = {}
    for row in rows:
        if row.queries is not None and not row.step.startswith("evaluate"):
            queries.setdefault(row.step, {})[row.scale] = row.queries
    for step, by_scale in queries.items():
        if len(by_scale) > 1:
            counts = ", ".join(f"{scale} {count}" for scale, count in by_scale.items())
            verdict = "constant" if len(set(by_scale.values())) == 1 else "GROWS"
            print(f"- queries of {step}: {counts} — {verdict}")
    if figures is not None:
        print(f"\nMatcher evaluation on the demo cycle: {dataclasses.asdict(figures)}")


if __name__ == "__main__":
    main()
