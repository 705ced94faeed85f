"""Production refuses unsafe configuration; the embedded default needs none."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

# Each check starts manage.py in a process of its own (seconds each) without the run's DATABASE_URL
# and touches no test database: one database's run is enough.
pytestmark = pytest.mark.same_on_every_database

PRODUCTION = {
    "IISG_MODE": "production",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "iisg.example.org",
    # Never connected to by these checks; the PostgreSQL of the test machine, should one be made.
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
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
        (
            {"SECRET_KEY": "embedded-mode-only-not-secret"},
            "Set SECRET_KEY: the default key is for the embedded mode only.",
        ),
        ({"SECRET_KEY": "x" * 49}, "SECRET_KEY is too short: use at least 50 random characters."),
        ({"ALLOWED_HOSTS": ""}, "Set ALLOWED_HOSTS in production."),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS must name the hosts: '*' is refused in production."),
        ({"ALLOWED_HOSTS": "iisg.example.org,*"}, "ALLOWED_HOSTS must name the hosts: '*' is refused in production."),
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


def test_production_cookies_and_headers_are_strict():
    probe = (
        "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, name) for name in "
        "['SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE', "
        "'CSRF_COOKIE_HTTPONLY', 'CSRF_COOKIE_SAMESITE', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', "
        "'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_SSL_REDIRECT', 'SECURE_REDIRECT_EXEMPT', 'SECURE_HSTS_SECONDS', "
        "'DEBUG']}))"
    )
    result = run_manage("shell", "--no-imports", "-c", probe, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],  # the load balancer's probe is answered, not redirected
        "SECURE_HSTS_SECONDS": 31536000,
        "DEBUG": False,
    }


def test_production_login_lock_out_and_password_rules():
    probe = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'backends': s.AUTHENTICATION_BACKENDS, 'limit': s.AXES_FAILURE_LIMIT, "
        "'cooloff': s.AXES_COOLOFF_TIME.total_seconds(), 'lock': s.AXES_LOCKOUT_PARAMETERS, "
        "'middleware': s.MIDDLEWARE[-1], 'validators': s.AUTH_PASSWORD_VALIDATORS}))"
    )
    result = run_manage("shell", "--no-imports", "-c", probe, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["backends"][0] == "axes.backends.AxesStandaloneBackend"
    assert values["middleware"] == "axes.middleware.AxesMiddleware"
    assert (values["limit"], values["cooloff"], values["lock"]) == (5, 900, [["username", "ip_address"]])
    length = next(v for v in values["validators"] if v["NAME"].endswith("MinimumLengthValidator"))
    assert length["OPTIONS"] == {"min_length": 12}
    assert len(values["validators"]) == 5


SESSION_AND_SECOND_FACTOR = (
    "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, name) for name in "
    "['SESSION_ABSOLUTE_HOURS', 'SESSION_IDLE_MINUTES', 'SESSION_COOKIE_AGE', 'OTP_REQUIRED_FOR_STAFF', "
    "'AXES_USERNAME_FAILURE_LIMIT', 'LOGIN_REDIRECT_URL']}))"
)


def test_production_sessions_last_12_hours_at_most_30_minutes_idle_and_staff_need_a_second_factor():
    result = run_manage("shell", "--no-imports", "-c", SESSION_AND_SECOND_FACTOR, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SESSION_ABSOLUTE_HOURS": 12,
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_COOKIE_AGE": 12 * 3600,
        "OTP_REQUIRED_FOR_STAFF": True,
        "AXES_USERNAME_FAILURE_LIMIT": 20,
        "LOGIN_REDIRECT_URL": "admin:index",
    }


def test_the_embedded_mode_keeps_the_demo_logins_signing_in_with_a_password_and_reads_the_limits_from_env(tmp_path):
    env = {"IISG_VAR_DIR": str(tmp_path), "SESSION_IDLE_MINUTES": "10", "SESSION_ABSOLUTE_HOURS": "8"}
    result = run_manage("shell", "--no-imports", "-c", SESSION_AND_SECOND_FACTOR, **env)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert (values["SESSION_IDLE_MINUTES"], values["SESSION_ABSOLUTE_HOURS"]) == (10, 8)
    assert values["SESSION_COOKIE_AGE"] == 8 * 3600
    assert values["OTP_REQUIRED_FOR_STAFF"] is False


def test_the_embedded_default_is_sqlite_in_wal_mode_under_var(tmp_path):
    probe = (
        "from django.db import connection as c; k = c.cursor(); k.execute('PRAGMA journal_mode'); print(*k.fetchone())"
    )
    result = run_manage("shell", "--no-imports", "-c", probe, IISG_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
    assert (tmp_path / "iisg.sqlite3").exists()
