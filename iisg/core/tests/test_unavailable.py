"""A locked or unreachable database, or a disk that refuses a file: 503 with Retry-After and words
a person understands (JSON under /api/), never Django's 500."""

import errno
import sqlite3
from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, ProgrammingError, connection
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.core.tests.test_uploads import make_pdf
from iisg.core.unavailable import RETRY_AFTER_DATABASE, RETRY_AFTER_STORAGE, database_unavailable
from iisg.governance.models import ProductVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked_sqlite():
    """Another process holds SQLite's write lock (BEGIN EXCLUSIVE) while the test runs."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's database lock; PostgreSQL locks rows, and its outage is simulated below")
    holder = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield
    holder.execute("ROLLBACK")
    holder.close()


@pytest.mark.django_db(transaction=True)
def test_a_page_answers_503_with_retry_after_while_the_database_is_locked(client, locked_sqlite):
    response = client.get(reverse("website:home"))

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_DATABASE)
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Please try again in a moment" in html
    assert "website/iisg.css" in html, "styled like the website"
    assert "Traceback" not in html


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_in_json_while_the_database_is_locked(client, locked_sqlite):
    response = client.get("/api/events/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_DATABASE)
    assert response.json() == {
        "detail": "The platform is busy and could not complete your request. Please try again in a moment."
    }


@pytest.mark.parametrize(
    "error",
    [
        OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        ),
        OperationalError("terminating connection due to administrator command"),
    ],
)
@pytest.mark.parametrize("path", ["/", "/api/events/"])
def test_an_unreachable_database_answers_503(client, error, path):
    with mock.patch.object(connection, "cursor", side_effect=error):
        response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_DATABASE)
    assert "5432" not in response.content.decode(), "the cause is logged, not shown"


def test_a_fault_of_the_code_stays_a_500():
    """Only the database's absence is a 503: a wrong query is a bug to see, not a wait."""
    try:
        sqlite3.connect(":memory:").execute("SELECT * FROM no_such_table")
    except sqlite3.OperationalError as cause:
        missing_table = OperationalError(str(cause))
        missing_table.__cause__ = cause
    assert not database_unavailable(missing_table)
    assert not database_unavailable(ProgrammingError("syntax error"))
    assert database_unavailable(OperationalError("server closed the connection unexpectedly"))


@pytest.mark.parametrize("error", [errno.EROFS, errno.ENOSPC])
def test_an_upload_the_disk_refuses_answers_503_saying_the_file_was_not_stored(client, error):
    login(client, Role.SECRETARIAT)
    product = f.ProductFactory()
    pdf = SimpleUploadedFile("methodology.pdf", make_pdf(), content_type="application/pdf")
    data = {"product": str(product.pk), "version": "2.0", "file": pdf, "published_on": "2022-06-20", "notes": ""}

    refused = OSError(error, "refused by the disk")
    with mock.patch.object(FileSystemStorage, "_save", side_effect=refused):
        response = client.post(reverse("admin:governance_productversion_add"), data)

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_STORAGE)
    assert "The file could not be stored" in response.content.decode()
    assert not ProductVersion.objects.exists(), "nothing of the change was saved"
