"""A whole needs round in a real browser, as four people, with every mail checked where it arrives:
at a real SMTP server started by the test.

The Secretariat opens the cycle with its deadlines → the focal point of Albania is mailed → submits
its need → the Secretariat is mailed, returns it with a comment → the focal point is mailed, follows
the mail's link, replies in the need's conversation and submits again → the Secretariat validates and
records the Support Group's proposal → the two members (Support Group, Board) are mailed → the
Secretariat records the Board's adoption → the focal point and the members are mailed. Nobody is
mailed about their own step, and nobody else is mailed at all.
"""

import datetime
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.governance.choices import DecisionKind, MeetingBody
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus, Priority
from iisg.needs.models import Cycle, Need
from iisg.needs.services import create_need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def people(albania):
    pillar = f.PillarFactory(code="wbbsi", name="Western Balkans Border Security initiative")
    # The cycle before: its areas are copied into the new one.
    f.AreaFactory(cycle=f.CycleFactory(first_year=2025, last_year=2026, status=CycleStatus.ADOPTED), pillar=pillar)
    return {
        "secretariat": f.UserFactory(username="sara", email="sara@secretariat.example", roles=[Role.SECRETARIAT]),
        "focal_point": _person("arben", Role.FOCAL_POINT, partner=albania),
        "support_group": _person("sofia", Role.MEMBER),
        "board": _person("bojan", Role.MEMBER),
        "pillar": pillar,
        "albania": albania,
    }


def _person(username, role, **scope):
    user = f.user_with(role, **scope)
    user.username, user.email = username, f"{username}@example.org"
    user.save()
    return user


@pytest.fixture
def sign_in(browser, live_server):
    contexts = []

    def signed_in(user):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#user-tools")).to_contain_text(user.username)
        return page

    yield signed_in
    for context in contexts:
        context.close()


