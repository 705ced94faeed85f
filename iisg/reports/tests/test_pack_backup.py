"""A Board pack is in every backup: its file lives in the document storage, which the backup
artefact carries (iisg.core.backup), and a restore brings it back whole, still rebuilding the report."""

import hashlib

import pytest

from iisg.analysis.tests import world
from iisg.core import backup
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_backup import needs_pg_tools
from iisg.governance.choices import MeetingBody
from iisg.reports import packs
from iisg.reports.models import BoardPack, Report
from iisg.reports.services import publish_report, request_report
from iisg.reports.tasks import generate_report

# pg_dump reads what is committed: the data of these tests must be.
pytestmark = [pytest.mark.django_db(transaction=True), needs_pg_tools]


@pytest.fixture(autouse=True)
def _var_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_a_pack_survives_a_backup_and_a_restore(settings, tmp_path):
    w = world.build()
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    report = request_report(user=secretariat, kind="analysis", fmt="xlsx", cycle=w["cycle"], year=2022)
    assert generate_report.call(report.pk) == Report.Status.DONE
    report.refresh_from_db()
    publish_report(
        user=secretariat, report=report, decision=f.DecisionFactory(meeting=f.MeetingFactory(body=MeetingBody.BOARD))
    )
    pack = BoardPack.objects.get()
    stored = settings.DOCUMENTS_ROOT / pack.file.name
    frozen = stored.read_bytes()

    made = backup.create_backup(output=tmp_path / "platform.tar.gz")
    assert made.manifest["tables"][BoardPack._meta.db_table] == 1
    stored.unlink()
    BoardPack.objects.all().delete()

    backup.restore_backup(path=made.path)

    pack = BoardPack.objects.get()
    assert stored.read_bytes() == frozen
    assert hashlib.sha256(frozen).hexdigest() == pack.sha256
    with report.file.open("rb") as handle:
        assert packs.rebuild(pack, "xlsx") == handle.read()
