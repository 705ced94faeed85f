"""The copies of the test database the suite puts back instead of loading the demo again."""

import pytest
from django.contrib.auth.models import Group, User

from iisg.core.tests.snapshots import take_snapshot
from iisg.needs.models import Need

# Put back outside any transaction, as a browser test does (SQLite's backup API needs it).
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_snapshot_put_back_undoes_rows_added_changed_and_deleted_after_it_was_taken():
    kept = Group.objects.create(name="Kept")
    renamed = Group.objects.create(name="Renamed later")
    deleted = Group.objects.create(name="Deleted later").pk
    snapshot = take_snapshot("test_undo")

    Group.objects.create(name="Added later")
    Group.objects.filter(pk=renamed.pk).update(name="Other name")
    Group.objects.filter(pk=deleted).delete()
    snapshot.restore()

    assert set(Group.objects.values_list("pk", "name")) >= {
        (kept.pk, "Kept"),
        (renamed.pk, "Renamed later"),
        (deleted, "Deleted later"),
    }
    assert not Group.objects.filter(name__in=["Added later", "Other name"]).exists()


def test_a_row_added_after_a_snapshot_is_put_back_takes_a_new_id_when_the_copy_had_rows():
    first = Group.objects.create(name="First")
    snapshot = take_snapshot("test_ids")
    Group.objects.create(name="Thrown away")
    snapshot.restore()

    added = Group.objects.create(name="Added after")

    assert added.pk > first.pk
    assert Group.objects.filter(pk=first.pk, name="First").exists()


def test_the_demo_put_back_is_whole_again_when_a_test_before_changed_it(demo_database):
    summary = demo_database.restore()
    titles = set(Need.objects.values_list("pk", "title"))
    logins = User.objects.count()
    Need.objects.update(title="Changed by a test")
    User.objects.filter(username="member").update(username="renamed")

    again = demo_database.restore()

    assert set(Need.objects.values_list("pk", "title")) == titles
    assert len(titles) > 100
    assert User.objects.count() == logins
    assert User.objects.filter(username="member").exists()
    assert [login.username for login, _ in again.logins] == [login.username for login, _ in summary.logins]
