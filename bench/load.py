"""Load test of the platform as served: 50 people browsing and 5 editing for 2 minutes, per engine.

    python bench/load.py [--databases sqlite,postgres] [--duration 2m] [--workers 4] [--servers 2]
                         [--redis-url redis://127.0.0.1:6379/15] [--json PATH]

For each engine, on a database of its own (a temporary SQLite folder, or the PostgreSQL database
`iisg_bench_load`, created with createdb and dropped at the end): migrate, `load_demo`, then carry
the needs of the demo's adopted cycle (which are frozen) over into its open one (a new one when it
has none) as drafts, so that the focal point and the Secretariat have drafts to edit. Each of the five editing
users gets an object of its own (bench/locustfile.py): the focal point an Albanian draft need, the
Secretariat another partner's draft need and an action, the donor an action its ministry funds,
the implementer one GIZ implements; they never edit the same object, so no edit may conflict.

gunicorn then serves the platform from `--servers` processes (two by default, each on a free port of
127.0.0.1, as two web machines behind a load balancer) sharing one Redis (`--redis-url`; empty: the
file cache, which only processes of one machine can share), with 4 sync workers in all: on two cores,
twice the cores keeps both busy while one worker waits on the database, and leaves some CPU to
locust and PostgreSQL, which run on the same machine (gunicorn's 2×cores+1 assumes they do not).
Sync workers, not threads: the work is Python (templates, the ORM), which threads would share
under the GIL. locust runs headless against it twice: first one browsing user with no pause for
20 s, which times the pages alone on this machine (the baseline), then 55 users spawned 10 a
second, for `--duration`, each keeping to one of the servers in turn. Last, the anonymous
throughput: `wrk` against every server at once (one thread and five connections each) for
`--anonymous-seconds` on /events/, /pillars/wbbsi/, /database/ and, as the ceiling of the same
servers, /robots.txt (no data, no template): requests per second (summed over the servers) and the
median latency (the median of the servers' medians), and each page's share of the ceiling.

Printed: one table of requests, requests per second, median and 95th-percentile latency and
errors, for the browsing pages and the edits of each engine, with the pages' baseline and the
ratio of their p95 under load to it (how much the load adds, whatever the machine's speed), then
the slowest pages. The locust
CSV files, the gunicorn log and a JSON summary go under var/bench/load/. The goal of issue 8: no
errors, and a p95 under 300 ms for pages. `--json PATH` writes one JSON object: `pages_p95_ms` and
`pages_median_ms` (the browsing pages under load) and `anonymous` (per page: `rps`, `p50_ms`,
`share_of_ceiling`), each by engine (`{"sqlite": …, "postgres": …}`, the engines run).
"""

import argparse
import csv
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import PG_ADMIN_URL  # noqa: E402

PG_BENCH_DB = "iisg_bench_load"
OUT = ROOT / "var" / "bench" / "load"
PYTHON = sys.executable
BIN = Path(sys.executable).parent
USERS = 55  # 50 browsing + 5 editing (bench/locustfile.py)
SPAWN_RATE = 10
ALONE_SECONDS = 20  # the baseline: one browsing user, no pause between requests
GOAL_P95_MS = 300
ANONYMOUS_PAGES = ["/events/", "/pillars/wbbsi/", "/database/"]
CEILING = "/robots.txt"


