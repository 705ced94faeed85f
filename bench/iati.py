"""Benchmark of the IATI import: generated 2.03 files of realistic and 10x size.

    python bench/iati.py [--database sqlite|postgres] [--counts 10000,100000] [--repeat N] [--json PATH]

It writes, with the platform's generator, files of 10,000 and 100,000 Western Balkan activities
(several transactions, budgets and participants each) and measures, for each file, in the same
process:

- the floor: raw `lxml.etree.iterparse` of the same file, clearing each activity (nothing mapped);
- parse and map: the platform's parser (schema check, codes, money) without the database;
- the full import into an empty database of its own (a temporary SQLite file, or a PostgreSQL
  database `iati_bench` it creates and drops), in one transaction;
- the re-import of the unchanged file (every activity found unchanged by its content hash);
- the CPU time of each step (the process's own), beside the wall clock that a busy machine inflates;
- peak memory (the process's own peak resident size, VmHWM) of each step, each run in a fresh subprocess so one
  step's memory does not hide the next one's.

Times are medians of `--repeat` runs (the import: the database is emptied between runs, untimed),
with activities and MB per second, and each step's ratio to the raw parse.

`--json PATH` writes the figures of the largest count run as one JSON object, each by database
(bench.common.by_database): `import_vs_raw_parse` (the goal of issue 20: at most 3), the seconds of
each step (`raw_parse_s`, `parse_map_s`, `import_s`, `reimport_s`), `activities_per_s` of the
import, the same ratio and seconds in CPU time (`import_vs_raw_parse_cpu`, `raw_parse_cpu_s`,
`import_cpu_s`), `peak_import_mb`, `activities` and `file_mb`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_BENCH_DB = "iati_bench"


def raw_parse(path):
    from lxml import etree

    count = 0
    for _event, element in etree.iterparse(str(path), events=("end",), tag="iati-activity", resolve_entities=False):
        count += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return count


def parse_and_map(path):
    from iisg.iati import parser
    from iisg.iati.activity import Activity
    from iisg.iati.codelists import known_codes

    codes = known_codes()
    return sum(1 for item in parser.read(path, codes=codes) if isinstance(item, Activity))


def empty_actions():
    from django.db import connection

    from iisg.actions.models import Action
    from iisg.directory.models import Organisation

    Action.history.all().delete()
    Action.objects.all().delete()
    Organisation.objects.filter(actions__isnull=True).delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")


def step(name, path):
    """Run one step once in this (fresh) process; print {seconds, cpu_seconds, count, peak_mb} as JSON."""
    import django

    django.setup()
    from iisg.iati.importer import import_file

    start, cpu_start = time.perf_counter(), time.process_time()
    if name == "raw":
        count = raw_parse(path)
    elif name == "parse":
        count = parse_and_map(path)
    elif name in ("import", "reimport"):
        summary = import_file(path)
        count = summary.counts["imported"] + summary.counts["updated"] + summary.counts["unchanged"]
        if name == "reimport":
            assert summary.counts["unchanged"] == count, summary
    else:
        raise SystemExit(f"unknown step {name}")
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "count": count, "peak_mb": peak_resident_mb()}))


def peak_resident_mb():
    """This process's own peak resident size (VmHWM). Not getrusage's ru_maxrss: on Linux that
    keeps the high-water mark of the parent it was forked from, across exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc/self/status")


