"""The IATI download page (/database/actions/iati/): it says how many actions its reader may see, how
many the file holds, lists each one left out with the reason and links to the file; every action the
reader may see is in the file or accounted for on the page."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html

from iisg.actions.choices import ActionSource, OrganisationRole
from iisg.actions.models import Action
from iisg.core.choices import Role
from iisg.core.permissions import visible
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.directory.choices import OrganisationKind

from .test_export import DOWNLOAD, GENERATED, identifiers_in, valid_document

pytestmark = pytest.mark.django_db

PAGE = "/database/actions/iati/"
REF = "XI-IATI-IISGDEMO"


@pytest.fixture(autouse=True)
def publisher(settings):
    settings.IATI_PUBLISHER_REF = REF


@pytest.fixture
def austria():
    return f.OrganisationFactory(
        name="Austria – Ministry of Interior", kind=OrganisationKind.EU_MEMBER_STATE, iati_identifier="AT-11"
    )


def entered(title, funder=None, **values):
    action = f.ActionFactory(title=title, **values)
    if funder is not None:
        f.ActionOrganisationFactory(action=action, organisation=funder, role=OrganisationRole.FUNDING)
    return action


@pytest.fixture
def world(austria):
    """Actions of every kind the file holds or leaves out, in 2022 and before."""
    sweden = f.OrganisationFactory(name="Sweden", kind=OrganisationKind.EU_MEMBER_STATE, iati_identifier="SE-0")
    imported = entered(
        "Published by Sweden",
        sweden,
        iati_identifier="SE-0-SE-6-5100001",
        reporting_organisation=sweden,
        source=ActionSource.IATI,
    )
    escaped = entered("Escape", austria)
    Action.objects.filter(pk=escaped.pk).update(title="Border\x1b police")
    broken = entered("Broken identifier", austria)
    Action.objects.filter(pk=broken.pk).update(iati_identifier="AT-11-\x01")
    return {
        "entered": entered("Entered", austria),
        "imported": imported,
        "escaped": escaped,
        "undated": entered("Undated", austria, planned_start=None, planned_end=None),
        "alone": entered("Nobody takes part"),
        "broken": broken,
        "withdrawn": entered("Withdrawn", sweden, iati_identifier="SE-0-GONE", withdrawn_at=GENERATED),
        "earlier": entered("Ended in 2019", austria, planned_start=date(2018, 1, 1), planned_end=date(2019, 12, 31)),
    }


def left_out_on(page):
    """{action id: reason} of the page's table of actions left out."""
    rows = html.fromstring(page.content).xpath("//table[@id='iati-left-out']/tbody/tr")
    return {
        int(row.xpath("td[1]/a")[0].text_content().lstrip("#")): row.xpath("td[3]")[0].text_content() for row in rows
    }


def download_link(page):
    links = html.fromstring(page.content).xpath("//a[@id='iati-download']/@href")
    return links[0] if links else None


def test_the_page_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_page_lists_each_left_out_action_with_its_reason_and_links_to_the_file(client, world):
    login(client, Role.MEMBER)

    page = client.get(PAGE)

    assert page.status_code == 200
    assert left_out_on(page) == {
        world["undated"].pk: "no start or end date",
        world["alone"].pk: "no participating organisation with a role",
        world["broken"].pk: "the IATI identifier holds the control character U+0001, which XML cannot hold",
    }
    text = " ".join(html.fromstring(page.content).xpath("//ul[@id='iati-counts']")[0].text_content().split())
    assert "You may see 8 actions." in text
    assert "The file holds 4 of them." in text
    assert "3 are left out" in text
    assert "1 is withdrawn" in text
    assert download_link(page) == DOWNLOAD
    parts = html.fromstring(page.content).xpath("//table[@id='iati-parts-left-out']/tbody/tr/td[2]")
    assert "The title holds the control character U+001B" in parts[0].text_content()


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.MEMBER, Role.DONOR, None])
@pytest.mark.parametrize("cycle", ["", "2022"])
def test_every_action_the_viewer_may_see_is_in_the_file_or_on_the_page(client, world, austria, role, cycle):
    user = login(client, *([role] if role else []), organisation=austria if role == Role.DONOR else None)
    may_see = [a for a in visible(user, Action.objects.all()) if not cycle or a.is_active_in(int(cycle))]

    page = client.get(PAGE, {"cycle": cycle} if cycle else {})

    overview = page.context["overview"]
    link = download_link(page)
    in_file = set(identifiers_in(valid_document(b"".join(client.get(link).streaming_content)))) if link else set()
    on_page = set(left_out_on(page))
    withdrawn = {a.pk for a in may_see if a.withdrawn_at}
    identifier = {a.pk: a.iati_identifier or f"{REF}-{a.pk}" for a in may_see}
    assert {pk for pk in identifier if identifier[pk] in in_file} | on_page | withdrawn == set(identifier)
    assert len(in_file) + len(on_page) + len(withdrawn) == len(identifier) == overview.may_see
    assert overview.withdrawn == len(withdrawn)
    assert (world["earlier"].pk in identifier) == (bool(role) and not cycle)
    assert bool(identifier) == bool(role)


def test_an_unknown_cycle_is_said_on_the_page_and_the_file_sends_back_to_it(client, world):
    login(client, Role.MEMBER)

    page = client.get(PAGE, {"cycle": "next spring"})
    download = client.get(DOWNLOAD, {"cycle": "next spring"})

    assert page.status_code == 200
    assert "No cycle is called “next spring”" in page.content.decode()
    assert "overview" not in page.context
    assert download.status_code == 302
    assert download["Location"] == f"{PAGE}?cycle=next+spring"


def test_the_file_of_a_cycle_without_exportable_actions_sends_back_to_the_page_that_says_why(client, world):
    login(client, Role.MEMBER)

    download = client.get(DOWNLOAD, {"cycle": "2010"})
    page = client.get(download["Location"])

    assert download.status_code == 302
    assert page.context["overview"].may_see == 0
    assert download_link(page) is None
    assert "There is no file to download" in page.content.decode()


def test_the_page_is_labelled_and_works_without_script(client, world):
    login(client, Role.MEMBER)

    page = html.fromstring(client.get(PAGE).content)

    assert not page.xpath("//script[not(@src)]")
    [form] = page.xpath("//form[@id='iati-cycle-form']")
    assert form.get("method") == "get"
    assert form.xpath("label[@for='id_cycle']")[0].text_content() == "Year, period or cycle"
    assert form.xpath("input[@id='id_cycle']/@name") == ["cycle"]
    for table in page.xpath("//table"):
        assert table.xpath("caption")
        assert all(th.get("scope") == "col" for th in table.xpath("thead//th"))


def test_the_page_makes_as_many_queries_for_many_actions_as_for_few(client, austria):
    login(client, Role.MEMBER)

    def queries_with(count):
        for number in range(count):
            entered(f"Entered {count}-{number}", austria)
            entered(f"Undated {count}-{number}", austria, planned_start=None, planned_end=None)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(9)
