"""The first requests a web worker serves after it starts: in a fresh process, and from gunicorn as
`make run` starts it.

    python bench/startup.py [--repeat 5] [--json PATH]

What a worker builds once happens once a process, so each measurement is a fresh process on the
demo database (SQLite, migrated and loaded once, in a temporary folder).

In a process: it loads the application in one of three ways (iisg/wsgi.py and then its `warm_up()`,
as gunicorn serves it; iisg/wsgi.py alone, URLs prepared on load; Django's plain
`get_wsgi_application()`, the baseline), then calls it as gunicorn does (WSGI) for the home page,
the dashboard and the back-office login page, each for the first time, and then the home page
again (warm).

From gunicorn: it starts `gunicorn iisg.wsgi --workers 2` as `make run` does, with
./gunicorn.conf.py (application loaded and warmed before the port opens) and, as the baseline,
without it (each worker loads the application after the port opened), and times from the start
to the port accepting a connection, the first GET / sent then, and the start to its 200.

Printed: the medians over `--repeat` processes (or servers). With --json PATH the same medians are
written there as one object (bench.common.write_json), under "sqlite": `in_process_ms`
({loading: {request: median}}) and `server` ({with or without gunicorn.conf.py: figures}), whose
`first_request_ms` with gunicorn.conf.py is the figure the goal holds (under 1,000 ms).
"""

import argparse
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from wsgiref.util import setup_testing_defaults

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import by_database, write_json  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
PAGES = ["/", "/database/", "/admin/login/"]
LOADERS = {
    "warmed": "iisg.wsgi, then warm_up() (as gunicorn serves it)",
    "iisg.wsgi": "iisg.wsgi alone (URLs prepared on load)",
    "plain": "Django's get_wsgi_application() (baseline)",
}
SERVERS = {
    "gunicorn.conf.py": "with gunicorn.conf.py (loaded and warmed before the port opens)",
    "no config": "without it (baseline: each worker loads after the port opened)",
}
SERVER_TIMEOUT_S = 300


def child(loader):
    """In a fresh process: load the application, time it and the first requests; print JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iisg.settings")
    start = time.perf_counter()
    if loader == "plain":
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
    else:
        from iisg.wsgi import application, warm_up

        if loader == "warmed":
            warm_up()
    times = {"load": (time.perf_counter() - start) * 1000}
    for label, path in [*((f"first {page}", page) for page in PAGES), ("warm /", "/")]:
        times[label] = call(application, path)
    print(json.dumps(times))


def call(application, path):
    """One GET through the WSGI interface, its body read to the end; milliseconds."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.errors": io.StringIO()}
    setup_testing_defaults(environ)
    statuses = []
    start = time.perf_counter()
    body = b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    elapsed = (time.perf_counter() - start) * 1000
    if not statuses[0].startswith("200") or not body:
        raise SystemExit(f"{path} answered {statuses[0]}")
    return elapsed


def serve(config, env, empty_config):
    """Start gunicorn as `make run` does (with ./gunicorn.conf.py, or with an empty configuration)
    on a free port; time the port opening, the first GET / and the start to its 200; stop it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [GUNICORN, "iisg.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket"]
    if config == "no config":
        command += ["--config", empty_config]
    start = time.perf_counter()
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn ({config}) stopped with status {server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.01)
        port_open = time.perf_counter() - start
        asked = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=SERVER_TIMEOUT_S) as answer:
            answer.read()
        first_request = time.perf_counter() - asked
        return {
            "port_open_s": round(port_open, 2),
            "first_request_ms": round(first_request * 1000),
            "start_to_first_200_s": round(time.perf_counter() - start, 2),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the figures to this file as one JSON object")
    parser.add_argument("--child", choices=list(LOADERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    var_dir = tempfile.mkdtemp(prefix="iisg-bench-startup-")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "iisg.settings", "IISG_VAR_DIR": var_dir, "DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    empty_config = Path(var_dir) / "empty.conf.py"
    empty_config.write_text("")
    try:
        for command in (["migrate", "--no-input", "-v", "0"], ["load_demo", "--no-logins"]):
            subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        runs = {loader: [] for loader in LOADERS}
        servers = {config: [] for config in SERVERS}
        for _ in range(args.repeat):
            for loader in LOADERS:  # alternated, so that all see the same machine
                out = subprocess.run(
                    [PYTHON, __file__, "--child", loader], cwd=ROOT, env=env, check=True, capture_output=True, text=True
                ).stdout
                runs[loader].append(json.loads(out.strip().splitlines()[-1]))
            for config in SERVERS:
                servers[config].append(serve(config, env, str(empty_config)))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)

    labels = list(runs["plain"][0])
    in_process = {
        loader: {label: round(statistics.median(run[label] for run in runs[loader]), 1) for label in labels}
        for loader in LOADERS
    }
    print(f"\nFirst requests of a fresh worker, demo data on SQLite, medians of {args.repeat} processes (ms)\n")
    print("| application loaded by | " + " | ".join(labels) + " | first / ÷ warm / |")
    print("|---|" + "---:|" * (len(labels) + 1))
    for loader, description in LOADERS.items():
        medians = in_process[loader]
        cells = " | ".join(f"{medians[label]:.0f}" for label in labels)
        print(f"| {description} | {cells} | {medians['first /'] / medians['warm /']:.1f} |")

    figures = list(servers["gunicorn.conf.py"][0])
    server = {
        config: {figure: statistics.median(run[figure] for run in servers[config]) for figure in figures}
        for config in SERVERS
    }
    print(f"\ngunicorn iisg.wsgi --workers 2 from its start, medians of {args.repeat} starts\n")
    print("| gunicorn | port open (s) | first GET / (ms) | start to its 200 (s) |\n|---|---:|---:|---:|")
    for config, description in SERVERS.items():
        print(f"| {description} | " + " | ".join(f"{server[config][figure]:,}" for figure in figures) + " |")
    if args.json:
        write_json(
            args.json, by_database("sqlite", {"repeat": args.repeat, "in_process_ms": in_process, "server": server})
        )


if __name__ == "__main__":
    main()
