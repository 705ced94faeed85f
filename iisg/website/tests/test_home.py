"""The home page: what the IISG is, its pillars, events and public figures."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iisg.actions.choices import OrganisationRole
from iisg.analysis.selectors import Headline, headline_figures
from iisg.core.tests import factories as f
from iisg.needs.choices import NeedStatus
from iisg.website import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapping():
    albania, kosovo = f.PartnerFactory(code="AL"), f.PartnerFactory(code="XK")
    pillar = f.PillarFactory(code="wbbsi")
    for status in [NeedStatus.ADOPTED, NeedStatus.ADOPTED, NeedStatus.DRAFT, NeedStatus.SUBMITTED]:
        f.NeedFactory(partner=albania, pillar=pillar, status=status)
    f.NeedFactory(partner=kosovo, pillar=pillar, status=NeedStatus.ADOPTED)
    austria, giz = f.OrganisationFactory(acronym="AT"), f.OrganisationFactory(acronym="GIZ")
    for _ in range(2):
        action = f.ActionFactory()
        action.partners.add(albania)
        f.ActionOrganisationFactory(action=action, organisation=austria, role=OrganisationRole.FUNDING)
        f.ActionOrganisationFactory(action=action, organisation=giz, role=OrganisationRole.IMPLEMENTING)
    # Imported for another country: kept, but no figure counts it, nor its donor.
    elsewhere = f.ActionFactory(title="Water supply in Kenya")
    f.ActionOrganisationFactory(action=elsewhere, organisation=f.OrganisationFactory(), role=OrganisationRole.FUNDING)
    return pillar


def test_headline_figures_count_adopted_needs_actions_of_the_mission_and_their_donors_only(mapping):
    assert headline_figures() == Headline(needs=3, actions=2, partners=2, donors=1)


def test_pillars_come_in_their_order_with_their_counts(mapping):
    f.PillarFactory(code="wbcti", order=1)
    mapping.order = 3
    mapping.save()
    f.PillarFactory(code="wbcsci", order=2)
    pillars = list(selectors.pillars_with_counts())
    assert [p.acronym for p in pillars] == ["WBCTi", "WBCSCi", "WBBSi"]
    assert [p.adopted_needs for p in pillars] == [0, 0, 3]


def test_upcoming_and_latest_events_split_at_today():
    today = datetime.date(2022, 6, 20)
    past = f.EventFactory(start_date=datetime.date(2022, 6, 10))
    board = f.EventFactory(start_date=today)
    f.EventFactory(start_date=datetime.date(2022, 7, 1), is_published=False)
    f.EventFactory(start_date=None)
    public = AnonymousUser()
    assert selectors.upcoming_events(public, limit=3, today=today) == [board]
    assert selectors.latest_events(public, limit=3, today=today) == [past]


def test_home_page_shows_pillars_figures_and_the_designation_footnote(client, mapping):
    f.EventFactory(title="The 6th IISG Board Meeting", start_date=datetime.date(2022, 6, 20))
    response = client.get(reverse("website:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Western Balkan Border Security initiative" in page
    assert "The 6th IISG Board Meeting" in page
    assert "20 June 2022" in page
    assert "UNSCR 1244 and the ICJ Opinion on the Kosovo declaration of independence" in page
    assert response.context["figures"].needs == 3
    assert "benefiting the six partners or the region" in page


def _queries_of_home_page(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("website:home")).status_code == 200
    return len(queries)


def test_home_page_makes_the_same_number_of_queries_whatever_the_data(client):
    pillar = f.PillarFactory(code="wbcti")
    f.EventFactory(start_date=datetime.date(2020, 1, 1)).pillars.add(pillar)
    f.EventFactory(start_date=datetime.date(2999, 1, 1)).pillars.add(pillar)
    few = _queries_of_home_page(client)
    for _ in range(10):
        f.EventFactory(start_date=datetime.date(2020, 1, 1)).pillars.add(pillar)
        f.EventFactory(start_date=datetime.date(2999, 1, 1)).pillars.add(pillar)
    assert _queries_of_home_page(client) == few
