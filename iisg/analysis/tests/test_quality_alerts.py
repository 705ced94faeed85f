"""The data-quality alerts: stored by the job, read per role, silenced by the Secretariat with a reason,
shown on the "Data quality" page and counted on the back office's home."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from iisg.actions.choices import OrganisationRole
from iisg.analysis.alerts import alert_counts, alerts_for, silence_alert, store_alerts, unsilence_alert
from iisg.analysis.models import Alert, SilencedAlert
from iisg.analysis.tasks import check_data_quality_job
from iisg.core.choices import Role
from iisg.core.errors import CommentRequired, InvalidTransition, NotAllowed
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.core.worklist import tasks_for
from iisg.needs.choices import CycleStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 30)
ENDED = {"planned_start": datetime.date(2021, 1, 1), "planned_end": datetime.date(2025, 12, 31)}


@pytest.fixture
def world():
    """Two actions ended but still in implementation (Austria's and UNODC's) and a need of Albania
    carried over unchanged twice; a donor, a focal point, a member and the Secretariat."""
    albania, serbia, borders = f.PartnerFactory(code="AL"), f.PartnerFactory(code="RS"), f.PillarFactory()
    austria, unodc = f.OrganisationFactory(acronym="AT MoI"), f.OrganisationFactory(acronym="UNODC")
    actions = {}
    for name, donor in (("austria", austria), ("unodc", unodc)):
        action = f.ActionFactory(title=f"Ended action of {name}", **ENDED)
        action.partners.set([albania])
        action.pillars.set([borders])
        f.ActionOrganisationFactory(action=action, organisation=donor, role=OrganisationRole.FUNDING)
        actions[name] = action
    needs = {}
    for partner in (albania, serbia):
        before = None
        for year in (2019, 2021, 2023):
            cycle = f.CycleFactory(first_year=year, last_year=year + 1, status=CycleStatus.OPEN)
            before = f.NeedFactory(
                cycle=cycle, partner=partner, pillar=borders, title="Thermal cameras", carried_over_from=before
            )
        needs[partner.code] = before
    users = {
        "secretariat": f.UserFactory(roles=[Role.SECRETARIAT]),
        "donor": f.user_with(Role.DONOR, organisation=austria),
        "focal_point": f.user_with(Role.FOCAL_POINT, partner=albania),
        "member": f.UserFactory(roles=[Role.MEMBER]),
    }
    store_alerts(today=TODAY)
    return {"actions": actions, "needs": needs, "users": users}


def shown(user):
    return {(group.key, alert.label) for group in alerts_for(user) for alert in group.alerts}


def test_storing_replaces_the_alerts_of_the_last_run(world):
    assert Alert.objects.count() == 4
    world["actions"]["unodc"].status = 4  # closed: fixed
    world["actions"]["unodc"].save()

    counts = store_alerts(today=TODAY)

    assert counts["ended"] == 1
    assert counts["carried-over"] == 2
    assert Alert.objects.count() == 3


def test_each_role_sees_the_alerts_it_must_fix(world):
    every = shown(world["users"]["secretariat"])
    assert len(every) == 4
    assert shown(world["users"]["donor"]) == {("ended", "Ended action of austria")}
    assert shown(world["users"]["focal_point"]) == {("carried-over", str(world["needs"]["AL"]))}
    assert shown(world["users"]["member"]) == set()
    assert alert_counts(world["users"]["secretariat"]) == {"ended": 2, "carried-over": 2}


def test_the_secretariat_silences_an_alert_with_a_reason_until_it_unsilences_it(world):
    secretariat, donor = world["users"]["secretariat"], world["users"]["donor"]
    alert = Alert.objects.get(action=world["actions"]["austria"])
    with pytest.raises(CommentRequired):
        silence_alert(user=secretariat, alert=alert, reason="  ")
    with pytest.raises(NotAllowed):
        silence_alert(user=donor, alert=alert, reason="Extended by letter")

    silence = silence_alert(user=secretariat, alert=alert, reason="Extended by letter, not yet in IATI")

    assert shown(donor) == set()
    store_alerts(today=TODAY)
    assert alert_counts(secretariat) == {"ended": 1, "carried-over": 2}, "a new run keeps it silenced"
    with pytest.raises(InvalidTransition):
        silence_alert(user=secretariat, alert=Alert.objects.get(action=world["actions"]["austria"]), reason="Again")

    unsilence_alert(user=secretariat, silence=silence, reason="The extension was refused")

    assert shown(donor) == {("ended", "Ended action of austria")}
    history = SilencedAlert.history.order_by("history_date")
    assert [(row.history_type, row.history_change_reason, row.history_user) for row in history] == [
        ("+", "Extended by letter, not yet in IATI", secretariat),
        ("-", "The extension was refused", secretariat),
    ]


def test_the_job_stores_the_alerts_of_today(world):
    Alert.objects.all().delete()

    counts = check_data_quality_job.call()

    assert counts["ended"] == 2
    assert Alert.objects.count() == sum(counts.values())


def test_the_page_lists_the_alerts_with_their_fix_link_and_the_secretariat_silences_from_it(client, world):
    austria_action = world["actions"]["austria"]
    client.force_login(world["users"]["donor"])
    page = client.get(reverse("analysis:quality")).content.decode()
    assert "Ended action of austria" in page
    assert "Ended action of unodc" not in page
    assert reverse("admin:actions_action_change", args=[austria_action.pk]) in page
    assert "Silence" not in page
    alert = Alert.objects.get(action=austria_action)
    assert client.post(reverse("analysis:quality_silence", args=[alert.pk]), {"reason": "No"}).status_code == 403

    client.force_login(world["users"]["secretariat"])
    assert "Silence" in client.get(reverse("analysis:quality")).content.decode()
    answer = client.post(reverse("analysis:quality_silence", args=[alert.pk]), {"reason": "Extended by letter"})

    assert answer.status_code == 302
    assert SilencedAlert.objects.get().reason == "Extended by letter"
    page = client.get(reverse("analysis:quality")).content.decode()
    assert "Extended by letter" in page
    assert "Show again" in page


def test_the_page_refuses_a_silence_without_reason_shows_again_at_once_and_queues_a_check(client, world):
    alert = Alert.objects.get(action=world["actions"]["austria"])
    client.force_login(world["users"]["secretariat"])

    refused = client.post(reverse("analysis:quality_silence", args=[alert.pk]), {"reason": "  "}, follow=True)
    assert [str(m) for m in refused.context["messages"]] == ["Say why."]
    assert not SilencedAlert.objects.exists()

    client.post(reverse("analysis:quality_silence", args=[alert.pk]), {"reason": "Extended by letter"})
    shown = client.post(
        reverse("analysis:quality_unsilence", args=[SilencedAlert.objects.get().pk]), {"reason": "Not extended"}
    )
    assert shown.status_code == 302
    assert not SilencedAlert.objects.exists()
    assert "Ended but still in implementation (2)" in client.get(reverse("analysis:quality")).content.decode()

    queued = client.post(reverse("analysis:quality_check"), follow=True)
    assert [str(m) for m in queued.context["messages"]][-1].startswith("The checks will run in the background")
    assert DBTaskResult.objects.filter(task_path=check_data_quality_job.module_path).count() == 1

    client.force_login(world["users"]["donor"])
    assert client.post(reverse("analysis:quality_check")).status_code == 403
    assert DBTaskResult.objects.filter(task_path=check_data_quality_job.module_path).count() == 1


def test_visitors_are_asked_to_sign_in(client, world):
    answer = client.get(reverse("analysis:quality"))
    assert answer.status_code == 302
    assert "login" in answer["Location"]


def test_the_page_makes_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world["users"]["secretariat"])
    client.get(reverse("analysis:quality"))
    with django_assert_max_num_queries(12):
        client.get(reverse("analysis:quality"))


def test_the_back_office_home_counts_the_alerts_of_the_user(world):
    tasks = {task.title: task for task in tasks_for(world["users"]["focal_point"])}
    task = tasks["Data-quality alerts"]
    assert task.count == 1
    assert task.url == reverse("analysis:quality")
    assert task.detail == "Needs carried over unchanged for two cycles: 1"
    assert "Data-quality alerts" not in {task.title for task in tasks_for(world["users"]["member"])}


def test_the_command_prints_the_count_of_each_rule(world, capsys):
    call_command("data_quality", "--today", "2026-06-30")
    lines = [line.split("  ") for line in capsys.readouterr().out.splitlines()]
    rows = {line[0]: [cell.strip() for cell in line[1:] if cell.strip()] for line in lines}
    assert rows["Ended but still in implementation"] == ["2", "(ended)"]
    assert rows["Needs carried over unchanged for two cycles"] == ["2", "(carried-over)"]
    assert rows["Total"] == ["4"]
    assert len(rows) == 9


def test_the_command_counts_the_stored_alerts_a_login_sees(world, capsys):
    def counted(username):
        call_command("data_quality", "--user", username)
        lines = [line.split("  ") for line in capsys.readouterr().out.splitlines()]
        return {line[0]: next(cell.strip() for cell in line[1:] if cell.strip()) for line in lines}

    donor = counted(world["users"]["donor"].username)
    focal_point = counted(world["users"]["focal_point"].username)
    member = counted(world["users"]["member"].username)

    assert (donor["Ended but still in implementation"], donor["Total"]) == ("1", "1")
    assert (focal_point["Needs carried over unchanged for two cycles"], focal_point["Total"]) == ("1", "1")
    assert member["Total"] == "0"
    assert counted(world["users"]["secretariat"].username)["Total"] == "4"
    with pytest.raises(CommandError, match="No login named 'nobody'"):
        call_command("data_quality", "--user", "nobody")


def test_the_daily_command_queues_the_job_worker_check_and_writes_nothing_itself(world, capsys):
    Alert.objects.all().delete()
    call_command("data_quality", "--queue")

    (queued,) = DBTaskResult.objects.filter(task_path=check_data_quality_job.module_path)
    assert capsys.readouterr().out == f"Queued the data-quality check (job {queued.id}).\n"
    assert not Alert.objects.exists()
    with pytest.raises(CommandError, match="not with --store or --today"):
        call_command("data_quality", "--queue", "--store")


def test_staff_home_page_works_with_the_alerts(client, world):
    login(client, Role.SECRETARIAT)
    assert "Data-quality alerts" in client.get(reverse("admin:index")).content.decode()
