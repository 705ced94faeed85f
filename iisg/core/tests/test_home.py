"""The back office's home, "My tasks": what waits for each role, with counts, deadlines and links to
the filtered lists, then the role's menu; and what the role usually does when nothing waits."""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from iisg.analysis.models import MatcherRun
from iisg.core.choices import Role
from iisg.core.permissions import viewer_of
from iisg.core.worklist import Task, deadline, register, tasks_for
from iisg.iati.models import ImportRun
from iisg.needs import worklist as needs_worklist
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
from iisg.reports.models import Report

from . import factories as f
from .test_admin import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def serbia():
    return f.PartnerFactory(code="RS")


@pytest.fixture
def open_cycle():
    today = timezone.localdate()
    return f.CycleFactory(
        first_year=2025,
        last_year=2026,
        status=CycleStatus.OPEN,
        closes_on=today + timedelta(days=12),
        review_closes_on=today + timedelta(days=40),
    )


def by_title(tasks):
    return {task.title: task for task in tasks}


def home(client):
    return client.get(reverse("admin:index"))


def rows_behind(client, task):
    """The rows of the list a task links to, after checking the list took the filter as given."""
    response = client.get(task.url)
    assert response.status_code == 200, task.url
    return set(response.context["cl"].result_list)


# Deadlines as people say them


def test_a_deadline_says_the_date_and_how_far_it_is():
    today = datetime.date(2027, 1, 3)
    assert deadline(datetime.date(2027, 1, 15), today=today) == "15 January 2027, in 12 days"
    assert deadline(datetime.date(2027, 1, 4), today=today) == "4 January 2027, in 1 day"
    assert deadline(today, today=today) == "3 January 2027, today"
    assert deadline(datetime.date(2027, 1, 1), today=today) == "1 January 2027, 2 days ago"


# Focal points


def test_focal_point_is_asked_to_fix_returned_needs_and_submit_drafts_with_the_deadline(client, serbia, open_cycle):
    user = login(client, Role.FOCAL_POINT, partner=serbia)
    returned = f.NeedFactory.create_batch(2, cycle=open_cycle, partner=serbia, status=NeedStatus.RETURNED)
    draft = f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.DRAFT)
    f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.SUBMITTED)

    tasks = by_title(tasks_for(user))
    assert set(tasks) == {"Returned needs to fix", "Draft needs to submit"}
    fix, submit = tasks["Returned needs to fix"], tasks["Draft needs to submit"]
    assert (fix.count, submit.count) == (2, 1)
    due = deadline(open_cycle.closes_on)
    assert fix.detail == f"Needs mapping 2025–2026: due {due}"
    assert due.endswith("in 12 days")
    assert rows_behind(client, fix) == set(returned)
    assert rows_behind(client, submit) == {draft}
    assert [task.title for task in tasks_for(user)] == ["Returned needs to fix", "Draft needs to submit"]


def test_focal_point_counts_only_its_partners_needs_in_open_needs_mappings(client, serbia, open_cycle):
    user = login(client, Role.FOCAL_POINT, partner=serbia)
    f.NeedFactory(cycle=open_cycle, partner=f.PartnerFactory(code="AL"), status=NeedStatus.RETURNED)
    in_review = f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.IN_REVIEW)
    f.NeedFactory(cycle=in_review, partner=serbia, status=NeedStatus.RETURNED)
    f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.RETURNED)

    (task,) = tasks_for(user)
    assert task.count == 1
    assert "2025–2026" in task.detail


def test_a_cycle_without_a_deadline_is_named_alone(serbia):
    cycle = f.CycleFactory(first_year=2027, last_year=2028, status=CycleStatus.OPEN)
    f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)
    user = f.user_with(Role.FOCAL_POINT, partner=serbia)
    (task,) = tasks_for(user)
    assert task.detail == "Needs mapping 2027–2028"


def test_focal_point_home_shows_its_tasks_first_then_its_menu(client, serbia, open_cycle):
    login(client, Role.FOCAL_POINT, partner=serbia)
    f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.RETURNED)
    page = home(client).content.decode()
    assert "What waits for you" in page
    tasks_at, menu_at = page.index('id="my-tasks"'), page.index('class="app-needs module')
    assert tasks_at < menu_at
    assert "Returned needs to fix" in page
    assert "status__exact=returned" in page
    assert "Nothing waits for you." not in page
    assert "Submitted needs to review" not in page


# The Secretariat


def test_secretariat_is_asked_to_review_submitted_needs_and_propose_validated_ones(client, open_cycle):
    user = login(client, Role.SECRETARIAT)
    submitted = f.NeedFactory.create_batch(3, cycle=open_cycle, status=NeedStatus.SUBMITTED)
    validated = f.NeedFactory(cycle=open_cycle, status=NeedStatus.VALIDATED)
    f.NeedFactory(cycle=open_cycle, status=NeedStatus.DRAFT)
    adopted = f.CycleFactory(first_year=2019, last_year=2020, status=CycleStatus.ADOPTED)
    f.NeedFactory(cycle=adopted, status=NeedStatus.ADOPTED)

    tasks = by_title(tasks_for(user))
    assert set(tasks) == {"Submitted needs to review", "Validated needs to propose to the Support Group"}
    review = tasks["Submitted needs to review"]
    assert review.count == 3
    assert review.detail == f"Needs mapping 2025–2026: review due {deadline(open_cycle.review_closes_on)}"
    assert rows_behind(client, review) == set(submitted)
    assert rows_behind(client, tasks["Validated needs to propose to the Support Group"]) == {validated}


