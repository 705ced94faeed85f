"""Where the time of one dashboard request goes once the job worker has warmed the support mapping,
at 5,000 needs × 100,000 actions: its SQL queries, slowest first, and a cProfile of the request.

    python bench/dashboard_profile.py [--database sqlite|postgres] [--user secretariat] [--json PATH]

On a database of its own (as bench/analysis.py: a temporary SQLite file, or a PostgreSQL database
`iisg_bench_dashboard_profile` created and dropped), it loads the demo and the large scale, makes a
change and runs the warm-up job as the worker would (untimed, twice to fill the caches), then
times the next request with its queries captured, and profiles another one. What bench/analysis.py
gives as a median, this explains.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import by_database, prepare_database, refresh_statistics, remove_folder, write_json  # noqa: E402

PG_BENCH_DB = "iisg_bench_dashboard_profile"
# The functions of the platform whose cumulative time the JSON gives (profiled milliseconds).
STAGES = {
    "support_mapping": "iisg/analysis/selectors/mapping.py:support_mapping",
    "breakdowns": "iisg/analysis/selectors/breakdowns.py:kept",
    "page_rendering": "iisg/analysis/views.py:_page",
}


def stage_times(stats):
    """The cumulative profiled milliseconds of each of STAGES in `stats`."""
    found = dict.fromkeys(STAGES, 0.0)
    for (filename, _line, function), (_calls, _primitive, _total, cumulative, _callers) in stats.stats.items():
        for stage, where in STAGES.items():
            path, name = where.split(":")
            if filename.endswith(path) and function == name:
                found[stage] += cumulative * 1000
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--user", default="secretariat", help="the demo login; empty for the public")
    parser.add_argument("--json", metavar="PATH", help="write the figures to this file as one JSON object")
    args = parser.parse_args()
    drop = prepare_database(args.database, PG_BENCH_DB)
    if args.database == "sqlite":
        drop = remove_folder(os.environ["IISG_VAR_DIR"])
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from bench.analysis import SCALES, after_the_worker, changing
        from bench.scale import generate_support_mapping
        from iisg.demo.services import load_demo

        settings.ALLOWED_HOSTS = ["testserver"]
        call_command("migrate", verbosity=0)
        load_demo()
        cycle = generate_support_mapping(**SCALES["large"])
        refresh_statistics()
        client = Client()
        if args.user:
            client.force_login(User.objects.get(username=args.user))
        url = f"/database/?cycle={cycle.pk}"
        warmed = after_the_worker(changing(cycle))
        for _ in range(2):
            warmed()
            client.get(url)

        warmed()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            client.get(url)
            request_ms = (time.perf_counter() - start) * 1000
        queries = sorted(captured.captured_queries, key=lambda query: -float(query["time"]))
        sql_ms = sum(float(query["time"]) for query in queries) * 1000

        warmed()
        profile = cProfile.Profile()
        profile.enable()
        client.get(url)
        profile.disable()
        stats = pstats.Stats(profile)
        stages = stage_times(stats)
    finally:
        drop()

    print(f"\nDashboard after the worker, {args.database}, {args.user or 'public'}: {request_ms:.1f} ms")
    print(f"{len(queries)} queries, {sql_ms:.1f} ms of SQL; the slowest:")
    for query in queries[:5]:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:150]}")
    print("Profiled milliseconds (cProfile slows Python down, not the database):")
    for stage, ms in stages.items():
        print(f"  {stage:<16} {ms:8.1f}")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
    print(out.getvalue())
    if args.json:
        figures = {
            "request_ms": round(request_ms, 1),
            "queries": len(queries),
            "sql_ms": round(sql_ms, 1),
            "slowest_query_ms": round(float(queries[0]["time"]) * 1000, 1) if queries else 0.0,
            **{f"{stage}_profiled_ms": round(ms, 1) for stage, ms in stages.items()},
        }
        write_json(args.json, by_database(args.database, figures))


if __name__ == "__main__":
    main()
