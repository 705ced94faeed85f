"""gunicorn's settings: read by `make run` (and any gunicorn started here), which loads
./gunicorn.conf.py from the working directory by default."""

import time

import gunicorn.http.wsgi

# gunicorn names itself in the Server header of every response and has no setting to change it;
# its worker reads the name from this module when it answers, so the name is replaced here, in the
# master, before the workers fork. The name tells an attacker which server's flaws to try.
gunicorn.http.wsgi.SERVER = "IISG Platform"

# The master loads the application (Django, every view, the URL lookups) before it listens, and the
# workers are forked from it ready: without this each worker loads it after the port is open, and
# the first visitor waits for that (seconds on a busy machine). A code change needs a restart, not
# a HUP, since a HUP forks new workers from the same loaded code.
preload_app = True


def on_starting(server):
    """Warm the loaded application (iisg.wsgi.warm_up) in the master, after the load and before
    the port is opened: what the first request of a process pays is paid here, once, and every
    worker is forked with it."""
    from iisg.wsgi import warm_up

    start = time.perf_counter()
    answers = warm_up()
    pages = ", ".join(f"{path} {status} in {ms:.0f} ms" for path, (status, ms) in answers.items())
    server.log.info("Warmed up in %.0f ms: %s", (time.perf_counter() - start) * 1000, pages)
    for path, (status, _ms) in answers.items():
        if status != 200:
            server.log.warning("Warm-up: %s answered %s; its first visitor pays what is left.", path, status)