def test_secretariat_is_warned_of_a_review_deadline_near_or_past(client, open_cycle):
    user = login(client, Role.SECRETARIAT)
    today = timezone.localdate()
    late = f.CycleFactory(
        first_year=2023, last_year=2024, status=CycleStatus.IN_REVIEW, review_closes_on=today - timedelta(days=2)
    )
    f.CycleFactory(
        first_year=2021, last_year=2022, status=CycleStatus.ADOPTED, review_closes_on=today - timedelta(days=300)
    )

    first = tasks_for(user)[0]
    assert first.title == "Needs mappings whose review deadline is near or past"
    assert first.count == 1
    assert first.detail.endswith("2 days ago")
    assert first.url == reverse("admin:needs_cycle_change", args=[late.pk])
    assert client.get(first.url).status_code == 200

    open_cycle.closes_on = today + timedelta(days=1)
    open_cycle.review_closes_on = today + timedelta(days=3)
    open_cycle.save()
    (warning,) = [task for task in tasks_for(user) if task.title == first.title]
    assert warning.count == 2
    assert "in 3 days" in warning.detail
    assert rows_behind(client, warning) >= {late, open_cycle}


def test_a_review_deadline_far_ahead_is_no_task(open_cycle):
    assert tasks_for(f.user_with(Role.SECRETARIAT)) == []


def test_response_mappings_set_no_needs_tasks(serbia):
    cycle = f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2026, last_year=2026, status=CycleStatus.OPEN)
    f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.SUBMITTED)
    assert tasks_for(f.user_with(Role.SECRETARIAT)) == []


def test_each_needs_finder_counts_with_one_query(django_assert_num_queries, serbia, open_cycle):
    f.NeedFactory.create_batch(3, cycle=open_cycle, partner=serbia, status=NeedStatus.RETURNED)
    f.NeedFactory.create_batch(3, cycle=open_cycle, status=NeedStatus.SUBMITTED)
    focal_point, secretariat = f.user_with(Role.FOCAL_POINT, partner=serbia), f.user_with(Role.SECRETARIAT)
    focal_viewer, secretariat_viewer = viewer_of(focal_point), viewer_of(secretariat)
    with django_assert_num_queries(1):
        assert needs_worklist.focal_point_tasks(focal_point, focal_viewer)
    with django_assert_num_queries(1):
        assert needs_worklist.secretariat_tasks(secretariat, secretariat_viewer)


# Refusals: a role finds only its own tasks


@pytest.mark.parametrize("role", [Role.MEMBER, Role.DONOR, Role.IMPLEMENTER])
def test_other_roles_find_no_needs_tasks(role, serbia, open_cycle):
    f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.RETURNED)
    f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.SUBMITTED)
    assert tasks_for(f.user_with(role, partner=serbia, organisation=f.OrganisationFactory())) == []


def test_focal_point_finds_no_review_tasks(serbia, open_cycle):
    f.NeedFactory(cycle=open_cycle, partner=serbia, status=NeedStatus.SUBMITTED)
    assert tasks_for(f.user_with(Role.FOCAL_POINT, partner=serbia)) == []


def test_a_focal_point_without_a_partner_finds_nothing(open_cycle):
    f.NeedFactory(cycle=open_cycle, status=NeedStatus.RETURNED)
    assert tasks_for(f.user_with(Role.FOCAL_POINT)) == []


def test_a_visitor_has_no_tasks():
    from django.contrib.auth.models import AnonymousUser

    assert tasks_for(AnonymousUser()) == []


# Runs finished


def test_runs_the_user_started_are_listed_when_they_ended_in_the_last_week(client, open_cycle):
    user = login(client, Role.SECRETARIAT)
    other = f.user_with(Role.SECRETARIAT)
    now = timezone.now()
    done = MatcherRun.objects.create(cycle=open_cycle, created_by=user, status="done", finished_at=now)
    MatcherRun.objects.create(cycle=open_cycle, created_by=user, status="done", finished_at=now - timedelta(days=8))
    MatcherRun.objects.create(cycle=open_cycle, created_by=user, status="running")
    MatcherRun.objects.create(cycle=open_cycle, created_by=other, status="done", finished_at=now)
    ImportRun.objects.create(created_by=user, source_name="a.xml", status="done", finished_at=now)
    ImportRun.objects.create(created_by=user, source_name="b.xml", status="refused", finished_at=now)
    Report.objects.create(kind="needs", requested_by=user, status="failed", finished_at=now)

    tasks = by_title(tasks_for(user))
    matcher = tasks["Matcher runs finished in the last 7 days"]
    assert (matcher.count, matcher.detail) == (1, "Done: 1")
    assert matcher.url == reverse("admin:analysis_matcherrun_change", args=[done.pk])
    assert client.get(matcher.url).status_code == 200

    imports = tasks["IATI imports finished in the last 7 days"]
    assert (imports.count, imports.detail) == (2, "Done: 1, Refused: 1")
    assert {run.source_name for run in rows_behind(client, imports)} == {"a.xml", "b.xml"}

    reports = tasks["Reports finished in the last 7 days"]
    assert (reports.count, reports.detail) == (1, "Failed: 1")


