"""/healthz: what a load balancer calls every few seconds."""

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_login_session_or_cache(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_healthz_is_503_when_the_database_does_not_answer(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "migrations": "skipped"}
    assert "connection refused" not in response.content.decode()


def test_healthz_is_503_while_migrations_are_not_applied(client):
    recorded = MigrationRecorder(connection).migration_qs
    recorded.filter(pk__in=recorded.order_by("-pk").values_list("pk", flat=True)[:2]).delete()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "migrations": "2 unapplied"}


def test_healthz_only_answers_reads(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