def engine_env(engine, var_dir, redis_url):
    """The environment of every process of one engine's run: its own database, no DEBUG, the cache
    the servers share (a fresh database migrates, which starts a new data version: no page of an
    earlier run is served)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "iisg.settings", "IISG_VAR_DIR": str(var_dir), "DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    if engine == "postgres":
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"
    return env


def pg(command):
    subprocess.run([command, "-h", "127.0.0.1", "-U", "postgres", *(["--if-exists"] if command == "dropdb" else []),
                    PG_BENCH_DB], check=True)  # fmt: skip


def prepare(env, targets):
    """Migrate, load the demo and choose the editing users' objects, in a process of its own (Django
    is set up once a process, and each engine has its own settings)."""
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([PYTHON, __file__, "--choose-targets", str(targets)], cwd=ROOT, env=env, check=True)


def choose_targets(path):
    """Write the pages to browse and each editing user's own object (JSON, read by the locustfile)."""
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser, User
    from django.urls import reverse

    from iisg.actions.models import Action
    from iisg.core.choices import Verb
    from iisg.core.permissions import permitted, visible
    from iisg.demo.logins import DEMO_PASSWORD
    from iisg.directory.models import Partner, Pillar
    from iisg.events.models import Event
    from iisg.governance.models import Product
    from iisg.needs import services
    from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
    from iisg.needs.models import Cycle, Need

    users = {user.username: user for user in User.objects.filter(is_staff=True)}
    secretariat = users["secretariat"]
    needs_cycles = Cycle.objects.filter(kind=CycleKind.NEEDS).order_by("-first_year")
    adopted = needs_cycles.filter(status=CycleStatus.ADOPTED).first()
    # The demo's next cycle is open already; a demo without one gets one after the adopted cycle.
    cycle = needs_cycles.filter(status=CycleStatus.OPEN).first() or services.open_cycle(
        user=secretariat, first_year=adopted.last_year + 1, last_year=adopted.last_year + 2, comment="Load test"
    )
    services.carry_over_needs(user=secretariat, cycle=cycle, needs=list(adopted.needs.all()))
    drafts = Need.objects.filter(cycle=cycle, status=NeedStatus.DRAFT).order_by("reference")

    def editable(username, queryset, taken):
        row = permitted(users[username], Verb.CHANGE, queryset).exclude(pk__in=taken).order_by("pk").first()
        if row is None:
            raise SystemExit(f"No object for {username} to edit in {queryset.model.__name__}.")
        taken.append(row.pk)
        return row.pk

    needs, actions = [], []
    every = Action.objects.all()
    editors = [
        ("focal_point", "needs/need", editable("focal_point", drafts, needs)),
        ("secretariat", "needs/need", editable("secretariat", drafts.exclude(partner__code="AL"), needs)),
        ("donor", "actions/action", editable("donor", every, actions)),
        ("implementer", "actions/action", editable("implementer", every, actions)),
        ("secretariat", "actions/action", editable("secretariat", every, actions)),
    ]
    anonymous = AnonymousUser()
    events = visible(anonymous, Event.objects.all())
    targets = {
        "password": DEMO_PASSWORD,
        "member": "member",
        "pillars": [reverse("website:pillar", kwargs={"code": p.code}) for p in Pillar.objects.all()],
        "events": [event.get_absolute_url() for event in events[:20]],
        "products": [p.get_absolute_url() for p in visible(anonymous, Product.objects.all())[:10]],
        "partners": [reverse("analysis:partner", kwargs={"code": p.code.lower()}) for p in Partner.objects.all()],
        "editors": [{"username": u, "model": model, "pk": pk} for u, model, pk in editors],
    }
    Path(path).write_text(json.dumps(targets, indent=2))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer at {url} within {seconds} s")


