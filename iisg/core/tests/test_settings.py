"""Production refuses unsafe configuration; the embedded default needs none."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "IISG_MODE": "production",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "iisg.example.org",
    "DATABASE_URL": "postgres://iisg:iisg@127.0.0.1:5432/iisg",
}


# Variables the test run itself sets (the browser tests allow sync ORM calls from an event loop).
ENVIRONMENT_OF_THE_TEST_RUN = {"DATABASE_URL", "IISG_MODE", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_OF_THE_TEST_RUN}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DEBUG": "true"}, "DEBUG must be off in production."),
        ({"SECRET_KEY": ""}, "Set SECRET_KEY: the default key is for the embedded mode only."),
        ({"ALLOWED_HOSTS": ""}, "Set ALLOWED_HOSTS in production."),
        ({"DATABASE_URL": ""}, "Set DATABASE_URL (PostgreSQL) in production."),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(override, message):
    env = {k: v for k, v in {**PRODUCTION, **override}.items() if v}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_the_embedded_default_is_sqlite_in_wal_mode_under_var(tmp_path):
    probe = (
        "from django.db import connection as c; k = c.cursor(); k.execute('PRAGMA journal_mode'); print(*k.fetchone())"
    )
    result = run_manage("shell", "--no-imports", "-c", probe, IISG_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
    assert (tmp_path / "iisg.sqlite3").exists()
