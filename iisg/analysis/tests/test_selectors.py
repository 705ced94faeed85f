"""The support mapping's figures on hand-made data (tests/world.py), each with its exact answer."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from iisg.actions.choices import Coverage, OrganisationRole
from iisg.analysis import selectors
from iisg.analysis.selectors import Scope
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.needs.choices import Priority

from . import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


@pytest.fixture
def secretariat():
    return f.UserFactory(roles=[Role.SECRETARIAT])


@pytest.fixture
def member():
    return f.UserFactory(roles=[Role.MEMBER])


def mapping_of(user, w, year=2022, **narrowing):
    return selectors.support_mapping(user, Scope(cycle=w["cycle"], year=year, **narrowing))


def by_reference(mapping):
    return {need.reference: need for need in mapping.needs}


def test_drafts_are_not_analysed_and_the_rest_is_in_partner_pillar_order(w, secretariat):
    mapping = mapping_of(secretariat, w)
    assert [need.reference for need in mapping.needs] == ["N3", "N1", "N2", "N6", "N4", "N5"]


def test_coverage_of_each_need_in_2022(w, secretariat):
    needs = by_reference(mapping_of(secretariat, w))
    assert {ref: need.coverage for ref, need in needs.items()} == {
        "N1": Coverage.FULL,
        "N2": Coverage.PARTIAL,
        "N3": "",
        "N4": "",
        "N5": "",
        "N6": "",
    }
    assert [line.title for line in needs["N1"].active_responses] == [
        "Border crossing equipment",
        "Border police training",
    ]
    assert [donor.acronym for donor in needs["N2"].donors] == ["D1", "D2"]
    assert [org.acronym for org in needs["N1"].implementers] == ["I1"]


def test_a_gap_is_an_adopted_need_without_an_active_confirmed_response(w, secretariat):
    mapping = mapping_of(secretariat, w)
    # N3's only action ended in 2020, N4's is cancelled, N6's is only proposed; N5 is not adopted.
    assert [need.reference for need in mapping.gaps] == ["N3", "N6", "N4"]


def test_an_overlap_needs_two_donors_not_two_actions_of_one_donor(w, secretariat):
    mapping = mapping_of(secretariat, w)
    assert [need.reference for need in mapping.overlaps] == ["N2"]
    assert len(by_reference(mapping)["N1"].active_responses) == 2  # both of D1


def test_the_year_decides_which_actions_are_active(w, secretariat):
    mapping = mapping_of(secretariat, w, year=2020)
    assert [need.reference for need in mapping.gaps] == ["N1", "N2", "N6", "N4"]
    assert by_reference(mapping)["N3"].coverage == Coverage.PARTIAL


def test_money_of_an_action_is_shared_among_the_needs_it_responds_to(w, secretariat):
    needs = by_reference(mapping_of(secretariat, w))
    # N1: a1's 300,000 in full + half of a2's 200,000; N2: the other half + a3's 100,000.
    assert needs["N1"].committed == Decimal(400_000)
    assert needs["N1"].disbursed == Decimal(120_000)
    assert needs["N2"].committed == Decimal(200_000)
    assert needs["N3"].committed == 0  # a4 is not active in 2022


def test_tally_of_all_needs(w, secretariat):
    total = selectors.tally(mapping_of(secretariat, w).needs)
    assert (total.needs, total.covered, total.fully_covered, total.gaps, total.overlaps) == (6, 2, 1, 3, 1)
    assert total.high_priority_gaps == 2  # N3 and N6; N4 is low
    assert (total.committed, total.disbursed) == (Decimal(600_000), Decimal(120_000))
    assert total.covered_share == Decimal(2) / 6


def test_heatmap_of_partner_and_pillar(w, secretariat):
    heat = selectors.heatmap(mapping_of(secretariat, w))
    cell = heat.cells
    albania, kosovo, borders, terrorism = w["albania"], w["kosovo"], w["borders"], w["terrorism"]
    assert (cell[albania, borders].needs, cell[albania, borders].covered, cell[albania, borders].overlaps) == (2, 2, 1)
    assert (cell[albania, terrorism].needs, cell[albania, terrorism].gaps) == (1, 1)
    assert (cell[kosovo, borders].needs, cell[kosovo, borders].covered, cell[kosovo, borders].gaps) == (2, 0, 1)
    assert (cell[kosovo, terrorism].needs, cell[kosovo, terrorism].gaps) == (1, 1)
    assert heat.partner_totals[albania].covered_share == Decimal(2) / 3
    assert heat.pillar_totals[borders].needs == 4
    assert heat.total.needs == 6


def test_breakdowns_by_priority_and_area(w, secretariat):
    mapping = mapping_of(secretariat, w)
    priorities = selectors.by_priority(mapping)
    assert list(priorities) == [Priority.HIGH, Priority.MEDIUM, Priority.LOW]
    assert (priorities[Priority.HIGH].needs, priorities[Priority.HIGH].gaps) == (4, 2)
    areas = selectors.by_area(mapping)
    assert areas[w["borders"], w["crossings"]].needs == 1
    assert areas[w["borders"], w["objective"]].needs == 1
    assert areas[w["borders"], None].needs == 2


def test_donors_with_what_they_fund(w, secretariat):
    donors = selectors.contributors(mapping_of(secretariat, w), role=OrganisationRole.FUNDING)
    assert [(row.organisation.acronym, row.needs, row.actions, row.overlapping_needs) for row in donors] == [
        ("D1", 2, 2, 1),
        ("D2", 1, 1, 1),
    ]
    assert [row.committed for row in donors] == [Decimal(500_000), Decimal(100_000)]
    assert donors[0].partners == (w["albania"],)


def test_implementers_with_what_they_implement(w, secretariat):
    implementers = selectors.contributors(mapping_of(secretariat, w), role=OrganisationRole.IMPLEMENTING)
    assert [(row.organisation.acronym, row.needs, row.actions, row.committed) for row in implementers] == [
        ("I1", 2, 2, Decimal(400_000))
    ]


def test_funding_over_time_counts_each_action_once(w, secretariat):
    years = selectors.funding_over_time(mapping_of(secretariat, w))
    assert [(row.year, row.committed, row.disbursed, row.actions) for row in years] == [
        (2019, Decimal(50_000), 0, 1),
        (2021, Decimal(300_000), 0, 1),
        (2022, Decimal(300_000), Decimal(120_000), 3),
    ]


def test_funding_over_time_takes_the_scope_s_share_of_a_shared_action(w, secretariat):
    years = selectors.funding_over_time(mapping_of(secretariat, w, priority=Priority.MEDIUM))
    # Only N2: half of a2 (100,000) and all of a3 (100,000).
    assert [(row.year, row.committed) for row in years] == [(2022, Decimal(200_000))]


def test_transactions_without_a_eur_figure_are_counted_not_summed(w, secretariat):
    assert mapping_of(secretariat, w).transactions_without_eur == 1


def test_donor_concentration_per_partner_and_pillar(w, secretariat):
    rows = {(row.partner.code, row.pillar.code): row for row in selectors.concentration(mapping_of(secretariat, w))}
    cell = rows["AL", "wbbsi"]
    # D1: 300,000 + 100,000 + 100,000; D2: 100,000.
    assert (cell.donors, cell.committed, cell.largest_donor.acronym) == (2, Decimal(600_000), "D1")
    assert cell.largest_share == Decimal(5) / 6
    assert cell.herfindahl == (Decimal(5) / 6) ** 2 + (Decimal(1) / 6) ** 2
    assert set(rows) == {("AL", "wbbsi")}


def test_priority_without_money_ranks_high_priority_needs_by_uncovered_share(w, secretariat):
    ranked = selectors.priority_without_money(mapping_of(secretariat, w))
    assert [(need.reference, need.uncovered_share) for need in ranked] == [
        ("N3", 1),
        ("N5", 1),
        ("N6", 1),
        ("N1", 0),
    ]


@pytest.mark.parametrize(
    ("narrowing", "expected"),
    [
        ({"partner": "kosovo"}, ["N6", "N4", "N5"]),
        ({"pillar": "terrorism"}, ["N3", "N6"]),
        ({"area": "objective"}, ["N1", "N2"]),  # an objective includes its areas
        ({"area": "crossings"}, ["N1"]),
        ({"priority": Priority.HIGH}, ["N3", "N1", "N6", "N5"]),
        ({"donor": "d2"}, ["N3", "N2"]),  # needs D2 responds to, in any year
        ({"donor": "d3"}, ["N4"]),
    ],
)
def test_filters_narrow_the_needs(w, secretariat, narrowing, expected):
    narrowing = {key: value if key == "priority" else w[value] for key, value in narrowing.items()}
    assert [need.reference for need in mapping_of(secretariat, w, **narrowing).needs] == expected


def test_the_public_counts_adopted_needs_only(w):
    mapping = mapping_of(AnonymousUser(), w)
    assert [need.reference for need in mapping.needs] == ["N3", "N1", "N2", "N6", "N4"]


def test_members_count_what_they_may_see(w, member):
    assert [need.reference for need in mapping_of(member, w).needs] == ["N3", "N1", "N2", "N6", "N4", "N5"]


def test_default_year_is_this_year_within_the_cycle_else_its_last(w):
    import datetime

    cycle = w["cycle"]
    assert selectors.default_year(cycle, datetime.date(2026, 5, 1)) == 2022
    assert selectors.default_year(cycle, datetime.date(2021, 5, 1)) == 2021
    assert selectors.default_year(cycle, datetime.date(2019, 5, 1)) == 2021


def test_query_count_does_not_grow_with_the_data(w, secretariat, django_assert_num_queries):
    scope = Scope(cycle=w["cycle"], year=2022)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    selectors.support_mapping(secretariat, scope)  # reads the viewer's roles once per request
    selectors.forget_computed()
    with CaptureQueriesContext(connection) as small:
        selectors.support_mapping(secretariat, scope)
    for n in range(20):
        need = f.NeedFactory(cycle=w["cycle"], partner=w["albania"], pillar=w["borders"], area=None, status="adopted")
        action = f.ActionFactory()
        f.ActionOrganisationFactory(action=action, role=OrganisationRole.FUNDING)
        world._confirm(action, need)
        world._money(action, 2, 2022, 1000 + n)
    selectors.forget_computed()
    with django_assert_num_queries(len(small)):
        mapping = selectors.support_mapping(secretariat, scope)
    assert len(mapping.needs) == 26


def test_a_support_mapping_is_kept_until_the_data_changes(w, secretariat, django_assert_max_num_queries):
    scope = Scope(cycle=w["cycle"], year=2022)
    first = selectors.support_mapping(secretariat, scope)
    with django_assert_max_num_queries(4):  # partners, pillars, areas and the data's version
        assert selectors.support_mapping(secretariat, scope) is first
    world._confirm(w["actions"]["a3"], w["needs"]["N6"])
    changed = selectors.support_mapping(secretariat, scope)
    assert changed is not first
    assert [need.reference for need in changed.gaps] == ["N3", "N4"]


@pytest.mark.parametrize(
    "change",
    [
        lambda w: w["needs"]["N4"].delete(),
        lambda w: setattr_and_save(w["actions"]["a5"], status=2),  # the cancelled action resumes
        lambda w: setattr_and_save(w["albania"], name="Shqipëria"),
        lambda w: setattr_and_save(w["crossings"], name="Crossing points"),
        lambda w: setattr_and_save(w["d1"], acronym="DX"),
    ],
)
def test_any_write_to_what_the_mapping_shows_makes_it_anew(w, secretariat, change):
    scope = Scope(cycle=w["cycle"], year=2022)
    first = selectors.support_mapping(secretariat, scope)
    change(w)
    assert selectors.support_mapping(secretariat, scope) is not first


def test_viewers_with_other_rights_do_not_share_a_mapping(w, secretariat):
    scope = Scope(cycle=w["cycle"], year=2022)
    assert len(selectors.support_mapping(secretariat, scope).needs) == 6
    assert len(selectors.support_mapping(AnonymousUser(), scope).needs) == 5


def setattr_and_save(obj, **values):
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()


def test_response_mapping_of_a_year(w, secretariat):
    mapping = selectors.response_mapping(secretariat, 2022)
    rows = {row.title: row for row in mapping.actions}
    assert sorted(rows) == ["Border crossing equipment", "Border police training", "Green border surveillance"]
    equipment = rows["Border crossing equipment"]
    assert (equipment.committed_in_year, equipment.disbursed_in_year) == (0, Decimal(120_000))
    assert (equipment.committed, equipment.disbursed) == (Decimal(300_000), Decimal(120_000))
    assert [org.acronym for org in equipment.donors] == ["D1"]
    assert [org.acronym for org in equipment.implementers] == ["I1"]
    assert [reference for reference, _title, _coverage in rows["Border police training"].responses] == ["N1", "N2"]
    assert mapping.transactions_without_eur == 1


def test_the_public_has_no_response_mapping(w):
    assert selectors.response_mapping(AnonymousUser(), 2022).actions == []
