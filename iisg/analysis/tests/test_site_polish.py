"""The cycle the dashboards open on: the latest with adopted needs, not a newer one still mapped."""

import pytest
from django.urls import reverse

from iisg.analysis import selectors
from iisg.core.tests import factories as f
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
from iisg.needs.models import Cycle

from . import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    """The hand-made world (cycle 2021–2022, five adopted needs), archived, and a newer cycle with
    four needs, none adopted yet: what the demo showed as "4 needs, 0 % covered"."""
    built = world.build()
    built["cycle"].status = CycleStatus.ARCHIVED
    built["cycle"].save()
    newer = f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.IN_REVIEW)
    for status in (NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.VALIDATED, NeedStatus.PROPOSED):
        f.NeedFactory(cycle=newer, partner=built["albania"], pillar=built["borders"], status=status)
    return {**built, "newer": newer}


def test_the_default_cycle_is_the_latest_with_adopted_needs(w):
    # The world is the issue's: by the cycles' status alone (none adopted), the newer one would open.
    assert Cycle.objects.needs_mapping().to_show() == w["newer"]
    assert selectors.default_cycle() == w["cycle"]


def test_a_newer_cycle_opens_once_it_has_adopted_needs(w):
    f.NeedFactory(cycle=w["newer"], partner=w["albania"], pillar=w["borders"], status=NeedStatus.ADOPTED)
    assert selectors.default_cycle() == w["newer"]


def test_a_response_mapping_is_never_the_default_cycle(w):
    response_cycle = f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2025, last_year=2025)
    f.NeedFactory(cycle=response_cycle, partner=w["albania"], pillar=w["borders"], status=NeedStatus.ADOPTED)
    assert selectors.default_cycle() == w["cycle"]


def test_without_adopted_needs_the_latest_adopted_cycle_else_the_latest(db):
    adopted = f.CycleFactory(first_year=2019, last_year=2020, status=CycleStatus.ADOPTED)
    newest = f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.OPEN)
    assert selectors.default_cycle() == adopted
    adopted.delete()
    assert selectors.default_cycle() == newest


def test_the_public_dashboard_opens_on_the_cycle_with_adopted_needs(client, w):
    response = client.get(reverse("analysis:dashboard"))
    assert response.status_code == 200
    assert response.context["scope"].cycle == w["cycle"]
    total = response.context["total"]
    assert (total.needs, total.covered, total.gaps) == (5, 2, 3)
