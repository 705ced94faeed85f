"""Board packs: publishing a report freezes what it was built from, nobody can change the pack, and
the same report comes out of it after the data changed (DESIGN.md §7: Board packs are frozen)."""

import datetime
import hashlib
import io
import json
import sqlite3
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Action, Response, Transaction
from iisg.actions.services import save_row
from iisg.analysis import selectors
from iisg.core.choices import Role, Verb
from iisg.core.permissions import can
from iisg.governance.choices import MeetingBody
from iisg.governance.models import Decision, ProductVersion
from iisg.needs.choices import CycleKind, NeedStatus
from iisg.needs.models import Cycle, Need
from iisg.needs.services import update_need
from iisg.reports import content, packs
from iisg.reports.models import BoardPack, Report
from iisg.reports.services import publish_report, request_report
from iisg.reports.tasks import generate_report
from iisg.reports.writers import WRITERS
from iisg.website.tests.fixtures import demo_site  # noqa: F401

pytestmark = pytest.mark.django_db

YEAR = 2022


@pytest.fixture
def secretariat(demo_site):  # noqa: F811
    return User.objects.get(username="secretariat")


@pytest.fixture
def cycle(demo_site):  # noqa: F811
    return Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022)


def generated(capture, user, **arguments):
    with capture(execute=True):
        report = request_report(user=user, **arguments)
    with capture(execute=True):
        assert generate_report.call(report.pk) == Report.Status.DONE
    report.refresh_from_db()
    return report


def published(report, user):
    decision = Decision.objects.filter(meeting__body=MeetingBody.BOARD).order_by("pk").first()
    publish_report(user=user, report=report, decision=decision)
    return BoardPack.objects.get(report=report)


@pytest.fixture
def analysis_pack(secretariat, cycle, django_capture_on_commit_callbacks):
    report = generated(
        django_capture_on_commit_callbacks, secretariat, kind="analysis", fmt="xlsx", cycle=cycle, year=YEAR
    )
    return published(report, secretariat)


def stored_bytes(file):
    with file.open("rb") as handle:
        return handle.read()


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pack_database(pack, tmp_path):
    path = tmp_path / "pack.sqlite3"
    path.write_bytes(stored_bytes(pack.file))
    return sqlite3.connect(path)


def change_the_live_data(secretariat, cycle):
    """A need of the report's cycle edited, and a commitment added to an action answering one of its
    needs, both through their services: the report made from today's data differs."""
    need = (
        Need.objects.filter(cycle=cycle)
        .exclude(status=NeedStatus.ADOPTED)
        .filter(status__in=[NeedStatus.VALIDATED, NeedStatus.PROPOSED])
        .order_by("pk")
        .first()
    ) or Need.objects.exclude(status=NeedStatus.ADOPTED).order_by("pk").first()
    need = update_need(user=secretariat, need=need, changes={"title": "Changed after the Board"}, version=need.version)
    answered = Response.objects.filter(status=ResponseStatus.CONFIRMED, need__cycle=cycle).values("action")
    action = Action.objects.active_in(YEAR).filter(pk__in=answered).order_by("pk").first()
    transaction = save_row(
        user=secretariat,
        row=Transaction(
            action=action,
            transaction_type=2,
            date=datetime.date(YEAR, 5, 1),
            value=Decimal("250000.00"),
            currency="EUR",
            value_date=datetime.date(YEAR, 5, 1),
        ),
    )
    return need, transaction


def test_publishing_a_demo_report_freezes_a_pack_whose_sha256_matches_its_stored_file(
    analysis_pack, secretariat, tmp_path
):
    data = stored_bytes(analysis_pack.file)
    assert hashlib.sha256(data).hexdigest() == analysis_pack.sha256
    assert len(data) == analysis_pack.size
    assert analysis_pack.file.name.startswith("packs/2021-2022/")
    assert analysis_pack.file.name.endswith(".sqlite3")
    assert analysis_pack.tables["needs_need"] == Need.objects.count()
    assert analysis_pack.tables["actions_transaction"] == Transaction.objects.count()
    assert analysis_pack.format_version == packs.FORMAT_VERSION
    record = analysis_pack.history.get()
    assert record.history_user == secretariat
    assert record.history_change_reason.startswith("Published from the report generated on")

    db = pack_database(analysis_pack, tmp_path)
    (metadata,) = db.execute(f"SELECT metadata FROM {packs.META_TABLE}").fetchone()
    metadata = json.loads(metadata)
    assert metadata["report"]["kind"] == "analysis"
    assert metadata["report"]["sha256"] == analysis_pack.report.sha256
    assert metadata["viewer"]["roles"] == [Role.SECRETARIAT]
    assert metadata["tables"] == analysis_pack.tables
    # The rows of the report, and nothing personal: no login, contact person or history.
    assert db.execute("SELECT COUNT(*) FROM actions_exchangerate").fetchone()[0] > 0
    for table in ("auth_user", "directory_person", "needs_historicalneed", "django_session", "workplace_comment"):
        assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table
    assert db.execute("SELECT COUNT(*) FROM actions_response WHERE confirmed_by_id IS NOT NULL").fetchone() == (0,)
    # The state of the schema, so that later migrations apply to it.
    assert db.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'reports'").fetchone()[0] >= 4


def test_every_link_of_a_packed_row_leads_into_the_pack_or_may_be_left_empty():
    packed = packs.packed_models()
    dangling = [
        f"{model._meta.label}.{field.name}"
        for model in packed
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model not in packed and not field.null
    ]
    assert dangling == []