def run_engine(engine, *, duration, workers, servers, redis_url, anonymous_seconds):
    """One engine's run: prepare, serve, load, then the anonymous throughput; returns locust's rows
    per request name, every request's (group, name, ms, failed) under load and alone, and the
    anonymous throughput of each page."""
    out = OUT / engine
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    var_dir = Path(tempfile.mkdtemp(prefix=f"iisg-bench-load-{engine}-"))
    env = engine_env(engine, var_dir, redis_url)
    if engine == "postgres":
        pg("dropdb")
        pg("createdb")
    running = []
    try:
        started = time.perf_counter()
        targets, samples = out / "targets.json", out / "samples.json"
        prepare(env, targets)
        print(f"{engine}: demo loaded and targets chosen in {time.perf_counter() - started:.0f} s", flush=True)
        hosts = []
        for number in range(servers):
            port = free_port()
            log = open(out / f"gunicorn-{number + 1}.log", "w")  # noqa: SIM115 - closed with the server
            running.append((subprocess.Popen(
                [str(BIN / "gunicorn"), "iisg.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(max(1, workers // servers)),
                 "--preload", "--access-logfile", "-", "--error-logfile", "-"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            ), log))  # fmt: skip
            hosts.append(f"http://127.0.0.1:{port}")
        for host in hosts:
            wait_until_up(host)
        spread = {"IISG_LOAD_HOSTS": ",".join(hosts)}
        alone = out / "alone"
        run_locust(engine, hosts[0], env, targets=targets, samples=alone / "samples.json",
                   csv_prefix=alone / "locust", users=1, duration=f"{ALONE_SECONDS}s",
                   extra_env={"IISG_LOAD_ALONE": "1", **spread}, classes=["Browsing"])  # fmt: skip
        print(f"{engine}: {USERS} users for {duration} against {', '.join(hosts)} "
              f"({workers} workers in all, cache: {'Redis' if redis_url else 'files'})", flush=True)  # fmt: skip
        load_before = os.getloadavg()[0]
        run_locust(engine, hosts[0], env, targets=targets, samples=samples, csv_prefix=out / "locust", users=USERS,
                   duration=duration, extra_env=spread)  # fmt: skip
        print(f"{engine}: load average (1 min) {load_before:.1f} before the run, {os.getloadavg()[0]:.1f} at its end")
        anonymous = {path: wrk(hosts, path, anonymous_seconds) for path in [*ANONYMOUS_PAGES, CEILING]}
    finally:
        for server, log in running:
            server.terminate()
            server.wait(timeout=30)
            log.close()
        if engine == "postgres":
            pg("dropdb")
        shutil.rmtree(var_dir, ignore_errors=True)
    with open(out / "locust_stats.csv", newline="") as stats:
        rows = [row for row in csv.DictReader(stats) if row["Name"] != "Aggregated"]
    alone_samples = json.loads((out / "alone" / "samples.json").read_text())
    return rows, json.loads(samples.read_text()), alone_samples, anonymous


def wrk(hosts, path, seconds):
    """Anonymous requests for `path` as fast as they are answered: `wrk` against every server at once,
    one thread and five connections each. Requests per second summed over the servers, the median of
    their medians in ms, and the responses that were not 2xx or 3xx (None without wrk)."""
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk): no anonymous throughput", flush=True)
        return None
    runs = [
        subprocess.Popen(["wrk", "-t1", "-c5", f"-d{seconds}s", "--latency", host + path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for host in hosts
    ]  # fmt: skip
    outputs = [run.communicate()[0] for run in runs]
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    medians = []
    for output in outputs:
        median = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)$", output, re.MULTILINE)
        if median is None:
            raise SystemExit(f"wrk gave no median for {path}:\n{output}")
        medians.append(float(median[1]) * units[median[2]])
    return {
        "rps": sum(float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]) for output in outputs),
        "p50_ms": statistics.median(medians),
        "not_2xx_3xx": sum(
            int(m[1]) for output in outputs if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output))
        ),
    }


