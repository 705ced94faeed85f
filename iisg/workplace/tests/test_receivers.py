"""Who is told of each workflow step, on a hand-made world: Albania's and Serbia's focal points, the
Secretariat (a role user and a superuser), a member, a donor and an implementer of one action and a
donor of another organisation, plus an inactive and an address-less focal point of Albania."""

import datetime
import logging

import pytest
from django.contrib.auth.models import User

from iisg.actions.choices import OrganisationRole
from iisg.core.choices import Role, Step
from iisg.core.events import announce
from iisg.core.tests import factories as f
from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.needs.choices import CycleKind, NeedStatus
from iisg.workplace import receivers
from iisg.workplace.choices import Delivery
from iisg.workplace.models import Mail, Notification, Preference
from iisg.workplace.notify import reminder_key

pytestmark = pytest.mark.django_db


class World:
    def __init__(self, albania, serbia):
        self.albania, self.serbia = albania, serbia
        self.secretariat = f.user_with(Role.SECRETARIAT)
        self.superuser = f.UserFactory(username="root", is_superuser=True)
        self.member = f.user_with(Role.MEMBER)
        self.fp_al = f.user_with(Role.FOCAL_POINT, partner=albania)
        self.fp_rs = f.user_with(Role.FOCAL_POINT, partner=serbia)
        self.fp_al_inactive = f.user_with(Role.FOCAL_POINT, partner=albania)
        self.fp_al_inactive.is_active = False
        self.fp_al_inactive.save()
        self.fp_al_no_mail = f.user_with(Role.FOCAL_POINT, partner=albania)
        self.fp_al_no_mail.email = ""
        self.fp_al_no_mail.save()
        self.donor_org = f.OrganisationFactory(name="Austrian Development Agency")
        self.implementer_org = f.OrganisationFactory(name="DCAF")
        self.other_org = f.OrganisationFactory(name="GIZ")
        self.donor = f.user_with(Role.DONOR, organisation=self.donor_org)
        self.implementer = f.user_with(Role.IMPLEMENTER, organisation=self.implementer_org)
        self.other_donor = f.user_with(Role.DONOR, organisation=self.other_org)
        self.cycle = f.CycleFactory(first_year=2025, last_year=2026, closes_on=datetime.date(2025, 6, 30))
        self.need = f.NeedFactory(cycle=self.cycle, partner=albania, reference="AL-WBBSi-007", title="Radars")
        self.action = f.ActionFactory(
            title="Border radars", planned_start=datetime.date(2024, 1, 1), planned_end=datetime.date(2027, 12, 31)
        )
        self.action.partners.add(albania)
        f.ActionOrganisationFactory(action=self.action, organisation=self.donor_org, role=OrganisationRole.FUNDING)
        f.ActionOrganisationFactory(
            action=self.action, organisation=self.implementer_org, role=OrganisationRole.IMPLEMENTING
        )
        other_action = f.ActionFactory(
            title="Cyber lab", planned_start=datetime.date(2024, 1, 1), planned_end=datetime.date(2027, 12, 31)
        )
        other_action.partners.add(serbia)
        f.ActionOrganisationFactory(action=other_action, organisation=self.other_org, role=OrganisationRole.FUNDING)
        self.response = f.ResponseFactory(action=self.action, need=self.need, proposed_by=self.donor)


@pytest.fixture
def world(albania, serbia):
    return World(albania, serbia)


