"""The support mapping through the API: the same figures as the dashboard and the reports
(DESIGN.md §7, "one calculation layer"), and for the public only what the public dashboard shows."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from iisg.analysis import selectors
from iisg.analysis.tests import world
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.reports.content import build

from .factories import token_client

pytestmark = pytest.mark.django_db

MEMBER_ONLY = {"needs", "by_area", "donors", "implementers"}
CENT, SHARE = Decimal("0.01"), Decimal("0.0001")


@pytest.fixture
def w():
    selectors.forget_computed()
    return world.build()


def scope(w):
    return {"cycle": w["cycle"].pk, "year": 2022}


def figures_of(tally):
    """A Tally, or the API's figures, as comparable values (money to the cent, shares to 4 places)."""
    if isinstance(tally, dict):
        share = tally["covered_share"]
        return (
            tally["needs"],
            tally["covered"],
            None if share is None else Decimal(share),
            tally["gaps"],
            tally["high_priority_gaps"],
            tally["overlaps"],
            Decimal(tally["committed"]),
            Decimal(tally["disbursed"]),
        )
    share = tally.covered_share
    return (
        tally.needs,
        tally.covered,
        None if share is None else share.quantize(SHARE),
        tally.gaps,
        tally.high_priority_gaps,
        tally.overlaps,
        tally.committed.quantize(CENT),
        tally.disbursed.quantize(CENT),
    )


def table_figures(row):
    """The tally cells of a heatmap or priority table row (after its label columns)."""
    needs, covered, share, gaps, high, overlaps, committed, disbursed = row
    return (
        needs,
        covered,
        None if share is None else share.quantize(SHARE),
        gaps,
        high,
        overlaps,
        committed.quantize(CENT),
        disbursed.quantize(CENT),
    )


def test_public_sees_the_public_dashboards_figures_only(w, client):
    body = APIClient().get("/api/coverage/", scope(w)).json()
    assert not MEMBER_ONLY & body.keys()
    assert body["total"]["needs"] == 5  # adopted needs only: N5 is validated, N7 a draft
    page = client.get("/database/", scope(w))
    assert figures_of(body["total"]) == figures_of(page.context["total"])


def test_public_cannot_filter_by_donor(w):
    with_donor = APIClient().get("/api/coverage/", {**scope(w), "donor": w["d1"].pk}).json()
    assert with_donor["scope"]["donor"] is None
    assert with_donor["total"] == APIClient().get("/api/coverage/", scope(w)).json()["total"]


def test_members_see_each_need_with_its_coverage(w):
    member = f.UserFactory(roles=[Role.MEMBER])
    body = token_client(member).get("/api/coverage/", scope(w)).json()
    assert body.keys() >= MEMBER_ONLY
    needs = {row["reference"]: row for row in body["needs"]}
    assert set(needs) == {"N1", "N2", "N3", "N4", "N5", "N6"}
    assert needs["N1"]["coverage"] == "full"
    assert needs["N2"]["is_overlap"] is True
    assert needs["N3"]["is_gap"] is True
    assert [row["name"] for row in body["donors"]] == ["Donor One", "Donor Two"]


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ({"cycle": "999999"}, "cycle"),
        ({"year": "1066"}, "year"),
        ({"pillar": "wbxx"}, "pillar"),
        ({"priority": "urgent"}, "priority"),
        ({"partner": ["AL", "RS"]}, "partner"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_naming_the_parameter(w, client, query, refused):
    response = APIClient().get("/api/coverage/", {**scope(w), **query})
    assert response.status_code == 400
    assert list(response.json()) == [refused]
    # The dashboard ignores it instead, so that an old bookmark still opens.
    assert client.get("/database/", {**scope(w), **query}).status_code == 200


@pytest.mark.parametrize("query", [{"page": "0"}, {"page": ""}, {"page_size": "many"}, {"page": ["1", "2"]}])
def test_a_page_that_is_not_a_positive_number_is_refused(w, query):
    response = APIClient().get("/api/partners/", query)
    assert response.status_code == 400
    assert list(response.json()) == list(query)


def test_no_cycle_is_404(db):
    assert APIClient().get("/api/coverage/").status_code == 404


def test_dashboard_report_and_api_agree(w, client):
    """DESIGN.md §7: the same scope, the same user, the same figures on all three ways out."""
    member = f.UserFactory(roles=[Role.MEMBER])
    api = token_client(member).get("/api/coverage/", scope(w)).json()
    client.force_login(member)
    page = client.get("/database/", scope(w)).context
    report = build("analysis", user=member, cycle=w["cycle"], year=2022)
    report_tables = {table.name: table for _section, table in report.tables()}

    # The totals: API, dashboard key figures, and the report's coverage paragraph.
    total = figures_of(api["total"])
    assert total == figures_of(page["total"])
    needs, covered, _share, gaps, high, overlaps, _committed, _disbursed = total
    paragraph = next(section for section in report.sections if section.title.endswith(" Coverage")).blocks[0].text
    assert f"Of {needs} needs, {covered} have an active confirmed response in 2022" in paragraph
    assert f"{gaps} adopted needs are gaps ({high} of high priority) and {overlaps} are overlaps" in paragraph

    # Partner × pillar: every cell of the API is the dashboard's and the report's table row.
    api_cells = [(cell["partner"], cell["pillar"], figures_of(cell["figures"])) for cell in api["heatmap"]]
    for table in (page["heatmap_table"], report_tables["partner-pillar"]):
        rows = [(partner.code, pillar, table_figures(cells)) for partner, pillar, *cells in table.rows]
        acronyms = {pillar.code: pillar.acronym for pillar in (w["borders"], w["terrorism"])}
        assert [(p, acronyms[pillar], figures) for p, pillar, figures in api_cells] == rows

    # By priority and funding over time.
    api_priorities = [figures_of(row["figures"]) for row in api["by_priority"]]
    for table in (page["priorities"], report_tables["priorities"]):
        assert api_priorities == [table_figures(cells) for _label, *cells in table.rows]
    api_funding = [
        (row["year"], row["actions"], Decimal(row["committed"]), Decimal(row["disbursed"])) for row in api["funding"]
    ]
    for table in (page["funding"], report_tables["funding"]):
        rows = [
            (year, actions, committed.quantize(CENT), disbursed.quantize(CENT))
            for year, actions, committed, disbursed in table.rows
        ]
        assert api_funding == rows
    assert api["total"]["committed"] == "600000.00"  # a1 300,000 + a2 200,000 + a3 100,000 (world.py)
