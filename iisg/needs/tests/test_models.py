"""A need, a cycle and an area refuse bad data, in the form (clear message) and in the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from iisg.core.tests import factories as f
from iisg.core.tests.assertions import error_messages
from iisg.needs.choices import CycleKind, NeedStatus
from iisg.needs.models import Cycle, Need

pytestmark = pytest.mark.django_db


def test_a_need_requires_its_partner_and_pillar():
    need = f.NeedFactory.build(cycle=f.CycleFactory(), partner=None, pillar=None, area=None)
    with pytest.raises(ValidationError) as error:
        need.full_clean()
    assert set(error.value.message_dict) >= {"partner", "pillar"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.create(cycle=need.cycle, reference="X-1", title="No partner", priority="high")


def test_a_rejected_need_says_why():
    need = f.NeedFactory(status=NeedStatus.REJECTED, review_comment="Covered by the national strategy.")
    need.review_comment = ""
    with pytest.raises(ValidationError) as error:
        need.full_clean()
    assert "A rejected need must say why (review comment)." in error_messages(error)
    with pytest.raises(IntegrityError), transaction.atomic():
        need.save()


def test_a_need_reference_is_unique_in_its_cycle():
    need = f.NeedFactory(reference="AL-WBBSi-001")
    twin = f.NeedFactory.build(
        cycle=need.cycle, reference="AL-WBBSi-001", partner=need.partner, pillar=need.pillar, area=need.area
    )
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert "This reference is already used in this cycle." in error_messages(error)
    next_cycle = f.CycleFactory(first_year=2023, last_year=2024)
    f.NeedFactory(cycle=next_cycle, reference="AL-WBBSi-001")


def test_a_need_area_belongs_to_the_same_pillar_and_cycle():
    need = f.NeedFactory(pillar=f.PillarFactory(code="wbbsi"))
    need.area = f.AreaFactory(cycle=need.cycle, pillar=f.PillarFactory(code="wbcti"))
    with pytest.raises(ValidationError) as error:
        need.full_clean()
    assert error.value.message_dict["area"] == ["The area belongs to another pillar."]


def test_a_need_belongs_to_a_needs_mapping_cycle():
    need = f.NeedFactory()
    need.cycle = f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2022, last_year=2022)
    need.area = None
    with pytest.raises(ValidationError) as error:
        need.full_clean()
    assert error.value.message_dict["cycle"] == ["Needs belong to a needs-mapping cycle."]


def test_a_cycle_cannot_end_before_it_starts():
    cycle = Cycle(kind=CycleKind.NEEDS, first_year=2026, last_year=2025)
    with pytest.raises(ValidationError) as error:
        cycle.full_clean()
    assert "A cycle's last year cannot be before its first year." in error_messages(error)
    with pytest.raises(IntegrityError), transaction.atomic():
        cycle.save()


def test_a_cycle_period_is_unique_per_kind():
    f.CycleFactory(first_year=2021, last_year=2022)
    with pytest.raises(ValidationError) as error:
        Cycle(kind=CycleKind.NEEDS, first_year=2021, last_year=2022).full_clean()
    assert "A cycle of this kind already exists for this period." in error_messages(error)
    f.CycleFactory(kind=CycleKind.RESPONSE, first_year=2021, last_year=2021)
    Cycle(kind=CycleKind.NEEDS, first_year=2021, last_year=2021).full_clean()


def test_a_response_mapping_is_of_one_year():
    with pytest.raises(ValidationError) as error:
        Cycle(kind=CycleKind.RESPONSE, first_year=2021, last_year=2022).full_clean()
    assert "A response mapping is of one year: its last year is its first." in error_messages(error)


def test_cycle_and_need_read_well():
    need = f.NeedFactory(reference="ME-WBBSi-004", title="Thermal cameras for the green border")
    assert str(need.cycle) == "Needs mapping 2021–2022"
    assert str(need) == "ME-WBBSi-004 Thermal cameras for the green border"
    assert str(Cycle(kind=CycleKind.RESPONSE, first_year=2022, last_year=2022)) == "Response mapping 2022"


def test_every_change_to_a_need_is_in_its_history():
    need = f.NeedFactory(priority="medium")
    need.priority = "high"
    need.save()
    latest, previous = need.history.all()[:2]
    changes = latest.diff_against(previous).changes
    assert [(c.field, c.old, c.new) for c in changes] == [("priority", "medium", "high")]
