"""Board meetings and decisions with the demo: each decision links to what it concerns."""

import pytest
from django.urls import reverse

from iisg.directory.models import Membership
from iisg.governance.choices import MeetingBody
from iisg.governance.models import Meeting, Product
from iisg.website.tests.fixtures import demo_site  # noqa: F401 - used through usefixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]

METHODOLOGIES = [
    "Methodology for the development of the IISG biennial needs mapping report",
    "Methodology for the development of the IISG annual response mapping report",
    "Methodology for mapping support to the IISG needs (IISG Database)",
]


@pytest.fixture
def sixth():
    return Meeting.objects.select_related("event").get(body=MeetingBody.BOARD, number=6)


def test_the_governance_page_lists_board_meetings_newest_first(client):
    response = client.get(reverse("governance:meetings"))
    assert response.status_code == 200
    numbers = [meeting.number for meeting in response.context["meetings"]]
    assert numbers == [7, 6]
    assert {meeting.body for meeting in response.context["meetings"]} == {MeetingBody.BOARD}


def test_the_governance_page_shows_each_meetings_decisions(client, sixth):
    html = client.get(reverse("governance:meetings")).content.decode()
    assert reverse("governance:meeting", kwargs={"slug": sixth.event.slug}) in html
    assert "Admitted RAI, Bulgaria and OSCE Kosovo* as new members of the IISG." in html
    assert "Mr. Agron Sojati" in html  # the Board's published decision names the Head of Secretariat


def test_the_6th_board_meeting_page_gives_date_place_and_a_link_to_its_event(client, sixth):
    response = client.get(reverse("governance:meeting", kwargs={"slug": sixth.event.slug}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Monday, 20 June 2022" in html
    assert "Sarajevo, Bosnia and Herzegovina" in html
    assert "Hybrid" in html
    assert f'href="/events/{sixth.event.slug}/"' in html


def test_the_6th_board_meeting_lists_its_decisions_in_order(client, sixth):
    response = client.get(reverse("governance:meeting", kwargs={"slug": sixth.event.slug}))
    assert [decision.number for decision in response.context["meeting"].decision_list] == [1, 2, 3, 4, 5, 6, 7]


def test_its_decisions_link_to_the_methodologies_and_the_work_plan_they_adopted(client, sixth):
    html = client.get(reverse("governance:meeting", kwargs={"slug": sixth.event.slug})).content.decode()
    for title in [*METHODOLOGIES, "IISG Secretariat annual work plan 2022"]:
        product = Product.objects.get(title=title)
        assert f'<a href="/materials/{product.slug}/">{title}</a>' in html


def test_its_admission_decision_links_to_the_memberships_of_rai_bulgaria_and_osce_kosovo(client, sixth):
    html = client.get(reverse("governance:meeting", kwargs={"slug": sixth.event.slug})).content.decode()
    admitted = Membership.objects.filter(admitted_by__meeting=sixth).select_related("organisation", "pillar")
    assert {membership.organisation.short_name for membership in admitted} == {"RAI", "Bulgaria", "OSCE Kosovo*"}
    for membership in admitted:
        assert f'href="/pillars/{membership.pillar.code}/#member-{membership.pk}"' in html
    assert "OSCE Kosovo* – OSCE Mission in Kosovo*" in html


def test_its_first_decision_names_the_needs_mapping_2021_2022_it_adopted(client, sixth):
    response = client.get(reverse("governance:meeting", kwargs={"slug": sixth.event.slug}))
    first = response.context["meeting"].decision_list[0]
    assert [str(cycle) for cycle in first.cycles] == ["Needs mapping 2021–2022"]
    assert "Needs mapping 2021–2022" in response.content.decode()


def test_an_admitted_members_anchor_is_on_its_pillar_page(client, sixth):
    rai = Membership.objects.get(admitted_by__meeting=sixth, organisation__acronym="RAI", pillar__code="wbbsi")
    assert f'id="member-{rai.pk}"' in client.get("/pillars/wbbsi/").content.decode()


def test_a_meeting_of_an_unpublished_event_is_not_found(client, sixth):
    sixth.event.is_published = False
    sixth.event.save()
    assert client.get(reverse("governance:meeting", kwargs={"slug": sixth.event.slug})).status_code == 404
    assert sixth.event.title not in client.get(reverse("governance:meetings")).content.decode()


def test_an_unknown_meeting_is_not_found(client):
    assert client.get(reverse("governance:meeting", kwargs={"slug": "no-such-meeting"})).status_code == 404