def run_step(name, path, env):
    out = subprocess.run(
        [sys.executable, __file__, "--step", name, str(path)], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(f"step {name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(kind):
    """A migrated database of the benchmark's own with the codelists and rates; its environment."""
    from bench.common import prepare_database

    cleanup = prepare_database(kind, PG_BENCH_DB)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_codelists", verbosity=0)
    call_command("load_rates", verbosity=0)
    return dict(os.environ), cleanup


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--counts", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", metavar="PATH", help="write the figures of the largest count run here")
    parser.add_argument("--step", nargs=2, metavar=("NAME", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step(args.step[0], Path(args.step[1]))
        return
    env, cleanup = prepare(args.database)
    from iisg.iati.generator import generate

    folder = Path(tempfile.mkdtemp(prefix="iati-bench-"))
    rows = []
    try:
        for count in [int(c) for c in args.counts.split(",")]:
            path = folder / f"generated-{count}.xml"
            start = time.perf_counter()
            generate(path, count=count, seed=2026)
            generated = time.perf_counter() - start
            size_mb = path.stat().st_size / 1e6
            print(f"{count:,} activities: {size_mb:.1f} MB, generated in {generated:.1f} s", flush=True)
            results = {}
            for name in ("raw", "parse", "import", "reimport"):
                runs = []
                for _ in range(args.repeat):
                    if name == "import":
                        empty_actions()
                    runs.append(run_step(name, path, env))
                results[name] = {
                    "seconds": statistics.median(r["seconds"] for r in runs),
                    "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
                    "peak_mb": max(r["peak_mb"] for r in runs),
                    "count": runs[0]["count"],
                }
                print(f"  {name:<9} {results[name]['seconds']:8.2f} s", flush=True)
            rows.append((count, size_mb, results))
            path.unlink()
    finally:
        cleanup()
    report(args.database, args.repeat, rows)
    if args.json:
        from bench.common import by_database, write_json

        write_json(args.json, by_database(args.database, figures(max(rows, key=lambda row: row[0]))))


def figures(row):
    """The figures of one count run, units in the key names."""
    count, size_mb, results = row
    raw = results["raw"]["seconds"]
    return {
        "import_vs_raw_parse": round(results["import"]["seconds"] / raw, 2),
        "raw_parse_s": round(raw, 3),
        "parse_map_s": round(results["parse"]["seconds"], 3),
        "import_s": round(results["import"]["seconds"], 3),
        "reimport_s": round(results["reimport"]["seconds"], 3),
        "activities_per_s": round(count / results["import"]["seconds"]),
        # CPU time (the process's own) as well: on a shared, busy machine the wall clock measures
        # the neighbours too, the CPU time only this process's work.
        "import_vs_raw_parse_cpu": round(results["import"]["cpu_seconds"] / results["raw"]["cpu_seconds"], 2),
        "raw_parse_cpu_s": round(results["raw"]["cpu_seconds"], 3),
        "import_cpu_s": round(results["import"]["cpu_seconds"], 3),
        "peak_import_mb": round(results["import"]["peak_mb"]),
        "activities": count,
        "file_mb": round(size_mb, 1),
    }


def report(database, repeat, rows):
    print(f"\nIATI import on {database}, medians of {repeat} runs (peak memory: the largest of the runs)")
    header = f"{'activities':>10} {'MB':>6} {'step':<10} {'seconds':>8} {'act/s':>9} {'MB/s':>7} {'x raw':>6}"
    print(f"{header} {'peak MB':>8} {'CPU s':>7} {'CPU x raw':>9}")
    labels = {"raw": "raw lxml", "parse": "parse+map", "import": "import", "reimport": "re-import"}
    for count, size_mb, results in rows:
        raw, raw_cpu = results["raw"]["seconds"], results["raw"]["cpu_seconds"]
        for name, result in results.items():
            seconds, cpu = result["seconds"], result["cpu_seconds"]
            print(
                f"{count:>10,} {size_mb:>6.1f} {labels[name]:<10} {seconds:>8.2f} {count / seconds:>9,.0f}"
                f" {size_mb / seconds:>7.1f} {seconds / raw:>6.2f} {result['peak_mb']:>8.0f}"
                f" {cpu:>7.2f} {cpu / raw_cpu:>9.2f}"
            )
        ratio = results["import"]["seconds"] / results["reimport"]["seconds"]
        print(f"{'':>18} first import / re-import: {ratio:.1f}x")


if __name__ == "__main__":
    main()
