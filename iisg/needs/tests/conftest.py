"""The partners, pillar, cycles and people the needs tests share."""

import pytest

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.choices import CycleStatus


@pytest.fixture
def pillar():
    return f.PillarFactory(code="wbbsi")


@pytest.fixture
def old_cycle():
    return f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.ADOPTED)


@pytest.fixture
def cycle():
    return f.CycleFactory(first_year=2025, last_year=2026, status=CycleStatus.OPEN)


@pytest.fixture
def secretariat():
    return f.user_with(Role.SECRETARIAT)


@pytest.fixture
def member():
    return f.user_with(Role.MEMBER)


@pytest.fixture
def serbian_focal_point(serbia):
    return f.user_with(Role.FOCAL_POINT, partner=serbia)