@pytest.fixture
def step(django_capture_on_commit_callbacks):
    """Announce a step as a service does, and run what listens once it "commits"."""

    def run(step, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            announce(step, **kwargs)

    return run


def told(step=None):
    notifications = Notification.objects.all() if step is None else Notification.objects.filter(step=step)
    return set(notifications.values_list("recipient__username", flat=True))


def names(*users):
    return {user.username for user in users}


def mailed_to():
    return set(Mail.objects.values_list("to", flat=True))


# Needs mapping


def test_cycle_opened_tells_every_focal_point_with_the_deadline(world, step):
    step(Step.CYCLE_OPENED, target=world.cycle, actor=world.secretariat)

    assert told() == names(world.fp_al, world.fp_rs, world.fp_al_no_mail)
    notification = Notification.objects.get(recipient=world.fp_al)
    assert "30 June 2025" in notification.title
    assert f"cycle__id__exact={world.cycle.pk}" in notification.url


def test_cycle_opened_is_mailed_at_once_to_those_with_an_address(world, step):
    step(Step.CYCLE_OPENED, target=world.cycle, actor=world.secretariat)

    assert mailed_to() == {world.fp_al.email, world.fp_rs.email}
    mail = Mail.objects.get(to=world.fp_al.email)
    assert "30 June 2025" in mail.subject
    assert "30 June 2025" in mail.text
    assert mail.html
    assert Notification.objects.get(recipient=world.fp_al).mailed_at is not None
    assert Notification.objects.get(recipient=world.fp_al_no_mail).mailed_at is None


def test_inactive_users_are_told_nothing(world, step):
    step(Step.CYCLE_OPENED, target=world.cycle, actor=world.secretariat)

    assert not Notification.objects.filter(recipient=world.fp_al_inactive).exists()
    assert world.fp_al_inactive.email not in mailed_to()


def test_need_returned_tells_its_partners_focal_points_with_the_comment(world, step):
    step(Step.NEED_RETURNED, target=world.need, actor=world.secretariat, comment="Give the number of radars.")

    assert told() == names(world.fp_al, world.fp_al_no_mail)
    notification = Notification.objects.get(recipient=world.fp_al)
    assert notification.title == "AL-WBBSi-007 returned: please revise"
    assert "Give the number of radars." in notification.body
    assert "30 June 2025" in notification.body
    assert notification.url == f"/admin/needs/need/{world.need.pk}/change/"
    assert notification.actor == world.secretariat
    assert "Give the number of radars." in Mail.objects.get(to=world.fp_al.email).text


def test_need_rejected_tells_its_partners_focal_points_not_another_partners(world, step):
    step(Step.NEED_REJECTED, target=world.need, actor=world.secretariat, comment="Out of scope.")

    assert world.fp_rs.username not in told()
    assert told() == names(world.fp_al, world.fp_al_no_mail)
    assert "Out of scope." in Notification.objects.get(recipient=world.fp_al).body


def test_need_validated_tells_its_partners_focal_points(world, step):
    step(Step.NEED_VALIDATED, target=world.need, actor=world.secretariat)

    assert told() == names(world.fp_al, world.fp_al_no_mail)
    assert Notification.objects.get(recipient=world.fp_al).title == "AL-WBBSi-007 validated"


def test_need_submitted_tells_the_secretariat_not_the_focal_point_who_submitted(world, step):
    step(Step.NEED_SUBMITTED, target=world.need, actor=world.fp_al)

    assert told() == names(world.secretariat, world.superuser)
    assert Notification.objects.get(recipient=world.secretariat).title == "AL-WBBSi-007 submitted by Albania"


def test_the_plain_text_mail_is_not_html_escaped_and_the_html_one_is(world, step):
    step(Step.NEED_RETURNED, target=world.need, actor=world.secretariat, comment="Radars' range & <count>?")

    mail = Mail.objects.get(to=world.fp_al.email)
    assert "Radars' range & <count>?" in mail.text
    assert "Radars&#x27; range &amp; &lt;count&gt;?" in mail.html


def test_the_actor_is_never_told_of_their_own_step(world, step):
    step(Step.NEED_SUBMITTED, target=world.need, actor=world.superuser)

    assert told() == names(world.secretariat)


def test_a_need_of_kosovo_carries_the_designation_footnote(world, step):
    kosovo = f.PartnerFactory(code="XK")
    fp_xk = f.user_with(Role.FOCAL_POINT, partner=kosovo)
    need = f.NeedFactory(cycle=world.cycle, partner=kosovo, reference="XK-WBBSi-001")

    step(Step.NEED_SUBMITTED, target=need, actor=fp_xk)

    notification = Notification.objects.get(recipient=world.secretariat)
    assert notification.title == "XK-WBBSi-001 submitted by Kosovo*"
    assert str(KOSOVO_FOOTNOTE) in notification.body


def test_needs_proposed_tell_members_and_the_secretariat_once(world, step):
    step(
        Step.NEEDS_PROPOSED,
        target=world.cycle,
        actor=world.secretariat,
        count=2,
        references=["AL-WBBSi-007", "RS-WBBSi-001"],
    )

    assert told() == names(world.member, world.superuser)
    notification = Notification.objects.get(recipient=world.member)
    assert notification.title.startswith("2 needs of the ")
    assert "AL-WBBSi-007, RS-WBBSi-001" in notification.body
    assert f"status__exact={NeedStatus.PROPOSED}" in notification.url
    assert Notification.objects.count() == 2


def test_needs_cycle_adopted_tells_members_secretariat_and_focal_points_not_donors(world, step):
    step(Step.CYCLE_ADOPTED, target=world.cycle, actor=world.secretariat)

    assert told() == names(world.member, world.superuser, world.fp_al, world.fp_rs, world.fp_al_no_mail)


def test_response_round_adopted_tells_donors_and_implementers_not_focal_points(world, step):
    round_ = f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2026, last_year=2026)

    step(Step.CYCLE_ADOPTED, target=round_, actor=world.secretariat)

    assert told() == names(world.member, world.superuser, world.donor, world.implementer, world.other_donor)


