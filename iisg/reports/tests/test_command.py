"""`manage.py report`: a report written to a file from the command line, with a user's rights."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from iisg.analysis.tests import world
from iisg.core.choices import Role
from iisg.core.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


@pytest.fixture
def member():
    return f.UserFactory(roles=[Role.MEMBER], username="board-member")


def run(*arguments):
    out = io.StringIO()
    call_command("report", *arguments, stdout=out)
    return out.getvalue()


def test_the_command_writes_each_report_in_each_format(w, member, tmp_path):
    for kind, scope in (("needs", ["--cycle", "2021-2022"]), ("response", ["--year", "2022"])):
        for fmt in ("pdf", "xlsx", "docx"):
            path = tmp_path / f"{kind}.{fmt}"
            said = run(kind, *scope, "--format", fmt, "--user", "board-member", "--output", str(path))
            assert str(path) in said
            assert path.stat().st_size > 0
    assert "Needs mapping report" in PdfReader(str(tmp_path / "needs.pdf")).pages[0].extract_text()
    assert load_workbook(tmp_path / "response.xlsx").sheetnames[0] == "Report"


def test_a_needs_report_of_one_pillar_and_no_pillar_for_other_reports(w, member, tmp_path):
    path = tmp_path / "needs.xlsx"
    one_pillar = ["--cycle", "2021-2022", "--pillar", "WBBSi", "--format", "xlsx"]
    run("needs", *one_pillar, "--user", "board-member", "--output", str(path))
    annex = load_workbook(path).worksheets[-1]
    rows = [row for row in annex.iter_rows(min_row=2, values_only=True) if row[1]]  # the notes have no partner
    assert rows
    assert {row[2] for row in rows} == {"WBBSi"}
    with pytest.raises(CommandError, match="--pillar is for the needs report only"):
        run("analysis", "--cycle", "2021-2022", "--pillar", "wbbsi", "--user", "board-member")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["needs", "--user", "board-member"], "The needs report needs --cycle"),
        (["response", "--user", "board-member"], "The response report needs --year"),
        (["needs", "--cycle", "2019-2020", "--user", "board-member"], "No needs-mapping cycle 2019-2020"),
        (["needs", "--cycle", "2021-2022", "--pillar", "nope", "--user", "board-member"], "No pillar nope"),
        (["needs", "--cycle", "2021-2022", "--user", "nobody"], "No active user 'nobody'"),
    ],
)
def test_the_command_says_what_is_missing(w, member, arguments, message):
    with pytest.raises(CommandError, match=message):
        run(*arguments)


def test_a_user_without_a_role_gets_no_report(w, tmp_path):
    f.UserFactory(username="outsider")
    with pytest.raises(CommandError, match="for members of the IISG"):
        run("needs", "--cycle", "2021-2022", "--user", "outsider", "--output", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
