"""The reports' charts: accessible SVG (a title, a description, role img, no repeated ids), colours
a reader can see, the heatmap's values printed in it, and each chart where it belongs with the
table of its figures and what the XLSX and DOCX writers need to draw it again."""

import re
from decimal import Decimal

import pytest
from lxml import etree

from iisg.analysis import charts, selectors
from iisg.analysis.tests import world
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.reports.content import build
from iisg.reports.document import Chart

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def luminance(colour):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(first, second):
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def accessible(svg):
    tree = etree.fromstring(svg.encode())
    assert tree.get("role") == "img"
    title, desc = tree.find(f"{SVG}title"), tree.find(f"{SVG}desc")
    assert title.text
    assert desc.text
    assert tree.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert not tree.xpath("//*[local-name()='script']")
    return tree


@pytest.fixture
def w():
    return world.build()


@pytest.fixture
def member():
    return f.UserFactory(roles=[Role.MEMBER])


def charts_of(document):
    return {
        block.table.name: block for section in document.sections for block in section.blocks if isinstance(block, Chart)
    }


def test_chart_colours_are_3_to_1_against_white():
    for colour in charts.STYLE.colors:
        assert contrast(colour, "#ffffff") >= 3, colour
    assert contrast(charts.OUTLINE, "#ffffff") >= 3


def test_heatmap_prints_each_cell_s_share_and_needs_in_a_readable_colour(w, member):
    mapping = selectors.support_mapping(member, selectors.Scope(cycle=w["cycle"], year=2022))
    heat = selectors.heatmap(mapping)
    tree = accessible(charts.heatmap_chart(heat))
    texts = [text.text for text in tree.iter(f"{SVG}text")]
    # Albania in WBCTi (the first pillar): N3 not covered; in WBBSi: N1 and N2 covered (N7 is a
    # draft); in all: 2 of 3.
    albania = texts[texts.index("Albania") :][:7]
    assert albania == ["Albania", "0%", "0 of 1 needs", "100%", "2 of 2 needs", "67%", "2 of 3 needs"]
    assert "Kosovo*" in texts
    for fill, ink in charts.HEAT_COLOURS.values():
        assert contrast(fill, ink) >= 4.5, fill
    for cell in tree.iter(f"{SVG}rect"):
        if cell.get("stroke"):
            assert cell.get("stroke") == charts.OUTLINE


def test_two_charts_on_one_page_share_no_id():
    first = charts.needs_by_priority_chart(["High", "Low"], [("Covered", [1, 2]), ("Not covered", [3, 4])])
    second = charts.donor_shares_chart([("Donor One", Decimal("0.6")), ("Donor Two", Decimal("0.4"))])
    ids = [re.findall(r' id="([^"]+)"', svg) for svg in (first, second)]
    assert not set(ids[0]) & set(ids[1])
    accessible(first)
    assert "Donor One" in accessible(second).find(f"{SVG}desc").text


def test_the_analysis_report_has_the_four_charts_with_their_tables(w, member):
    found = charts_of(build("analysis", user=member, cycle=w["cycle"], year=2022))
    assert {name: (chart.kind, chart.category, chart.series) for name, chart in found.items()} == {
        "coverage-grid": ("heatmap", "partner", ("wbcti", "wbbsi", "all")),
        "needs-by-priority": ("stacked", "priority", ("covered", "not_covered")),
        "donor-shares": ("barh", "donor", ("share",)),
        "funding": ("bar", "year", ("committed", "disbursed")),
    }
    for chart in found.values():
        keys = [column.key for column in chart.table.columns]
        assert chart.category in keys
        assert set(chart.series) <= set(keys)
        accessible(chart.svg)
    # High: N1 covered; N3, N6 gaps (N5, validated, is not covered either). Medium: N2. Low: N4.
    assert found["needs-by-priority"].table.rows == [["High", 1, 3, 4], ["Medium", 1, 0, 1], ["Low", 0, 1, 1]]
    assert found["needs-by-priority"].table.totals == ["Total", 2, 4, 6]
    # D1 funds a1 and a2 (N1's 400,000 and N2's 100,000); D2 a3 (N2's 100,000); of 600,000.
    assert [row[1:] for row in found["donor-shares"].table.rows] == [
        [Decimal(500_000), Decimal(500_000) / Decimal(600_000)],
        [Decimal(100_000), Decimal(100_000) / Decimal(600_000)],
    ]
    grid = found["coverage-grid"].table
    assert grid.totals[0] == "All partners"
    assert grid.totals[-1] == Decimal(2) / Decimal(6)


def test_the_needs_report_charts_needs_by_priority_and_pillar(w, member):
    chart = charts_of(build("needs", user=member, cycle=w["cycle"]))["needs-by-priority"]
    assert (chart.kind, chart.category, chart.series) == ("stacked", "priority", ("wbcti", "wbbsi"))
    assert chart.table.rows == [["High", 2, 2, 4], ["Medium", 0, 1, 1], ["Low", 0, 1, 1]]
    assert chart.table.totals == ["Total", 2, 4, 6]


def test_the_response_report_charts_the_donors_shares_of_the_year(w, member):
    chart = charts_of(build("response", user=member, year=2022))["donor-shares"]
    assert chart.kind == "barh"
    # Committed in 2022: a2 200,000 (D1) and a3 100,000 (D2).
    assert [row[1:] for row in chart.table.rows] == [
        [Decimal(200_000), Decimal(200_000) / Decimal(300_000)],
        [Decimal(100_000), Decimal(100_000) / Decimal(300_000)],
    ]