def test_deadline_near_tells_only_focal_points_of_partners_yet_to_submit(world, step):
    f.NeedFactory(cycle=world.cycle, partner=world.serbia, status=NeedStatus.SUBMITTED)
    world.need.status = NeedStatus.DRAFT
    world.need.save()

    step(Step.DEADLINE_NEAR, target=world.cycle, days=7, today=datetime.date(2025, 6, 23))

    assert told() == names(world.fp_al, world.fp_al_no_mail)
    notification = Notification.objects.get(recipient=world.fp_al)
    assert "closes in 7 days" in notification.title
    assert notification.key == reminder_key(world.cycle, 7)


# Response mapping


def test_round_opened_sends_each_organisation_its_own_call(world, step):
    round_ = f.CycleFactory(
        kind=CycleKind.RESPONSE, first_year=2026, last_year=2026, closes_on=datetime.date(2026, 3, 31)
    )

    step(Step.ROUND_OPENED, target=round_, actor=world.secretariat)

    assert told() == names(world.donor, world.implementer, world.other_donor)
    call = Notification.objects.get(recipient=world.donor)
    assert "31 March 2026" in call.title
    assert "Border radars" in call.body
    assert "Cyber lab" not in call.body
    assert "Cyber lab" in Notification.objects.get(recipient=world.other_donor).body
    assert "Border radars" not in Notification.objects.get(recipient=world.other_donor).body
    assert call.url == f"/admin/actions/action/round/{round_.pk}/"


def test_response_proposed_tells_the_secretariat(world, step):
    step(Step.RESPONSE_PROPOSED, target=world.response, actor=world.donor)

    assert told() == names(world.secretariat, world.superuser)
    assert Notification.objects.get(recipient=world.secretariat).title == "Response proposed for AL-WBBSi-007"


def test_response_confirmed_tells_the_actions_organisations_and_its_proposer(world, step):
    proposer = f.user_with(Role.MEMBER)
    world.response.proposed_by = proposer
    world.response.save()

    step(Step.RESPONSE_CONFIRMED, target=world.response, actor=world.secretariat, comment="Fits well.")

    assert told() == names(world.donor, world.implementer, proposer)
    notification = Notification.objects.get(recipient=world.donor)
    assert notification.title == "Response to AL-WBBSi-007 confirmed"
    assert "Fits well." in notification.body
    assert notification.url == f"/admin/actions/response/{world.response.pk}/change/"


def test_response_rejected_tells_the_donor_not_other_organisations(world, step):
    step(Step.RESPONSE_REJECTED, target=world.response, actor=world.secretariat, comment="Another area.")

    assert told() == names(world.donor, world.implementer)
    assert "Another area." in Notification.objects.get(recipient=world.implementer).body


# The conversation


def test_a_comment_on_a_need_tells_the_other_participants(world, step):
    step(Step.COMMENTED, target=world.need, actor=world.fp_al, comment="Four radars, see annex.")

    assert told() == names(world.fp_al_no_mail, world.secretariat, world.superuser)
    notification = Notification.objects.get(recipient=world.secretariat)
    assert notification.title == "New comment on AL-WBBSi-007"
    assert "Four radars, see annex." in notification.body


def test_a_comment_on_a_response_tells_its_organisations_and_the_secretariat(world, step):
    step(Step.COMMENTED, target=world.response, actor=world.secretariat, comment="Which radars?")

    assert told() == names(world.donor, world.implementer, world.superuser)


def test_comments_go_to_the_digest_by_default_not_mailed_at_once(world, step):
    step(Step.COMMENTED, target=world.need, actor=world.fp_al, comment="Four radars.")

    assert Notification.objects.get(recipient=world.secretariat).delivery == Delivery.DIGEST
    assert not Mail.objects.exists()


