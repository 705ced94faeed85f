"""gunicorn, as `make run` starts it from the project's directory, does not name itself."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def response_headers(port, path, *, timeout=60):
    """The headers of GET `path`, once the server answers."""
    deadline = time.monotonic() + timeout
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", path)
            return dict(connection.getresponse().getheaders())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            connection.close()


def test_gunicorn_started_like_make_run_does_not_announce_itself(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "IISG_MODE", "DEBUG", "SECRET_KEY"}}
    server = subprocess.Popen(
        [str(GUNICORN), "iisg.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=settings.BASE_DIR,
        env={**env, "IISG_VAR_DIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        headers = response_headers(port, "/robots.txt")
    finally:
        server.terminate()
        _out, errors = server.communicate(timeout=30)
    assert "gunicorn" not in headers["Server"].lower(), errors
    assert headers["Server"] == "IISG Platform"
    assert "camera=()" in headers["Permissions-Policy"]