def test_a_needs_round_as_four_people_each_mailed_at_each_step(
    people, sign_in, live_server, smtp_server, deliver_queued_mail
):
    def mails_now(count):
        """The mails sent since the last call: exactly `count`."""
        deliver_queued_mail()
        received = smtp_server.wait_for(len(seen) + count)
        new = received[len(seen) :]
        seen.extend(new)
        assert len(new) == count, [(mail.to, mail.subject) for mail in new]
        return new

    seen = []
    secretariat, focal_point = people["secretariat"], people["focal_point"]

    # The Secretariat opens the cycle with its deadlines.
    office = sign_in(secretariat)
    office.goto(f"{live_server.url}/admin/needs/cycle/")
    office.get_by_role("link", name="Open the next needs cycle").click()
    office.get_by_label("first year").fill("2027")
    office.get_by_label("last year").fill("2028")
    office.get_by_label("submission deadline").fill("2027-01-29")
    office.get_by_label("review deadline").fill("2027-03-12")
    office.get_by_role("button", name="Open the cycle").click()
    cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2027)
    assert (cycle.closes_on, cycle.review_closes_on) == (datetime.date(2027, 1, 29), datetime.date(2027, 3, 12))

    (opened,) = mails_now(1)
    assert opened.recipients == ("arben@example.org",)
    assert opened.subject == "Needs mapping 2027–2028 is open: submit your needs by 29 January 2027"
    assert "29 January 2027" in opened.text
    assert "29 January 2027" in opened.html

    # The focal point's draft (added as the workbook or the form would), submitted from its page.
    need = create_need(
        user=focal_point,
        need=Need(
            cycle=cycle,
            partner=people["albania"],
            pillar=people["pillar"],
            area=cycle.areas.first(),
            title="Thermal cameras for the green border",
            priority=Priority.HIGH,
        ),
    )
    partner = sign_in(focal_point)
    partner.goto(f"{live_server.url}/admin/needs/need/{need.pk}/change/")
    partner.get_by_role("button", name="Submit for review").click()
    expect(partner.locator(".messagelist")).to_contain_text(f"{need.reference} is submitted.")
    (submitted,) = mails_now(1)
    assert submitted.recipients == ("sara@secretariat.example",)
    assert submitted.subject == f"{need.reference} submitted by Albania"

    # The Secretariat returns it with a comment.
    office.goto(f"{live_server.url}/admin/needs/need/{need.pk}/change/")
    office.get_by_label("Comment", exact=True).fill("Please name the border crossings.")
    office.get_by_role("button", name="Return with the comment").click()
    expect(office.locator(".messagelist")).to_contain_text(f"{need.reference} is returned.")
    (returned,) = mails_now(1)
    assert returned.recipients == ("arben@example.org",)
    assert returned.subject == f"{need.reference} returned: please revise"
    assert "Please name the border crossings." in returned.text
    assert "Please name the border crossings." in returned.html

    # The focal point follows the mail's link, reads the comment in the conversation, replies and
    # submits again.
    link = re.search(r"https?://\S+/admin/needs/need/\d+/change/\S*", returned.text).group(0)
    partner.goto(link.replace(re.match(r"https?://[^/]+", link).group(0), live_server.url))
    thread = partner.locator("#thread")
    expect(thread).to_contain_text("Please name the border crossings.")
    partner.get_by_label("Your reply").fill("Kakavija and Qafë Botë.")
    partner.get_by_role("button", name="Send reply").click()
    expect(partner.locator("#thread")).to_contain_text("Kakavija and Qafë Botë.")
    partner.get_by_role("button", name="Submit for review").click()
    expect(partner.locator(".messagelist")).to_contain_text(f"{need.reference} is submitted.")
    (resubmitted,) = mails_now(1)  # a reply goes to the daily digest by default: only the submission
    assert resubmitted.subject == f"{need.reference} submitted by Albania"

    # The Secretariat validates it and records the Support Group's proposal.
    office.goto(f"{live_server.url}/admin/needs/need/{need.pk}/change/")
    office.get_by_role("button", name="Validate").click()
    expect(office.locator(".messagelist")).to_contain_text(f"{need.reference} is validated.")
    (validated,) = mails_now(1)
    assert (validated.recipients, validated.subject) == (("arben@example.org",), f"{need.reference} validated")
    office.get_by_role("button", name="Record the Support Group's proposal").click()
    expect(office.locator(".messagelist")).to_contain_text(f"{need.reference} is proposed by the Support Group.")
    proposed = mails_now(2)
    assert sorted(mail.recipients for mail in proposed) == [("bojan@example.org",), ("sofia@example.org",)]
    assert {mail.subject for mail in proposed} == {"1 need of the Needs mapping 2027–2028 proposed for adoption"}

    # The Board adopts the cycle; the Secretariat records it.
    decision = f.DecisionFactory(
        meeting=f.MeetingFactory(body=MeetingBody.BOARD), kind=DecisionKind.ADOPT_CYCLE, text="Needs adopted."
    )
    office.goto(f"{live_server.url}/admin/needs/cycle/{cycle.pk}/change/")
    office.get_by_role("link", name="Record the Board adoption").click()
    office.get_by_label("Board decision").select_option(value=str(decision.pk))
    office.get_by_role("button", name="Record the adoption").click()
    cycle.refresh_from_db()
    need.refresh_from_db()
    assert (cycle.status, need.status) == (CycleStatus.ADOPTED, NeedStatus.ADOPTED)
    adopted = mails_now(3)
    assert sorted(mail.recipients[0] for mail in adopted) == [
        "arben@example.org",
        "bojan@example.org",
        "sofia@example.org",
    ]
    assert {mail.subject for mail in adopted} == {"Needs mapping 2027–2028 adopted"}

    # The reply waited for the Secretariat's daily digest.
    call_command("send_digest")
    (digest,) = mails_now(1)
    assert digest.recipients == ("sara@secretariat.example",)
    assert "Kakavija and Qafë Botë." in digest.text

    # Every mail had its text and its HTML, and the conversation kept every step.
    assert all(mail.text and mail.html for mail in seen)
    office.goto(f"{live_server.url}/admin/needs/need/{need.pk}/change/")
    entries = office.locator("#thread .thread-entry")
    expect(entries).to_have_count(8)  # draft, submitted, returned, the reply, submitted, validated, proposed, adopted
    expect(entries.nth(2)).to_contain_text("Please name the border crossings.")
    expect(entries.nth(3)).to_contain_text("arben")
