"""The progress of a needs cycle: partner × pillar counted by status, as each role may see it, on
its back-office page and as XLSX, in a fixed number of queries."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.needs import selectors
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus

pytestmark = pytest.mark.django_db

STATUSES = list(NeedStatus.values)


@pytest.fixture
def world(cycle, albania, serbia):
    """Albania: in WBBSi 2 drafts, 1 submitted, 1 validated; in WBCTi 1 returned. Serbia: 1 rejected
    and 1 adopted in WBBSi. Kosovo*: nothing. Another cycle has needs that must not count."""
    wbbsi, wbcti = f.PillarFactory(code="wbbsi"), f.PillarFactory(code="wbcti")
    kosovo = f.PartnerFactory(code="XK")
    for status in (NeedStatus.DRAFT, NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.VALIDATED):
        f.NeedFactory(cycle=cycle, partner=albania, pillar=wbbsi, status=status)
    f.NeedFactory(cycle=cycle, partner=albania, pillar=wbcti, status=NeedStatus.RETURNED)
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=wbbsi, status=NeedStatus.REJECTED, review_comment="Dup.")
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=wbbsi, status=NeedStatus.ADOPTED)
    other = f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.ADOPTED)
    f.NeedFactory(cycle=other, partner=kosovo, pillar=wbbsi, status=NeedStatus.ADOPTED)
    return {"albania": albania, "serbia": serbia, "kosovo": kosovo, "wbbsi": wbbsi, "wbcti": wbcti}


def counts(progress):
    return {
        (row.partner.code, row.pillar.code): {status: n for status, n in row.counts.items() if n}
        for row in progress.rows
    }


def test_secretariat_counts_every_need_of_the_cycle_by_partner_pillar_and_status(secretariat, cycle, world):
    progress = selectors.cycle_progress(cycle, user=secretariat)

    assert counts(progress)[("AL", "wbbsi")] == {"draft": 2, "submitted": 1, "validated": 1}
    assert counts(progress)[("AL", "wbcti")] == {"returned": 1}
    assert counts(progress)[("RS", "wbbsi")] == {"rejected": 1, "adopted": 1}
    assert counts(progress)[("XK", "wbbsi")] == {}
    assert len(progress.rows) == 3 * 2
    assert progress.total == 7
    assert progress.totals == [2, 1, 1, 1, 0, 1, 1]
    assert {(row.partner.code, row.pillar.code) for row in progress.not_started} == {
        ("RS", "wbcti"),
        ("XK", "wbbsi"),
        ("XK", "wbcti"),
    }


def test_members_count_only_what_they_may_see(member, cycle, world):
    progress = selectors.cycle_progress(cycle, user=member)

    # Drafts and returned needs stay with their partner: to a member Albania's WBCTi is not started.
    assert counts(progress)[("AL", "wbbsi")] == {"submitted": 1, "validated": 1}
    assert counts(progress)[("AL", "wbcti")] == {}
    assert counts(progress)[("RS", "wbbsi")] == {"rejected": 1, "adopted": 1}
    assert progress.total == 4


def test_donors_do_not_count_rejected_needs(cycle, world):
    donor = f.user_with(Role.DONOR, organisation=f.OrganisationFactory())

    progress = selectors.cycle_progress(cycle, user=donor)

    assert counts(progress)[("RS", "wbbsi")] == {"adopted": 1}


def test_a_focal_point_gets_only_the_rows_of_their_partner_with_their_drafts(cycle, world, albania):
    focal_point = f.user_with(Role.FOCAL_POINT, partner=albania)

    progress = selectors.cycle_progress(cycle, user=focal_point)

    assert {row.partner for row in progress.rows} == {albania}
    assert counts(progress)[("AL", "wbbsi")] == {"draft": 2, "submitted": 1, "validated": 1}
    assert counts(progress)[("AL", "wbcti")] == {"returned": 1}
    assert progress.total == 5


def test_someone_without_a_role_gets_no_row(cycle, world):
    assert selectors.cycle_progress(cycle, user=f.UserFactory()).rows == []


def test_progress_is_counted_in_three_queries_however_many_needs(secretariat, cycle, world, django_assert_num_queries):
    selectors.cycle_progress(cycle, user=secretariat)  # reads the viewer's roles once
    with django_assert_num_queries(3):
        selectors.cycle_progress(cycle, user=secretariat)
    for code in ("BA", "ME", "MK"):
        f.NeedFactory(cycle=cycle, partner=f.PartnerFactory(code=code), pillar=world["wbbsi"])
    f.PillarFactory(code="wbcsci")
    with django_assert_num_queries(3):
        progress = selectors.cycle_progress(cycle, user=secretariat)
    assert len(progress.rows) == 6 * 3


def test_the_deadlines_say_how_many_days_are_left(cycle):
    cycle.closes_on, cycle.review_closes_on = datetime.date(2025, 3, 31), datetime.date(2025, 4, 30)
    progress = selectors.Progress(cycle=cycle, rows=[], today=datetime.date(2025, 4, 3))

    assert progress.submission_deadline.days_left == -3
    assert progress.submission_deadline.days_passed == 3
    assert progress.review_deadline.days_left == 27
    assert progress.review_deadline.days_passed is None
    assert selectors.days_left(None) is None


# The page


def progress_url(cycle):
    return reverse("admin:needs_cycle_progress", args=[cycle.pk])


def test_secretariat_reads_the_progress_page_with_the_deadlines_and_the_footnote(client, cycle, world):
    cycle.closes_on = datetime.date.today() + datetime.timedelta(days=5)
    cycle.save()
    login(client, Role.SECRETARIAT)

    response = client.get(progress_url(cycle))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kosovo*" in page
    assert str(KOSOVO_FOOTNOTE)[:40] in page
    assert "5 days left" in page
    assert "Not started" in page
    assert "?format=xlsx" in page
    assert len(response.context["progress"].rows) == 6


def test_the_progress_page_is_linked_from_the_cycle_page_and_list(client, cycle):
    login(client, Role.SECRETARIAT)

    assert progress_url(cycle) in client.get(reverse("admin:needs_cycle_change", args=[cycle.pk])).content.decode()
    assert progress_url(cycle) in client.get(reverse("admin:needs_cycle_changelist")).content.decode()


def test_a_focal_point_sees_only_their_partner_on_the_page(client, cycle, world, albania):
    login(client, Role.FOCAL_POINT, partner=albania)

    response = client.get(progress_url(cycle))

    assert response.status_code == 200
    assert {row.partner for row in response.context["progress"].rows} == {albania}
    assert "Serbia" not in response.content.decode()


def test_someone_without_a_role_is_refused_the_progress_page(client, cycle):
    client.force_login(f.UserFactory())

    assert client.get(progress_url(cycle)).status_code in (403, 404)
    assert client.get(progress_url(cycle) + "?format=xlsx").status_code in (403, 404)


def test_a_response_mapping_has_no_needs_progress_page(client):
    login(client, Role.SECRETARIAT)
    response_cycle = f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2025, last_year=2025)

    assert client.get(progress_url(response_cycle)).status_code == 404


def test_the_progress_downloads_as_xlsx_with_the_same_counts_and_totals(client, cycle, world):
    cycle.closes_on = datetime.date(2025, 3, 31)
    cycle.save()
    login(client, Role.SECRETARIAT)

    response = client.get(progress_url(cycle) + "?format=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="progress-2025-2026.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Partner", "Pillar")
    assert rows[0][2:9] == tuple(label for value, label in NeedStatus.choices)
    by_scope = {(row[0], row[1]): row for row in rows[1:-1]}
    assert by_scope[("Albania", "WBBSi")][2:10] == (2, 1, 0, 1, 0, 0, 0, 4)
    assert by_scope[("Kosovo*", "WBCTi")][-1] == "yes"
    assert rows[-1] == ("Total", None, 2, 1, 1, 1, 0, 1, 1, 7, 3)
    notes = [row[0] for row in workbook["Notes"].iter_rows(values_only=True)]
    assert "Submission deadline: 2025-03-31" in notes
    assert str(KOSOVO_FOOTNOTE) in notes


def test_a_focal_points_xlsx_holds_only_their_rows(client, cycle, world, albania):
    login(client, Role.FOCAL_POINT, partner=albania)

    response = client.get(progress_url(cycle) + "?format=xlsx")

    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert {row[0] for row in rows[1:-1]} == {"Albania"}
    assert rows[-1][9] == 5


def test_the_page_makes_as_many_queries_with_more_partners_and_needs(
    client, cycle, world, django_assert_max_num_queries
):
    login(client, Role.SECRETARIAT)
    client.get(progress_url(cycle))
    with CaptureQueriesContext(connection) as before:
        client.get(progress_url(cycle))
    for code in ("BA", "ME", "MK"):
        partner = f.PartnerFactory(code=code)
        for _ in range(3):
            f.NeedFactory(cycle=cycle, partner=partner, pillar=world["wbcti"])
    with django_assert_max_num_queries(len(before)):
        client.get(progress_url(cycle))