def test_nobody_changes_or_deletes_a_pack(analysis_pack, secretariat, client):
    member = User.objects.get(username="member")
    assert can(member, Verb.VIEW, analysis_pack)
    for user in (secretariat, member):
        assert not can(user, Verb.CHANGE, analysis_pack)
        assert not can(user, Verb.DELETE, analysis_pack)
    assert not can(None, Verb.VIEW, analysis_pack)

    client.force_login(secretariat)
    page = client.get(reverse("admin:reports_boardpack_change", args=[analysis_pack.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:reports_boardpack_add")).status_code == 403
    delete = reverse("admin:reports_boardpack_delete", args=[analysis_pack.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:reports_boardpack_change", args=[analysis_pack.pk]), {}).status_code == 403
    assert BoardPack.objects.filter(pk=analysis_pack.pk).exists()
    report_page = client.get(reverse("admin:reports_report_change", args=[analysis_pack.report.pk])).content.decode()
    assert f'<a href="{analysis_pack.get_absolute_url()}" id="report-pack">' in report_page


def test_the_pack_rebuilds_the_same_xlsx_and_pdf_text_after_the_live_data_changed(analysis_pack, secretariat, cycle):
    report = analysis_pack.report
    arguments = {"user": secretariat, "cycle": cycle, "year": YEAR, "now": report.started_at}
    pdf_then = pdf_text(WRITERS["pdf"](content.build("analysis", **arguments)))

    change_the_live_data(secretariat, cycle)
    assert WRITERS["xlsx"](content.build("analysis", **arguments)) != stored_bytes(report.file), "the data changed"

    assert packs.rebuild(analysis_pack, "xlsx") == stored_bytes(report.file)
    assert pdf_text(packs.rebuild(analysis_pack, "pdf")) == pdf_then


def test_what_changed_lists_exactly_the_changed_need_and_the_added_transaction(analysis_pack, secretariat, cycle):
    assert packs.changes(analysis_pack) == []
    need, transaction = change_the_live_data(secretariat, cycle)

    kinds = {kind.name: kind for kind in packs.changes(analysis_pack)}

    assert set(kinds) == {"needs", "transactions"}
    (changed,) = kinds["needs"].changed
    assert (changed.pk, kinds["needs"].added, kinds["needs"].removed) == (need.pk, [], [])
    assert [(c.name, c.new) for c in changed.fields] == [("title", "Changed after the Board")]
    assert [row.pk for row in kinds["transactions"].added] == [transaction.pk]
    assert (kinds["transactions"].changed, kinds["transactions"].removed) == ([], [])


def test_a_pack_whose_file_was_changed_is_refused(analysis_pack):
    with analysis_pack.file.open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(packs.PackDamaged, match="does not match its SHA-256"):
        packs.rebuild(analysis_pack, "xlsx")


def test_a_pack_that_fails_leaves_nothing_published(
    secretariat, cycle, django_capture_on_commit_callbacks, monkeypatch, settings
):
    report = generated(django_capture_on_commit_callbacks, secretariat, kind="response", fmt="xlsx", year=YEAR)
    files_before = sorted(p for p in settings.DOCUMENTS_ROOT.rglob("*") if p.is_file())

    def fail(path, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(packs, "write_pack", fail)
    versions = ProductVersion.objects.count()
    with pytest.raises(OSError, match="disk full"):
        published(report, secretariat)

    report.refresh_from_db()
    assert report.product_version is None
    assert not BoardPack.objects.exists()
    assert ProductVersion.objects.count() == versions
    assert sorted(p for p in settings.DOCUMENTS_ROOT.rglob("*") if p.is_file()) == files_before


def test_the_command_rebuilds_a_report_from_its_pack(analysis_pack, tmp_path):
    output = tmp_path / "again.xlsx"
    out = io.StringIO()
    call_command("rebuild_report", str(analysis_pack.pk), format="xlsx", output=str(output), stdout=out)
    assert output.read_bytes() == stored_bytes(analysis_pack.report.file)
    assert str(output) in out.getvalue()


def test_a_pack_made_under_an_older_schema_is_migrated_before_it_is_read(analysis_pack, secretariat, cycle, tmp_path):
    """Years later the schema will have moved: a pack without the latest migration of an app gets it
    when opened, and still rebuilds the same report."""
    path = tmp_path / "older.sqlite3"
    path.write_bytes(stored_bytes(analysis_pack.file))
    db = sqlite3.connect(path)
    db.execute("DROP TABLE reports_historicalboardpack")
    db.execute("DROP TABLE reports_boardpack")
    db.execute("DELETE FROM django_migrations WHERE app = 'reports' AND name = '0004_board_pack'")
    db.commit()
    db.close()
    with path.open("rb") as handle:
        analysis_pack.file.save("older.sqlite3", handle, save=False)
    analysis_pack.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()

    with packs.opened(analysis_pack) as (alias, _metadata):
        assert BoardPack.objects.using(alias).count() == 0
        assert packs.build_document(alias, _metadata).name == f"iisg-analysis-2021-2022-{YEAR}"
    assert packs.rebuild(analysis_pack, "xlsx") == stored_bytes(analysis_pack.report.file)


def test_the_rebuild_neither_reads_nor_writes_the_shared_cache(analysis_pack, secretariat, cycle, monkeypatch):
    shared, asked = caches[DEFAULT_CACHE_ALIAS], []
    for name in ("get", "set", "get_many", "set_many", "add"):
        monkeypatch.setattr(shared, name, lambda *args, name=name, **kwargs: asked.append(name))

    packs.rebuild(analysis_pack, "xlsx")
    assert asked == []
    selectors.support_mapping(secretariat, selectors.Scope(cycle=cycle, year=YEAR))
    assert asked, "the live support mapping does use the shared cache"
