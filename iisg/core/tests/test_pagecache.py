"""Anonymous public pages from the shared cache (iisg.core.pagecache): stored once per address,
language and day under the data version; never for a signed-in visitor nor when the page holds
something of one visitor's; the version changes once a write commits, once per transaction; and
conditional GETs answer 304 while it stands."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.utils.http import http_date

from iisg.core import pagecache
from iisg.core.tests import factories as f


class CountingView:
    """A view that says how often it ran, and what it was asked to do to its response."""

    def __init__(self, action=None):
        self.calls = 0
        self.action = action

    def __call__(self, request):
        self.calls += 1
        response = HttpResponse(f"page {self.calls}")
        if self.action:
            self.action(request, response)
        return response


def anonymous_get(path="/events/", **headers):
    request = RequestFactory().get(path, **headers)
    request.user = AnonymousUser()
    return request


@pytest.fixture
def view():
    return CountingView()


@pytest.mark.django_db
def test_anonymous_page_is_rendered_once_and_then_served_from_the_cache_when_nothing_changed(view):
    page = pagecache.public_page(view)
    first = page(anonymous_get())
    second = page(anonymous_get())
    assert view.calls == 1
    assert second.content == first.content == b"page 1"
    assert second["ETag"] == first["ETag"]
    assert "no-cache" in second["Cache-Control"]


@pytest.mark.django_db
def test_each_address_and_query_string_has_its_own_page(view):
    page = pagecache.public_page(view)
    page(anonymous_get("/events/"))
    page(anonymous_get("/events/?pillar=wbbsi"))
    page(anonymous_get("/events/?pillar=wbbsi"))
    assert view.calls == 2


@pytest.mark.django_db
def test_page_key_differs_by_language_day_and_version():
    request = anonymous_get()
    state = pagecache.PageState(version=1, language="en", day=datetime.date(2026, 12, 7))
    keys = {
        pagecache.page_key(request, state),
        pagecache.page_key(request, pagecache.PageState(version=2, language="en", day=state.day)),
        pagecache.page_key(request, pagecache.PageState(version=1, language="sq", day=state.day)),
        pagecache.page_key(request, pagecache.PageState(version=1, language="en", day=datetime.date(2026, 12, 8))),
    }
    assert len(keys) == 4


@pytest.mark.django_db(transaction=True)
def test_signed_in_visitor_is_never_served_a_cached_page_and_their_page_is_never_stored(view):
    member = RequestFactory().get("/events/")
    member.user = f.UserFactory()
    page = pagecache.public_page(view)
    page(anonymous_get())
    response = page(member)
    assert response.content == b"page 2"
    assert not response.has_header("ETag")
    assert page(anonymous_get()).content == b"page 1"
    assert view.calls == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "action",
    [
        pytest.param(lambda request, response: get_token(request), id="csrf token"),
        pytest.param(lambda request, response: response.set_cookie("seen", "1"), id="cookie"),
        pytest.param(lambda request, response: setattr(response, "status_code", 404), id="not found"),
        pytest.param(lambda request, response: response.headers.__setitem__("Cache-Control", "private"), id="private"),
    ],
)
def test_a_page_of_one_visitor_or_not_a_plain_200_is_never_stored_when_rendered(action):
    view = CountingView(action)
    page = pagecache.public_page(view)
    page(anonymous_get())
    page(anonymous_get())
    assert view.calls == 2


@pytest.mark.django_db(transaction=True)
def test_conditional_get_answers_304_while_the_data_version_stands(view):
    page = pagecache.public_page(view)
    first = page(anonymous_get())
    assert page(anonymous_get(HTTP_IF_NONE_MATCH=first["ETag"])).status_code == 304
    assert page(anonymous_get(HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])).status_code == 304
    pagecache.changed()  # outside a transaction: at once
    again = page(anonymous_get(HTTP_IF_NONE_MATCH=first["ETag"]))
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_last_modified_is_never_before_midnight_because_the_day_changes_the_pages(view):
    day = datetime.date(2026, 12, 7)
    state = pagecache.PageState(version=1_000_000_000, language="en", day=day)  # 1970
    assert state.last_modified.date() == day


@pytest.mark.django_db(transaction=True)
def test_the_data_version_changes_once_a_write_commits_and_not_when_it_rolls_back(view):
    page = pagecache.public_page(view)
    page(anonymous_get())
    before = pagecache.data_version()
    with transaction.atomic():
        f.EventFactory(title="Never published")
        transaction.set_rollback(True)
    assert pagecache.data_version() == before
    assert page(anonymous_get()).content == b"page 1"
    with transaction.atomic():
        f.EventFactory(title="Published")
        assert pagecache.data_version() == before  # not before the commit
    assert pagecache.data_version() != before
    assert page(anonymous_get()).content == b"page 2"


@pytest.mark.django_db
def test_a_transaction_of_many_writes_bumps_the_version_once():
    with transaction.atomic():
        for number in range(20):
            f.EventFactory(title=f"Event {number}")
        due = [entry for entry in transaction.get_connection().run_on_commit if entry[1] is pagecache._bump]
    assert len(due) == 1


@pytest.mark.django_db
def test_a_page_rendered_before_its_own_transaction_commits_is_not_stored(view):
    """Inside a transaction that changed data (a test's, or a view's), the page may show what a
    rollback takes back: it is rendered, never stored."""
    page = pagecache.public_page(view)
    f.EventFactory()
    page(anonymous_get())
    page(anonymous_get())
    assert view.calls == 2


def test_a_missing_data_version_starts_a_new_one():
    pagecache._pages_cache().delete(pagecache.VERSION_KEY)
    first = pagecache.data_version()
    assert pagecache.data_version() == first
    pagecache._pages_cache().delete(pagecache.VERSION_KEY)
    assert pagecache.data_version() != first


@pytest.mark.django_db
def test_etag_and_last_modified_come_from_the_version(view):
    page = pagecache.public_page(view)
    response = page(anonymous_get())
    version = pagecache.data_version()
    assert response["ETag"].startswith(f'"{version:x}-')
    state = pagecache.page_state(anonymous_get())
    assert response["Last-Modified"] == http_date(int(state.last_modified.timestamp()))


@pytest.mark.django_db
def test_a_job_record_a_notification_or_a_mail_leaves_the_pages_as_they_are():
    """The records of the platform's own work show on no public page: the job worker saving a
    run's progress, or a notification and its mail, must not empty the page cache."""
    from iisg.core.models import WorkbookRun
    from iisg.workplace.models import Notification

    user = f.UserFactory()
    connection = transaction.get_connection()
    connection.run_on_commit.clear()  # whatever creating the login registered
    run = WorkbookRun.objects.create(created_by=user, workbook="actions", source_name="actions.xlsx")
    run.status = "running"
    run.save()
    Notification.objects.create(recipient=user, step="comment", title="A reply")
    assert not [entry for entry in connection.run_on_commit if entry[1] is pagecache._bump]
    f.EventFactory()
    assert [entry for entry in connection.run_on_commit if entry[1] is pagecache._bump]
