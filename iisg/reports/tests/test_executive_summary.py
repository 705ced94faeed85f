"""The executive summary each report opens with: the change since the previous cycle (or year) on
the hand-made world of iisg/analysis/tests/world.py with an earlier cycle added, whose every figure
is known. test_executive_summary_demo.py checks the figures against the selectors on the demo."""

import datetime
from decimal import Decimal

import pytest

from iisg.actions.choices import Coverage
from iisg.analysis.tests import world
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.choices import CycleStatus, NeedStatus, Priority
from iisg.needs.models import Cycle
from iisg.reports.content import build
from iisg.reports.document import Paragraph

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


def summary(document):
    section = document.sections[0]
    assert section.title == "1 Executive summary"
    return section


def table(section, name):
    return next(block for block in section.blocks if getattr(block, "name", None) == name)


def texts(section):
    return [block.text for block in section.blocks if isinstance(block, Paragraph)]


def by_key(table, row):
    return {column.key: value for column, value in zip(table.columns, row, strict=True)}


@pytest.fixture
def member():
    return f.UserFactory(roles=[Role.MEMBER])


@pytest.fixture
def w():
    """The world, and a needs cycle 2019–2020 before it: E1 (high) answered by a4 (active 2019–20),
    E2 (medium) a gap. In 2020: 2 needs, 2 adopted, 1 covered (50%), 1 gap, none of high priority."""
    built = world.build()
    earlier = f.CycleFactory(first_year=2019, last_year=2020, status=CycleStatus.ADOPTED)
    e1, _e2 = (
        f.NeedFactory(
            cycle=earlier,
            reference=reference,
            partner=built["albania"],
            pillar=built["borders"],
            priority=priority,
            status=NeedStatus.ADOPTED,
        )
        for reference, priority in (("E1", Priority.HIGH), ("E2", Priority.MEDIUM))
    )
    world._confirm(built["actions"]["a4"], e1, Coverage.FULL)
    return built


def test_the_change_since_the_previous_cycle(w, member):
    figures = table(summary(build("needs", user=member, cycle=w["cycle"], now=NOW)), "key-figures")
    assert [row[0] for row in figures.rows] == ["Needs mapping 2019–2020", "Needs mapping 2021–2022", "Change"]
    # Then (2019–2020 in 2020), now (2021–2022 in 2022: N1 and N2 of the five adopted needs covered,
    # N3, N4 and N6 gaps, N3 and N6 of high priority, N2 funded by D1 and D2), and the difference.
    assert [row[1:] for row in figures.rows] == [
        [2, 2, 1, Decimal("0.5"), 1, 0, 0],
        [6, 5, 2, Decimal("0.4"), 3, 2, 1],
        [4, 3, 1, Decimal("-0.1"), 2, 2, 1],
    ]
    assert figures.notes == ["The change of a share is in percentage points."]


def test_the_analysis_report_adds_the_money_then_and_now(w, member):
    figures = table(summary(build("analysis", user=member, cycle=w["cycle"], year=2022, now=NOW)), "key-figures")
    committed = [by_key(figures, row)["committed"] for row in figures.rows]
    # Then: a4's 50,000 of 2019, shared by E1 and N3 and active in 2020 for E1 only. Now: a1 300,000
    # (N1) and a2's 200,000 for N1 and N2, a3's 100,000 for N2.
    assert committed == [Decimal(25_000), Decimal(600_000), Decimal(575_000)]


def test_the_response_report_compares_with_the_previous_year(w, member):
    section = summary(build("response", user=member, year=2022, now=NOW))
    actions = table(section, "key-figures")
    # 2021: a1 alone (a4 ended in 2020, a5 is cancelled); 2022: a1, a2 and a3 of D1 and D2.
    assert actions.rows == [
        ["2021", 1, 1, Decimal(300_000), Decimal(0)],
        ["2022", 3, 2, Decimal(300_000), Decimal(120_000)],
        ["Change", 2, 1, Decimal(0), Decimal(120_000)],
    ]
    coverage = table(section, "coverage-figures")
    # The needs of 2021–2022, in 2021 (N1 covered by a1) and in 2022.
    assert [row[1:] for row in coverage.rows] == [
        [6, 5, 1, Decimal("0.2"), 4, 2, 0],
        [6, 5, 2, Decimal("0.4"), 3, 2, 1],
        [0, 0, 1, Decimal("0.2"), -1, 0, 1],
    ]


def test_no_earlier_cycle_or_year_is_said(member):
    world.build()
    cycle = Cycle.objects.get(first_year=2021)
    needs = summary(build("needs", user=member, cycle=cycle, now=NOW))
    assert len(table(needs, "key-figures").rows) == 1
    assert "No earlier needs-mapping cycle: there is no change to show." in texts(needs)
    response = summary(build("response", user=member, year=2019, now=NOW))
    assert [row[0] for row in table(response, "key-figures").rows] == ["2019"]
    assert "No action was active in 2018: there is no change to show." in texts(response)