def test_a_focal_point_finds_its_big_workbook_once_the_worker_checked_it(client, serbia):
    from iisg.core.models import WorkbookRun

    user = login(client, Role.FOCAL_POINT, partner=serbia)
    run = WorkbookRun.objects.create(
        created_by=user, workbook="needs", source_name="needs.xlsx", status="done", finished_at=timezone.now()
    )
    WorkbookRun.objects.create(created_by=user, workbook="needs", source_name="later.xlsx", status="queued")
    (task,) = [task for task in tasks_for(user) if task.title == "Workbook uploads finished in the last 7 days"]
    assert (task.count, task.detail) == (1, "Done: 1")
    assert task.url == reverse("admin:core_workbookrun_change", args=[run.pk])
    assert client.get(task.url).status_code == 200


def test_the_list_of_several_runs_shows_only_the_users_own(client, open_cycle):
    user = login(client, Role.SECRETARIAT)
    now = timezone.now()
    own = MatcherRun.objects.bulk_create(
        [MatcherRun(cycle=open_cycle, created_by=user, status="done", finished_at=now) for _ in range(2)]
    )
    MatcherRun.objects.create(
        cycle=open_cycle, created_by=f.user_with(Role.SECRETARIAT), status="done", finished_at=now
    )
    (task,) = [task for task in tasks_for(user) if task.title.startswith("Matcher")]
    assert task.count == 2
    assert rows_behind(client, task) == set(own)


def test_each_run_finder_counts_with_one_query(django_assert_num_queries, open_cycle):
    from iisg.analysis.worklist import matcher_run_tasks
    from iisg.iati.worklist import import_run_tasks
    from iisg.reports.worklist import report_tasks

    user = f.user_with(Role.SECRETARIAT)
    viewer = viewer_of(user)
    now = timezone.now()
    MatcherRun.objects.create(cycle=open_cycle, created_by=user, status="done", finished_at=now)
    ImportRun.objects.create(created_by=user, source_name="a.xml", status="done", finished_at=now)
    Report.objects.create(kind="needs", requested_by=user, status="done", finished_at=now)
    for finder in (matcher_run_tasks, import_run_tasks, report_tasks):
        with django_assert_num_queries(1):
            assert finder(user, viewer)


def test_runs_a_user_may_no_longer_see_are_not_listed(open_cycle):
    former = f.user_with(Role.MEMBER)
    MatcherRun.objects.create(cycle=open_cycle, created_by=former, status="done", finished_at=timezone.now())
    assert tasks_for(former) == []


def test_a_member_finds_the_report_it_asked_for(client):
    user = login(client, Role.MEMBER)
    report = Report.objects.create(kind="needs", requested_by=user, status="done", finished_at=timezone.now())
    (task,) = tasks_for(user)
    assert task.url == reverse("admin:reports_report_change", args=[report.pk])
    assert client.get(task.url).status_code == 200


# The home when nothing waits


@pytest.mark.parametrize(
    ("role", "sentence"),
    [
        (Role.MEMBER, "read the needs, the actions and the analysis"),
        (Role.DONOR, "keep your organisation&#x27;s actions up to date"),
        (Role.IMPLEMENTER, "keep the actions you carry out up to date"),
        (Role.FOCAL_POINT, "enter your partner&#x27;s needs"),
        (Role.SECRETARIAT, "reviews the needs the partners submit"),
    ],
)
def test_an_empty_home_says_nothing_waits_and_what_the_role_usually_does(client, role, sentence):
    login(client, role, partner=f.PartnerFactory(code="RS"), organisation=f.OrganisationFactory())
    page = home(client).content.decode()
    assert "Nothing waits for you." in page
    assert sentence in page


def test_tasks_come_most_pressing_first_and_empty_ones_are_dropped(monkeypatch):
    from iisg.core import worklist

    monkeypatch.setattr(worklist, "FINDERS", [])
    register(lambda user, viewer: [Task("Read", 1, "/r/", order=80), Task("Nothing", 0, "/n/", order=1)])
    register(lambda user, viewer: [Task("Review", 2, "/v/", order=10)])
    assert [task.title for task in tasks_for(f.user_with(Role.MEMBER))] == ["Review", "Read"]


def test_a_finder_registered_twice_is_asked_once(monkeypatch):
    from iisg.core import worklist

    monkeypatch.setattr(worklist, "FINDERS", [])

    def finder(user, viewer):
        return [Task("Review", 1, "/v/")]

    register(finder)
    register(finder)
    assert len(tasks_for(f.user_with(Role.MEMBER))) == 1
