"""The 6th Board meeting: its decisions, and what they adopted and admitted."""

import datetime

import pytest

from iisg.demo.adoptions import PRODUCT_NOT_ON_RECORD
from iisg.directory.choices import Body
from iisg.governance.choices import DecisionKind, MeetingBody, ProductKind, ProductStatus
from iisg.governance.models import Meeting, Product
from iisg.needs.choices import CycleKind, CycleStatus
from iisg.needs.models import Cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def sixth(demo):
    return Meeting.objects.get(body=MeetingBody.BOARD, number=6)


def test_the_6th_board_meeting_met_in_sarajevo_on_20_june_2022_chaired_by_dg_near(sixth):
    assert sixth.event.start_date == datetime.date(2022, 6, 20)
    assert sixth.event.city == "Sarajevo"
    assert sixth.chair.acronym == "DG NEAR"
    assert sixth.pillar is None


def test_its_decisions_are_numbered_in_the_order_of_the_page(sixth):
    assert [(decision.number, decision.kind) for decision in sixth.decisions.all()] == [
        (1, DecisionKind.ADOPT_CYCLE),
        (2, DecisionKind.ADOPT_PRODUCT),
        (3, DecisionKind.ADOPT_PRODUCT),
        (4, DecisionKind.ADOPT_PRODUCT),
        (5, DecisionKind.APPROVE_WORK_PLAN),
        (6, DecisionKind.ADMIT_MEMBER),
        (7, DecisionKind.EXTEND_MANDATE),
    ]
    assert "Agron Sojati" in sixth.decisions.get(number=7).text


def test_it_adopted_the_needs_mapping_2021_2022_of_the_three_pillars(sixth):
    decision = sixth.decisions.get(number=1)
    cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022)
    assert cycle.status == CycleStatus.ADOPTED
    assert cycle.adopted_by == decision
    assert set(decision.pillars.values_list("code", flat=True)) == {"wbcti", "wbcsci", "wbbsi"}


def test_it_adopted_the_three_methodologies_and_approved_the_work_plan(sixth):
    adopted = {
        decision.number: list(decision.adopted_products.all()) for decision in sixth.decisions.filter(number__lte=5)
    }
    assert [product.title for number in (2, 3, 4) for product in adopted[number]] == [
        "Methodology for the development of the IISG biennial needs mapping report",
        "Methodology for the development of the IISG annual response mapping report",
        "Methodology for mapping support to the IISG needs (IISG Database)",
    ]
    assert all(
        (product.kind, product.status) == (ProductKind.METHODOLOGY, ProductStatus.ADOPTED)
        for number in (2, 3, 4)
        for product in adopted[number]
    )
    (work_plan,) = adopted[5]
    assert (work_plan.title, work_plan.kind, work_plan.status) == (
        "IISG Secretariat annual work plan 2022",
        ProductKind.WORK_PLAN,
        ProductStatus.ADOPTED,
    )
    assert adopted[1] == []


def test_the_products_were_proposed_to_the_board_then_adopted_by_their_decisions(sixth):
    methodology = sixth.decisions.get(number=2).adopted_products.get()
    work_plan = sixth.decisions.get(number=5).adopted_products.get()
    for product in (methodology, work_plan):
        # Its pillars, set after it was created, are a history record of their own.
        records = reversed(product.history.all())
        steps = dict.fromkeys((record.status, record.history_user.username) for record in records)
        assert list(steps) == [
            (ProductStatus.IN_PROCESS, "secretariat"),
            (ProductStatus.PROPOSED, "secretariat"),
            (ProductStatus.ADOPTED, "secretariat"),
        ]
    assert methodology.history.first().history_change_reason == "Adopted by the Board: decision 2 of 20 June 2022"
    assert work_plan.history.first().history_change_reason == "Approved by the Board: decision 5 of 20 June 2022"


def test_a_product_the_wbbsi_page_lists_as_accomplished_is_adopted_with_no_decision_on_record(demo):
    product = Product.objects.get(title="Communication Strategy and Action Plan")
    assert (product.status, product.adopted_by) == (ProductStatus.ADOPTED, None)
    assert product.history.first().history_change_reason == PRODUCT_NOT_ON_RECORD


def test_it_admitted_rai_bulgaria_and_osce_kosovo_to_support_groups(sixth):
    admitted = sixth.decisions.get(number=6).admitted_memberships.select_related("organisation", "pillar")
    assert {membership.organisation.short_name for membership in admitted} == {"RAI", "Bulgaria", "OSCE Kosovo*"}
    assert all(membership.body == Body.SUPPORT_GROUP for membership in admitted)
    assert all(membership.since == datetime.date(2022, 6, 20) for membership in admitted)
    # RAI is on the WBBSi page; the two others are not, so they are not in that Support Group.
    wbbsi = {membership.organisation.short_name for membership in admitted if membership.pillar.code == "wbbsi"}
    assert wbbsi == {"RAI"}


def test_the_7th_board_meeting_is_a_numbered_meeting_too(demo):
    seventh = Meeting.objects.get(body=MeetingBody.BOARD, number=7)
    assert seventh.event.start_date == datetime.date(2023, 12, 7)
    assert not seventh.decisions.exists()
