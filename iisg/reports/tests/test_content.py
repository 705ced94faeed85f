"""What each report says, on the hand-made support mapping of iisg/analysis/tests/world.py."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from iisg.analysis import selectors
from iisg.analysis.tables import Table
from iisg.analysis.tests import world
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.governance.choices import ProductKind, ProductStatus
from iisg.needs.errors import NotAllowed
from iisg.reports.content import build
from iisg.reports.document import Chart, Paragraph

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def w():
    return world.build()


@pytest.fixture
def member():
    return f.UserFactory(roles=[Role.MEMBER])


def titles(document):
    return [section.title for section in document.sections]


def table(document, name):
    return next(table for _section, table in document.tables() if table.name == name)


def texts(document):
    return [block.text for section in document.sections for block in section.blocks if isinstance(block, Paragraph)]


def test_the_public_gets_no_report(w):
    with pytest.raises(NotAllowed):
        build("needs", user=AnonymousUser(), cycle=w["cycle"])


def test_needs_report_summarises_then_lists_the_needs_by_pillar_area_and_partner(w, member):
    document = build("needs", user=member, cycle=w["cycle"], now=NOW)
    assert document.name == "iisg-needs-mapping-2021-2022"
    assert document.title == "Needs mapping report"
    assert titles(document)[:3] == ["1 Executive summary", "2 Method", "3 Summary"]
    summary = table(document, "needs-summary")
    # Partner, pillar, high, medium, low, total (drafts are not in a report).
    assert [[str(row[0]), *row[1:]] for row in summary.rows] == [
        ["Albania", "WBCTi", 1, 0, 0, 1],
        ["Albania", "WBBSi", 1, 1, 0, 2],
        ["Kosovo*", "WBCTi", 1, 0, 0, 1],
        ["Kosovo*", "WBBSi", 1, 0, 1, 2],
    ]
    assert summary.totals == ["Total", "", 4, 1, 1, 6]
    assert "4 WBCTi – Western Balkan Counter-Terrorism initiative" in titles(document)
    assert "Area 1.2: Border crossings" in " ".join(titles(document))
    assert "N1 – Need N1 (high priority)" in texts(document)
    annex = table(document, "needs")
    # Pillars in their order, then areas by code (none last), partners, references.
    assert [row[0] for row in annex.rows] == ["N3", "N6", "N2", "N1", "N4", "N5"]
    assert document.footnote == str(KOSOVO_FOOTNOTE)


def test_needs_report_of_one_pillar(w, member):
    document = build("needs", user=member, cycle=w["cycle"], pillar=w["terrorism"], now=NOW)
    assert document.name == "iisg-needs-mapping-2021-2022-wbcti"
    assert sorted(row[0] for row in table(document, "needs").rows) == ["N3", "N6"]


def test_the_method_comes_from_the_adopted_methodology(w, member):
    f.ProductFactory(
        title="Methodology for the development of the IISG biennial needs mapping report",
        kind=ProductKind.METHODOLOGY,
        status=ProductStatus.ADOPTED,
        description="<p>Needs are mapped every two years.</p><ul><li>Partners submit.</li></ul>",
    )
    method = build("needs", user=member, cycle=w["cycle"], now=NOW).sections[1]
    said = [block.text for block in method.blocks]
    assert said[0].startswith("This report follows the Methodology for the development of the IISG biennial")
    assert said[1:3] == ["Needs are mapped every two years.", "Partners submit."]


def test_response_report_counts_the_actions_active_in_the_year_and_their_money(w, member):
    document = build("response", user=member, year=2022, now=NOW)
    assert document.name == "iisg-response-mapping-2022"
    actions = table(document, "actions")
    # a4 ended in 2020 and a5 is cancelled.
    assert [row[0] for row in actions.rows] == [
        "Border crossing equipment",
        "Border police training",
        "Green border surveillance",
    ]
    by_title = {row[0]: row for row in actions.rows}
    assert by_title["Border crossing equipment"][7:10] == [0, 120_000, 300_000]  # in 2022: disbursed only
    donors = table(document, "donors")
    assert [row[:2] for row in donors.rows] == [["Donor One", 2], ["Donor Two", 1]]
    # The totals count each action active in 2022 once: a1, a2 (D1) and a3 (D2).
    assert donors.totals == ["Total", 3, 300_000, 120_000]
    assert table(document, "actions-per-pillar-partner").totals == ["Total", "", 3, 300_000, 120_000]
    responses = table(document, "responses")
    assert [(row[0], row[2]) for row in responses.rows] == [
        ("N1", "Border crossing equipment"),
        ("N1", "Border police training"),
        ("N2", "Border police training"),
        ("N2", "Green border surveillance"),
    ]
    assert any("1 transactions of 2022 without a euro figure" in text for text in texts(document))


def test_analysis_report_gives_the_dashboard_s_figures(w, member):
    document = build("analysis", user=member, cycle=w["cycle"], year=2022, now=NOW)
    mapping = selectors.support_mapping(member, selectors.Scope(cycle=w["cycle"], year=2022))
    assert [str(row[0]) for row in table(document, "gaps").rows] == [
        need.reference for need in selectors.sort_by_priority(mapping.gaps)
    ]
    assert "Of 6 needs, 2 have an active confirmed response in 2022; 3 adopted needs are gaps (2 of high priority)" in (
        " ".join(texts(document))
    )
    chart = next(block for section in document.sections for block in section.blocks if isinstance(block, Chart))
    assert chart.svg.startswith("<svg")
    assert isinstance(chart.table, Table)
    assert titles(document)[-1] == "8 Funding over time"


def test_sections_are_numbered_with_unique_anchors(w, member):
    document = build("needs", user=member, cycle=w["cycle"], now=NOW)
    anchors = [section.anchor for section in document.sections]
    assert len(set(anchors)) == len(anchors)
    assert titles(document)[3].startswith("4 ")
    assert titles(document)[4].startswith("4.1 ")
