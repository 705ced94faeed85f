"""The page "what changed since the Board adopted it" of a Board pack: for the report's readers,
listing per kind of row the rows added, removed and changed (old → new) since the pack was frozen."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from iisg.actions.choices import TransactionType
from iisg.actions.models import Transaction
from iisg.actions.services import save_row
from iisg.analysis.tests import world
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.governance.choices import MeetingBody
from iisg.needs.services import update_need
from iisg.reports.models import BoardPack, Report
from iisg.reports.services import publish_report, request_report
from iisg.reports.tasks import generate_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


@pytest.fixture
def secretariat():
    return f.UserFactory(roles=[Role.SECRETARIAT])


@pytest.fixture
def pack(w, secretariat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(user=secretariat, kind="analysis", fmt="xlsx", cycle=w["cycle"], year=2022)
    with django_capture_on_commit_callbacks(execute=True):
        assert generate_report.call(report.pk) == Report.Status.DONE
    report.refresh_from_db()
    decision = f.DecisionFactory(meeting=f.MeetingFactory(body=MeetingBody.BOARD))
    publish_report(user=secretariat, report=report, decision=decision)
    return BoardPack.objects.select_related("report").get(report=report)


def changes_url(pack):
    return reverse("reports:pack-changes", kwargs={"pk": pack.pk})


def test_a_member_reads_what_changed_since_the_board_adopted_the_report(w, secretariat, pack, client):
    validated = w["needs"]["N5"]
    update_need(
        user=secretariat, need=validated, changes={"title": "Radar for the green border"}, version=validated.version
    )
    added = save_row(
        user=secretariat,
        row=Transaction(
            action=w["actions"]["a3"],
            transaction_type=TransactionType.OUTGOING_COMMITMENT,
            date=datetime.date(2022, 9, 1),
            value=Decimal("75000.00"),
            currency="EUR",
            value_date=datetime.date(2022, 9, 1),
        ),
    )
    login(client, Role.MEMBER)

    page = client.get(changes_url(pack))

    assert page.status_code == 200
    assert page["Cache-Control"].startswith("private")
    kinds = {kind.name: kind for kind in page.context["kinds"]}
    assert set(kinds) == {"needs", "transactions"}
    assert [row.pk for row in kinds["needs"].changed] == [validated.pk]
    assert [row.pk for row in kinds["transactions"].added] == [added.pk]
    html = page.content.decode()
    assert "<del>" + validated.title + "</del> → <ins>Radar for the green border</ins>" in html
    assert str(added) in html
    assert pack.report.product_version.product.get_absolute_url() in html
    assert pack.sha256 in html


def test_an_unchanged_pack_says_nothing_changed(pack, client):
    login(client, Role.FOCAL_POINT)
    page = client.get(changes_url(pack))
    assert page.context["kinds"] == []
    assert "Nothing changed" in page.content.decode()


def test_the_public_is_sent_to_sign_in_and_a_login_without_a_role_refused(pack, client):
    anonymous = client.get(changes_url(pack))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    client.force_login(f.UserFactory())
    assert client.get(changes_url(pack)).status_code == 403


def test_a_damaged_pack_says_so_instead_of_listing_changes(pack, client):
    with pack.file.open("ab") as handle:
        handle.write(b"x")
    login(client, Role.MEMBER)
    page = client.get(changes_url(pack))
    assert page.status_code == 500
    assert "does not match its SHA-256" in page.content.decode()
    assert "Nothing changed" not in page.content.decode()
