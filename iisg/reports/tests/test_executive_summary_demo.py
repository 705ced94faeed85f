"""The executive summary of each report generated from the demo: every figure against the selectors
the dashboards read (test_executive_summary.py has the change since the previous cycle)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from iisg.analysis import selectors, tables
from iisg.needs.choices import CycleKind, NeedStatus, Priority
from iisg.needs.models import Cycle
from iisg.reports.content import build
from iisg.website.tests.fixtures import demo_site  # noqa: F401

# The readers of a summary, shared with the hand-made world's tests (their fixtures are not imported).
from .test_executive_summary import by_key, summary, table, texts

pytestmark = pytest.mark.django_db


def expected_coverage(mapping):
    """The key figures worked out here from the mapping's needs, as the dashboards define them."""
    adopted = [need for need in mapping.needs if need.status == NeedStatus.ADOPTED]
    covered = sum(need.is_covered for need in adopted)
    return {
        "needs": len(mapping.needs),
        "adopted": len(adopted),
        "covered": covered,
        "covered_share": Decimal(covered) / len(adopted) if adopted else None,
        "gaps": len(mapping.gaps),
        "high_priority_gaps": sum(need.priority == Priority.HIGH for need in mapping.gaps),
        "overlaps": sum(need.is_overlap for need in adopted),
    }


@pytest.fixture
def demo(demo_site):  # noqa: F811
    member = User.objects.get(username="member")
    cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022)
    return member, cycle


@pytest.mark.parametrize("kind", ["needs", "analysis"])
def test_the_cycle_s_key_figures_are_the_selectors(demo, kind):
    member, cycle = demo
    document = build(kind, user=member, cycle=cycle, year=2022)
    mapping = selectors.support_mapping(member, selectors.Scope(cycle=cycle, year=2022))
    section = summary(document)
    figures = table(section, "key-figures")
    # The demo has no needs cycle before 2021–2022.
    assert [str(row[0]) for row in figures.rows] == [str(cycle)]
    now = by_key(figures, figures.rows[-1])
    assert {key: now[key] for key in expected_coverage(mapping)} == expected_coverage(mapping)
    assert now["gaps"] == len(tables.gaps_table(mapping).rows)  # the gaps chapter's count
    if kind == "analysis":
        total = selectors.heatmap(mapping).total
        assert (now["committed"], now["disbursed"]) == (total.committed, total.disbursed)
        assert total.committed > 0
    else:
        assert "committed" not in now
    assert "No earlier needs-mapping cycle: there is no change to show." in texts(section)


def test_the_needs_per_priority_and_status_are_the_selectors(demo):
    member, cycle = demo
    section = summary(build("needs", user=member, cycle=cycle))
    counts = table(section, "needs-by-priority-and-status")
    mapping = selectors.support_mapping(member, selectors.Scope(cycle=cycle, year=2022))
    by_priority = selectors.by_priority(mapping)
    assert [(row[0], row[-1]) for row in counts.rows] == [
        (Priority(priority).label, tally.needs) for priority, tally in by_priority.items()
    ]
    assert counts.totals[-1] == len(mapping.needs) == 149


def test_the_largest_gaps_are_five_high_priority_adopted_needs_without_response(demo):
    member, cycle = demo
    section = summary(build("analysis", user=member, cycle=cycle, year=2022))
    gaps = table(section, "largest-gaps")
    mapping = selectors.support_mapping(member, selectors.Scope(cycle=cycle, year=2022))
    high = [need for need in selectors.sort_by_priority(mapping.gaps) if need.priority == Priority.HIGH]
    assert len(high) > 5
    assert [row[0] for row in gaps.rows] == [need.reference for need in high[:5]]
    for need in high[:5]:
        assert need.status == NeedStatus.ADOPTED
        assert not need.active_responses
    assert gaps.notes[0] == f"5 of {len(high)} high-priority gaps."


def test_the_response_report_s_figures_are_the_response_mapping_s(demo):
    member, cycle = demo
    section = summary(build("response", user=member, year=2022))
    figures = table(section, "key-figures")
    for row, year in zip(figures.rows, (2021, 2022), strict=False):
        mapping = selectors.response_mapping(member, year)
        assert by_key(figures, row) == {
            "label": str(year),
            "actions": len(mapping.actions),
            "donors": len({donor.pk for action in mapping.actions for donor in action.donors}),
            "committed": sum((action.committed_in_year for action in mapping.actions), Decimal(0)),
            "disbursed": sum((action.disbursed_in_year for action in mapping.actions), Decimal(0)),
        }
    coverage = table(section, "coverage-figures")
    for row, year in zip(coverage.rows, (2021, 2022), strict=False):
        mapping = selectors.support_mapping(member, selectors.Scope(cycle=cycle, year=year))
        assert {key: by_key(coverage, row)[key] for key in expected_coverage(mapping)} == expected_coverage(mapping)
