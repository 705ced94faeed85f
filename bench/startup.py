"""The first requests a web worker serves after it starts, with the application as iisg/wsgi.py
loads it (URLs imported and their reverse lookups built when it loads) and, as the baseline, as
Django's plain `get_wsgi_application()` loads it.

    python bench/startup.py [--repeat 5]

What a worker builds once happens once a process, so each measurement is a fresh Python process
on the demo database (SQLite, migrated and loaded once, in a temporary folder). It loads the
application, then calls it as gunicorn does (WSGI) for the home page, the dashboard and the
back-office login page, each for the first time, and then the home page again (warm). Printed:
the medians over `--repeat` processes of each way of loading, and the ratio of the first home
page to the warm one.
"""

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from wsgiref.util import setup_testing_defaults

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PAGES = ["/", "/database/", "/admin/login/"]
LOADERS = {
    "iisg.wsgi": "the platform's (URLs prepared on load)",
    "plain": "Django's get_wsgi_application() (baseline)",
}


def child(loader):
    """In a fresh process: load the application, time it and the first requests; print JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iisg.settings")
    start = time.perf_counter()
    if loader == "plain":
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
    else:
        from iisg.wsgi import application
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", choices=list(LOADERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    var_dir = tempfile.mkdtemp(prefix="iisg-bench-startup-")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "iisg.settings", "IISG_VAR_DIR": var_dir, "DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    try:
        for command in (["migrate", "--no-input", "-v", "0"], ["load_demo", "--no-logins"]):
            subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        runs = {loader: [] for loader in LOADERS}
        for _ in range(args.repeat):
            for loader in LOADERS:  # alternated, so that both see the same machine
                out = subprocess.run(
                    [PYTHON, __file__, "--child", loader], cwd=ROOT, env=env, check=True, capture_output=True, text=True
                ).stdout
                runs[loader].append(json.loads(out.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    labels = list(runs["plain"][0])
    print(f"\nFirst requests of a fresh worker, demo data on SQLite, medians of {args.repeat} processes (ms)\n")
    print("| application loaded by | " + " | ".join(labels) + " | first / ÷ warm / |")
    print("|---|" + "---:|" * (len(labels) + 1))
    for loader, description in LOADERS.items():
        medians = {label: statistics.median(run[label] for run in runs[loader]) for label in labels}
        cells = " | ".join(f"{medians[label]:.0f}" for label in labels)
        print(f"| {description} | {cells} | {medians['first /'] / medians['warm /']:.1f} |")


if __name__ == "__main__":
    main()
