"""The support mapping's queries read the responded actions by their ids, passed as one parameter
(selectors.mapping._listed): the edge cases of that list, on SQLite and PostgreSQL alike."""

import pytest

from iisg.analysis import selectors
from iisg.analysis.selectors import Scope
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.choices import CycleStatus

from . import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretariat():
    return f.UserFactory(roles=[Role.SECRETARIAT])


def test_every_adopted_need_is_a_gap_when_no_action_responds_to_the_cycle(secretariat):
    w = world.build()
    cycle = f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.ADOPTED)
    for _ in range(3):
        f.NeedFactory(cycle=cycle, partner=w["albania"], pillar=w["borders"], area=None, status="adopted")
    mapping = selectors.support_mapping(secretariat, Scope(cycle=cycle, year=2024))
    assert len(mapping.gaps) == 3
    assert selectors.heatmap(mapping).total.covered == 0
    assert selectors.funding_over_time(mapping) == []
