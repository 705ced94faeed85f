"""One structured log line per request, and JSON log lines when LOG_FORMAT=json."""

import json
import logging
import re

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from iisg.core.middleware import RequestIdFilter, current_request_id
from iisg.core.tests.factories import UserFactory
from iisg.core.tests.test_settings import PRODUCTION, run_manage

pytestmark = pytest.mark.django_db


def request_lines(caplog):
    return [record for record in caplog.records if record.name == "iisg.request"]


def test_each_request_logs_one_line_with_its_fields(client, caplog):
    with caplog.at_level(logging.INFO, logger="iisg.request"):
        response = client.get("/robots.txt")

    (line,) = request_lines(caplog)
    assert line.levelno == logging.INFO
    assert (line.method, line.path, line.status) == ("GET", "/robots.txt", 200)
    assert line.duration_ms >= 0
    assert line.user_id is None
    assert re.fullmatch(r"[0-9a-f]{32}", line.request_id)
    assert response["X-Request-ID"] == line.request_id
    assert line.getMessage().startswith("GET /robots.txt 200 ")


def test_the_signed_in_users_id_is_logged_not_their_name(client, caplog):
    user = UserFactory(username="focal.point.albania", roles=["Secretariat"])
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="iisg.request"):
        client.get("/admin/")

    (line,) = request_lines(caplog)
    assert line.user_id == user.pk
    assert "focal.point.albania" not in json.dumps(line.__dict__, default=str)


def test_the_query_string_is_never_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="iisg.request"):
        client.get("/robots.txt?token=s3cret&password=hunter2")

    (line,) = request_lines(caplog)
    assert line.path == "/robots.txt"
    logged = json.dumps(line.__dict__, default=str)
    assert "s3cret" not in logged
    assert "hunter2" not in logged


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("3f2a9c1e-6b7d-4e8f-9a0b-1c2d3e4f5a6b", True),
        ("Root=1-5759e988-bd862e3fe1be46a994272793", True),
        ("two words", False),
        ("line\nbreak", False),
        ("x" * 200, False),
    ],
)
def test_a_sane_request_id_from_the_proxy_is_kept_and_echoed(client, caplog, given, kept):
    with caplog.at_level(logging.INFO, logger="iisg.request"):
        response = client.get("/robots.txt", headers={"X-Request-ID": given})

    (line,) = request_lines(caplog)
    assert (line.request_id == given) is kept
    assert response["X-Request-ID"] == line.request_id


def test_the_load_balancers_probes_are_logged_at_debug(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="iisg.request"):
        client.get("/healthz")

    (line,) = request_lines(caplog)
    assert line.levelno == logging.DEBUG


def json_formatter():
    options = dict(settings.LOGGING["formatters"]["json"])
    return import_string(options.pop("()"))(**options)


def test_the_json_formatter_writes_one_json_object_with_the_request_fields():
    record = logging.getLogger("iisg.request").makeRecord(
        "iisg.request",
        logging.INFO,
        __file__,
        1,
        "%s %s %s %.1fms",
        ("GET", "/events/", 200, 12.5),
        None,
        extra={"method": "GET", "path": "/events/", "status": 200, "duration_ms": 12.5, "user_id": 7},
    )
    token = current_request_id.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        current_request_id.reset(token)

    line = json_formatter().format(record)

    assert "\n" not in line
    assert json.loads(line) == {
        "time": json.loads(line)["time"],
        "level": "INFO",
        "logger": "iisg.request",
        "message": "GET /events/ 200 12.5ms",
        "method": "GET",
        "path": "/events/",
        "status": 200,
        "duration_ms": 12.5,
        "user_id": 7,
        "request_id": "abc123",
    }


def test_production_logs_json_by_default():
    probe = "import logging; logging.getLogger('iisg.probe').warning('hello')"
    result = run_manage("shell", "--no-imports", "-c", probe, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "iisg.probe" in line]
    logged = json.loads(line)
    assert logged.pop("time")
    assert logged == {"level": "WARNING", "logger": "iisg.probe", "message": "hello"}