# Preferences


def test_preference_off_means_no_mail_but_the_notification_still(world, step):
    Preference.objects.create(user=world.fp_al, step=Step.NEED_RETURNED, delivery=Delivery.OFF)

    step(Step.NEED_RETURNED, target=world.need, actor=world.secretariat, comment="Revise.")

    notification = Notification.objects.get(recipient=world.fp_al)
    assert notification.delivery == Delivery.OFF
    assert notification.mailed_at is None
    assert not Mail.objects.filter(to=world.fp_al.email).exists()


def test_preference_digest_means_no_mail_at_once(world, step):
    Preference.objects.create(user=world.fp_al, step=Step.CYCLE_OPENED, delivery=Delivery.DIGEST)

    step(Step.CYCLE_OPENED, target=world.cycle, actor=world.secretariat)

    assert Notification.objects.get(recipient=world.fp_al).delivery == Delivery.DIGEST
    assert mailed_to() == {world.fp_rs.email}


# Runs


def test_a_finished_run_tells_whoever_started_it(world, step):
    from iisg.iati.models import ImportRun

    run = ImportRun.objects.create(created_by=world.secretariat, source_name="dfid.xml", status="done")

    step(Step.RUN_FINISHED, target=run)

    assert told() == names(world.secretariat)
    notification = Notification.objects.get()
    assert notification.title == "IATI import finished"
    assert notification.url == f"/admin/iati/importrun/{run.pk}/change/"
    assert notification.delivery == Delivery.OFF


def test_a_failed_report_tells_whoever_requested_it_with_the_error(world, step):
    from iisg.reports.models import Report

    report = Report.objects.create(kind="needs", requested_by=world.member, status="failed", error="No needs.")

    step(Step.RUN_FINISHED, target=report)

    notification = Notification.objects.get(recipient=world.member)
    assert notification.title == "Report failed"
    assert "No needs." in notification.body


def test_a_job_finishing_announces_it(world, django_capture_on_commit_callbacks):
    from iisg.core import jobs
    from iisg.iati.models import ImportRun

    run = ImportRun.objects.create(created_by=world.secretariat, source_name="dfid.xml")
    run = jobs.start(ImportRun, run.pk)

    with django_capture_on_commit_callbacks(execute=True):
        jobs.finish(run)

    assert told(Step.RUN_FINISHED) == names(world.secretariat)


def test_a_job_failing_announces_it(world, django_capture_on_commit_callbacks):
    from iisg.core import jobs
    from iisg.iati.models import ImportRun

    run = ImportRun.objects.create(created_by=world.secretariat, source_name="dfid.xml")
    run = jobs.start(ImportRun, run.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.fail(run, error="Not an IATI file.")

    assert "Not an IATI file." in Notification.objects.get(recipient=world.secretariat).body


# Robustness


def test_a_failing_receiver_is_logged_and_breaks_nothing(world, step, monkeypatch, caplog):
    def broken(event):
        raise RuntimeError("no database")

    monkeypatch.setitem(receivers.MESSAGES, Step.NEED_SUBMITTED, broken)

    with caplog.at_level(logging.ERROR, logger="iisg.workplace.receivers"):
        step(Step.NEED_SUBMITTED, target=world.need, actor=world.fp_al)

    assert "need_submitted" in caplog.text
    assert not Notification.objects.exists()


def test_a_receiver_failing_half_way_keeps_none_of_its_notifications(world, step, monkeypatch):
    real = receivers.cycle_adopted

    def half(event):
        yield from real(event)
        raise RuntimeError("broken after the first message")

    monkeypatch.setitem(receivers.MESSAGES, Step.CYCLE_ADOPTED, half)

    step(Step.CYCLE_ADOPTED, target=world.cycle, actor=world.secretariat)

    assert not Notification.objects.exists()
    assert not Mail.objects.exists()


def test_every_step_has_its_audience():
    assert set(receivers.MESSAGES) == set(Step)


def test_users_are_told_each_once_even_in_two_audiences(world, step):
    world.member.groups.add(*User.objects.get(pk=world.secretariat.pk).groups.all())

    step(Step.NEEDS_PROPOSED, target=world.cycle, actor=world.superuser, count=1, references=["AL-WBBSi-007"])

    assert Notification.objects.filter(recipient=world.member).count() == 1
    assert told() == names(world.member, world.secretariat)