def run_locust(engine, host, env, *, targets, samples, csv_prefix, users, duration, extra_env=None, classes=()):
    """One headless locust run against `host`; its output goes next to its CSV files."""
    csv_prefix.parent.mkdir(parents=True, exist_ok=True)
    locust = subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
         "-u", str(users), "-r", str(SPAWN_RATE), "-t", duration, "--host", host,
         "--csv", str(csv_prefix), "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0", *classes],
        cwd=ROOT,
        env={**env, "IISG_LOAD_TARGETS": str(targets), "IISG_LOAD_SAMPLES": str(samples), **(extra_env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    csv_prefix.with_name(csv_prefix.name + ".log").write_text(locust.stdout)
    if locust.returncode != 0:
        print(locust.stdout[-3000:])
        raise SystemExit(f"locust failed on {engine} (exit {locust.returncode})")


def summarise(engine, samples, seconds, *, alone):
    """Requests, rate, median, p95 and errors of the browsing pages, the edits and the logins, from
    every request's own time (bench/locustfile.py writes them); for the pages, also the median and
    p95 of the same pages served to one user alone (the baseline)."""
    table = []
    for group in ("browsing", "editing", "logins"):
        times = sorted(ms for g, _name, ms, _failed in samples if g == group)
        errors = sum(1 for g, _name, _ms, failed in samples if g == group and failed)
        table.append(
            {
                "engine": engine,
                "group": group,
                "requests": len(times),
                "rps": len(times) / seconds,
                "median_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95),
                "errors": errors,
            }
        )
    browsing = sorted(ms for group, _name, ms, failed in alone if group == "browsing" and not failed)
    table[0].update(alone_requests=len(browsing), alone_median_ms=percentile(browsing, 50),
                    alone_p95_ms=percentile(browsing, 95))  # fmt: skip
    return table


def percentile(sorted_values, share):
    """The nearest-rank percentile: the value at or below which `share` % of the values lie."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-share * len(sorted_values) // 100))
    return sorted_values[int(rank) - 1]


def parse_seconds(duration):
    units = {"s": 1, "m": 60, "h": 3600}
    if duration[-1] in units:
        return float(duration[:-1]) * units[duration[-1]]
    return float(duration)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default=os.environ.get("LOAD_DATABASES", "sqlite,postgres"))
    parser.add_argument("--duration", default=os.environ.get("LOAD_DURATION", "2m"), help="e.g. 2m, 20s")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers in all, shared by the servers")
    parser.add_argument("--servers", type=int, default=2, help="gunicorn processes, each on a port of its own")
    parser.add_argument("--redis-url", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/15"),
                        help="the cache the servers share; empty: the file cache")  # fmt: skip
    parser.add_argument("--anonymous-seconds", type=int, default=10, help="wrk's run per anonymous page")
    parser.add_argument("--json", help="write the figures as one JSON object to this path")
    parser.add_argument("--choose-targets", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.choose_targets:
        choose_targets(args.choose_targets)
        return
    seconds = parse_seconds(args.duration)
    table, slowest, anonymous = [], [], {}
    for engine in args.databases.split(","):
        rows, samples, alone, anonymous[engine] = run_engine(
            engine, duration=args.duration, workers=args.workers, servers=args.servers,
            redis_url=args.redis_url, anonymous_seconds=args.anonymous_seconds,
        )  # fmt: skip
        table += summarise(engine, samples, seconds, alone=alone)
        slowest += [
            {"engine": engine, "name": r["Name"], "requests": int(r["Request Count"]), "median_ms": float(r["50%"]),
             "p95_ms": float(r["95%"]), "errors": int(r["Failure Count"])}
            for r in rows
        ]  # fmt: skip
    print(f"\nLoad test — {USERS} users (50 browsing, 5 editing), {args.duration} per engine, "
          f"{args.servers} gunicorn processes, {args.workers} sync workers in all, on 127.0.0.1\n")  # fmt: skip
    print("| engine | requests of | requests | req/s | median ms | p95 ms | errors | alone: median ms | p95 ms "
          "| p95 under load ÷ alone |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in table:
        baseline = (
            f"{row['alone_median_ms']:.0f} | {row['alone_p95_ms']:.0f} | {row['p95_ms'] / row['alone_p95_ms']:.1f}"
            if row.get("alone_p95_ms")
            else "– | – | –"
        )
        print(
            f"| {row['engine']} | {row['group']} | {row['requests']:,} | {row['rps']:.1f} | {row['median_ms']:.0f} "
            f"| {row['p95_ms']:.0f} | {row['errors']} | {baseline} |"
        )
    print(f"\n'alone': the same browsing mix by one user with no pause, {ALONE_SECONDS} s before the load.")
    print("\nSlowest request names by p95:")
    for row in sorted(slowest, key=lambda r: -r["p95_ms"])[:8]:
        print(
            f"- {row['engine']}: {row['name']}: p95 {row['p95_ms']:.0f} ms, median {row['median_ms']:.0f} ms, "
            f"{row['requests']} requests, {row['errors']} errors"
        )
    print_anonymous(anonymous, servers=args.servers, seconds=args.anonymous_seconds)
    pages = [row for row in table if row["group"] == "browsing"]
    ok = all(row["errors"] == 0 for row in table) and all(row["p95_ms"] < GOAL_P95_MS for row in pages)
    verdict = "met" if ok else "NOT met"
    print(f"\nGoal (no errors, p95 of pages under {GOAL_P95_MS} ms): {verdict}. Files under {OUT.relative_to(ROOT)}/")
    (OUT / "summary.json").write_text(json.dumps({"duration": args.duration, "table": table, "requests": slowest,
                                                  "anonymous": anonymous}, indent=2))  # fmt: skip
    if args.json:
        figures = {
            "pages_p95_ms": {row["engine"]: row["p95_ms"] for row in pages},
            "pages_median_ms": {row["engine"]: row["median_ms"] for row in pages},
            "anonymous": anonymous,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2))


def print_anonymous(anonymous, *, servers, seconds):
    """The anonymous throughput of each engine's pages, with the ceiling's and each page's share of it."""
    for engine, pages in anonymous.items():
        ceiling = pages.get(CEILING)
        if ceiling is None:
            continue
        print(f"\nAnonymous throughput, {engine}: wrk on {servers} servers at once (1 thread, 5 connections each), "
              f"{seconds} s a page\n")  # fmt: skip
        print("| page | req/s | p50 ms | share of the ceiling | not 2xx/3xx |")
        print("|---|---:|---:|---:|---:|")
        for path, figures in pages.items():
            figures["share_of_ceiling"] = figures["rps"] / ceiling["rps"]
            print(f"| {path} | {figures['rps']:,.0f} | {figures['p50_ms']:.1f} | {figures['share_of_ceiling']:.2f} "
                  f"| {figures['not_2xx_3xx']} |")  # fmt: skip


if __name__ == "__main__":
    main()
