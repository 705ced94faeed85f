"""Partners, pillars, the WBBSi Support Group and the products, as the WBBSi page publishes them."""

import pytest

from iisg.directory.choices import Body
from iisg.directory.models import Membership, Partner, Pillar
from iisg.governance.choices import ProductStatus
from iisg.governance.models import Product

from .published import pillar_page_bullets, pillar_page_lines

pytestmark = pytest.mark.django_db

# The states of the Support Group as the page names them.
COUNTRY_NAMES = {"AT": "Austria", "SI": "Slovenia", "FR": "France", "IT": "Italy", "GB": "United Kingdom"}
# The methodologies the 6th Board meeting adopted for the whole IISG, listed on the page under other words.
BOARD_METHODOLOGIES = {
    "The Methodology and templates for mapping needs": (
        "Methodology for the development of the IISG biennial needs mapping report"
    ),
    "Methodology of response mapping": "Methodology for the development of the IISG annual response mapping report",
}


def _contrast_with_white(colour):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(int(colour[index : index + 2], 16)) for index in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


def test_the_six_partners_in_order_with_kosovo_under_its_designation(demo):
    partners = list(Partner.objects.all())
    assert [(partner.code, partner.name) for partner in partners] == [
        ("AL", "Albania"),
        ("BA", "Bosnia and Herzegovina"),
        ("XK", "Kosovo"),
        ("ME", "Montenegro"),
        ("MK", "North Macedonia"),
        ("RS", "Serbia"),
    ]
    assert [partner.display_name for partner in partners if partner.has_designation_footnote] == ["Kosovo*"]


def test_the_three_pillars_with_distinct_accessible_colours(demo):
    pillars = list(Pillar.objects.all())
    assert [(pillar.code, pillar.acronym, pillar.name) for pillar in pillars] == [
        ("wbcti", "WBCTi", "Western Balkan Counter-Terrorism initiative"),
        ("wbcsci", "WBCSCi", "Western Balkan Countering Serious Crime initiative"),
        ("wbbsi", "WBBSi", "Western Balkan Border Security initiative"),
    ]
    assert len({pillar.colour for pillar in pillars}) == 3
    assert all(_contrast_with_white(pillar.colour) >= 4.5 for pillar in pillars)
    assert all(pillar.objective for pillar in pillars)


def test_wbbsi_has_the_objective_tasks_and_decision_making_of_its_page(demo):
    wbbsi = Pillar.objects.get(code="wbbsi")
    (line,) = [line for line in pillar_page_lines() if line.startswith("Objective of the WBBSi")]
    objective = line.removeprefix("Objective of the WBBSi").removesuffix("Support Group Members").strip()
    assert wbbsi.objective == objective
    assert wbbsi.tasks.splitlines() == pillar_page_bullets("Tasks")
    assert wbbsi.decision_making.splitlines() == pillar_page_bullets("Decision-making process")
    assert len(wbbsi.tasks.splitlines()) == 8


def test_wbbsi_support_group_has_exactly_the_members_of_its_page_in_order(demo):
    lines = pillar_page_bullets("Support Group Members")
    members = list(
        Membership.objects.filter(body=Body.SUPPORT_GROUP, pillar__code="wbbsi")
        .select_related("organisation__partner")
        .order_by("order")
    )
    assert len(lines) == len(members) == 21
    assert [member.order for member in members] == list(range(1, 22))
    for line, member in zip(lines, members, strict=True):
        organisation = member.organisation
        names = {
            organisation.name,
            organisation.acronym,
            organisation.partner.name if organisation.partner else "",
            COUNTRY_NAMES.get(organisation.country, ""),
        } - {""}
        assert any(name in line for name in names), (line, organisation.name)
        assert member.note in line


def test_partner_ministries_of_the_support_group_belong_to_their_partner(demo):
    members = Membership.objects.filter(
        body=Body.SUPPORT_GROUP, pillar__code="wbbsi", organisation__partner__isnull=False
    )
    assert sorted(members.values_list("organisation__partner__code", flat=True)) == sorted(
        ["AL", "BA", "XK", "ME", "MK", "RS"]
    )
    assert all(member.note == "including relevant bodies for Border Security" for member in members)


def test_the_board_is_the_commission_chairing_and_the_six_partners_ministries(demo):
    board = Membership.objects.filter(body=Body.BOARD).select_related("organisation")
    assert [(member.organisation.acronym, member.role) for member in board if member.role] == [("DG NEAR", "chair")]
    assert sorted(board.exclude(role="chair").values_list("organisation__partner__code", flat=True)) == sorted(
        ["AL", "BA", "XK", "ME", "MK", "RS"]
    )
    (host,) = Membership.objects.filter(body=Body.SECRETARIAT)
    assert host.organisation.acronym == "RCC"


def test_wbbsi_products_are_those_of_its_page_each_once(demo):
    accomplished = pillar_page_bullets("Accomplished Products")
    in_process = pillar_page_bullets("Products in process")
    wbbsi = Product.objects.filter(pillars__code="wbbsi")
    adopted = set(wbbsi.filter(status=ProductStatus.ADOPTED).values_list("title", flat=True))
    assert {BOARD_METHODOLOGIES.get(line, line) for line in accomplished} == adopted
    assert set(in_process) == set(wbbsi.filter(status=ProductStatus.IN_PROCESS).values_list("title", flat=True))
    assert Product.objects.filter(title__icontains="(IISG Database)").count() == 1
