"""Each data-quality rule on a small hand-made world: what it finds, and what it leaves alone."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from iisg.actions.choices import ActionSource, ActivityStatus, OrganisationRole, ResponseStatus, TransactionType
from iisg.analysis import quality
from iisg.core.tests import factories as f
from iisg.governance.choices import DecisionKind
from iisg.needs.choices import CycleStatus, NeedStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 30)


@pytest.fixture
def albania():
    return f.PartnerFactory(code="AL")


@pytest.fixture
def borders():
    return f.PillarFactory(code="wbbsi")


@pytest.fixture
def world(albania, borders):
    """Builds actions of Albania in the border pillar, counted by the figures unless told otherwise."""

    def action(title="Border police training", *, partners=(albania,), pillars=(borders,), donor=None, **fields):
        made = f.ActionFactory(title=title, **fields)
        made.partners.set(partners)
        made.pillars.set(pillars)
        if donor is not None:
            f.ActionOrganisationFactory(action=made, organisation=donor, role=OrganisationRole.FUNDING)
        return made

    return action


def found(rule, today=TODAY):
    return {finding.record.pk: finding for finding in rule(today)}


def test_ended_actions_still_in_implementation_are_found_by_their_actual_else_planned_end(world):
    planned_past = world("Planned to end last year", planned_end=datetime.date(2025, 12, 31))
    actual_past = world("Ended early", planned_end=datetime.date(2027, 12, 31), actual_end=datetime.date(2026, 1, 31))
    world("Goes on", planned_end=datetime.date(2026, 12, 31))
    world("Closed properly", planned_end=datetime.date(2025, 12, 31), status=ActivityStatus.CLOSED)
    world("Withdrawn", planned_end=datetime.date(2025, 12, 31), withdrawn_at=timezone.now())
    world("Not of the mission", planned_end=datetime.date(2025, 12, 31), partners=())

    findings = found(quality.ended_in_implementation)

    assert set(findings) == {planned_past.pk, actual_past.pk}
    assert "31 January 2026" in findings[actual_past.pk].reason
    assert findings[actual_past.pk].action == actual_past
    assert findings[actual_past.pk].fix_url == f"/admin/actions/action/{actual_past.pk}/change/"


def test_active_actions_without_a_disbursement_in_the_last_year_are_found(world):
    dates = {"planned_start": datetime.date(2024, 1, 1), "planned_end": datetime.date(2027, 12, 31)}
    silent = world("Nothing paid for a year", **dates)
    f.TransactionFactory(action=silent, date=datetime.date(2025, 6, 1), transaction_type=TransactionType.DISBURSEMENT)
    committed_only = world("Only a commitment lately", **dates)
    f.TransactionFactory(
        action=committed_only, date=datetime.date(2026, 3, 1), transaction_type=TransactionType.OUTGOING_COMMITMENT
    )
    paying = world("Paid this spring", **dates)
    f.TransactionFactory(action=paying, date=datetime.date(2026, 4, 1), transaction_type=TransactionType.DISBURSEMENT)
    spending = world("Spent this spring", **dates)
    f.TransactionFactory(action=spending, date=datetime.date(2026, 4, 1), transaction_type=TransactionType.EXPENDITURE)
    world("Started in March", planned_start=datetime.date(2026, 3, 1), planned_end=datetime.date(2027, 12, 31))
    world("Ended", planned_start=datetime.date(2022, 1, 1), planned_end=datetime.date(2025, 12, 31))
    world("In the pipeline", status=ActivityStatus.PIPELINE, **dates)

    findings = found(quality.no_recent_disbursement)

    assert set(findings) == {silent.pk, committed_only.pk}
    assert "30 June 2025" in findings[silent.pk].reason


def test_sector_percentages_not_adding_to_100_in_a_vocabulary_are_found(world):
    split = world("Split 60/40")
    f.ActionSectorFactory(action=split, code="15210", percentage=Decimal(60))
    f.ActionSectorFactory(action=split, code="15130", percentage=Decimal(40))
    rounded = world("Three thirds")
    for code in ("15210", "15130", "15220"):
        f.ActionSectorFactory(action=rounded, code=code, percentage=Decimal("33.33"))
    short = world("Adds to 90")
    f.ActionSectorFactory(action=short, code="15210", percentage=Decimal(60))
    f.ActionSectorFactory(action=short, code="15130", percentage=Decimal(30))
    alone = world("One sector, no share")
    f.ActionSectorFactory(action=alone, code="15210", percentage=None)
    half = world("One sector at half")
    f.ActionSectorFactory(action=half, code="15210", percentage=Decimal(50))
    missing = world("Two sectors, one share")
    f.ActionSectorFactory(action=missing, code="15210", percentage=Decimal(100))
    f.ActionSectorFactory(action=missing, code="15130", percentage=None)
    second_vocabulary = world("Right in DAC, wrong in its own")
    f.ActionSectorFactory(action=second_vocabulary, code="15210", percentage=Decimal(100))
    f.ActionSectorFactory(action=second_vocabulary, vocabulary="99", code="BORDERS", percentage=Decimal(80))

    findings = found(quality.sector_shares_off)

    assert set(findings) == {short.pk, half.pk, second_vocabulary.pk}
    assert findings[short.pk].reason == "Sector percentages add up to 90 in vocabulary 1, not 100."
    assert findings[second_vocabulary.pk].reason == "Sector percentages add up to 80 in vocabulary 99, not 100."


def test_money_without_a_eur_figure_is_found_once_per_action(world):
    in_euros = world("Paid in euros")
    f.TransactionFactory(action=in_euros, currency="EUR")
    f.BudgetFactory(action=in_euros, currency="EUR")
    unknown = world("Currency and rate unknown")
    f.TransactionFactory(action=unknown, currency="")
    f.TransactionFactory(action=unknown, currency="")
    f.BudgetFactory(action=unknown, currency="USD")

    findings = found(quality.money_without_eur)

    assert set(findings) == {unknown.pk}
    assert findings[unknown.pk].reason.startswith("2 transactions and 1 budget without a EUR figure")


def test_actions_without_partner_or_pillar_are_found_but_not_imported_ones_outside_the_mission(world, borders):
    complete = world("Complete")
    no_pillar = world("No pillar", pillars=())
    no_partner = world("No partner", partners=())
    neither = world("Neither", partners=(), pillars=())
    world("From a workbook, no partner", partners=(), source=ActionSource.EXCEL)
    world("Imported for another country", partners=(), pillars=(), source=ActionSource.IATI)
    world("Withdrawn, no pillar", pillars=(), withdrawn_at=timezone.now())

    findings = found(quality.no_partner_or_pillar)

    assert complete.pk not in findings
    assert {no_pillar.pk, no_partner.pk, neither.pk} < set(findings)
    assert len(findings) == 4
    assert findings[no_pillar.pk].reason == "No pillar: give the pillars it works in."
    assert findings[neither.pk].reason.startswith("No beneficiary partner and no pillar")


def test_an_entered_action_like_an_imported_one_of_the_same_donor_is_proposed_for_merging(world):
    austria, italy = f.OrganisationFactory(acronym="AT MoI"), f.OrganisationFactory(acronym="IT MoI")
    dates = {"planned_start": datetime.date(2021, 1, 1), "planned_end": datetime.date(2023, 12, 31)}
    entered = world("Border police capacity building in Albania", donor=austria, **dates)
    imported = world(
        "Border Police Capacity-Building, Albania",
        donor=austria,
        source=ActionSource.IATI,
        iati_identifier="AT-1-123",
        planned_start=datetime.date(2022, 6, 1),
        planned_end=datetime.date(2024, 12, 31),
    )
    world("Border police capacity building in Albania", donor=italy, source=ActionSource.IATI, **dates)
    lonely = world("Witness protection in Serbia", donor=italy, **dates)
    world(
        "Witness protection in Serbia",
        donor=italy,
        source=ActionSource.IATI,
        planned_start=datetime.date(2010, 1, 1),
        planned_end=datetime.date(2012, 12, 31),
    )
    unlike = world("Cybercrime laboratory equipment", donor=austria, **dates)
    elsewhere = world("Forensic laboratory for Albania", donor=austria, **dates)
    serbia = f.PartnerFactory(code="RS")
    world("Forensic laboratory for Serbia", donor=austria, source=ActionSource.IATI, partners=(serbia,), **dates)

    findings = found(quality.likely_duplicates)

    assert set(findings) == {entered.pk}
    assert "AT-1-123" in findings[entered.pk].reason
    assert findings[entered.pk].fix_url == f"/admin/actions/action/{entered.pk}/merge-into/{imported.pk}/"
    assert lonely.pk not in findings
    assert unlike.pk not in findings
    assert elsewhere.pk not in findings, "no beneficiary partner in common"


def test_needs_carried_over_unchanged_for_two_cycles_are_found_in_their_latest_copy(albania, borders):
    cycles = [
        f.CycleFactory(first_year=year, last_year=year + 1, status=CycleStatus.ARCHIVED) for year in (2019, 2021)
    ] + [f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.OPEN)]

    def chain(*titles):
        needs, before = [], None
        for cycle, title in zip(cycles, titles, strict=False):
            before = f.NeedFactory(cycle=cycle, partner=albania, pillar=borders, title=title, carried_over_from=before)
            needs.append(before)
        return needs

    *_, stale = chain("Thermal cameras", "Thermal cameras", "Thermal cameras")
    chain("Patrol boats", "Patrol boats for Lake Skadar", "Patrol boats for Lake Skadar")
    chain("Drones", "Drones")

    findings = found(quality.carried_over_unchanged)

    assert set(findings) == {stale.pk}
    assert findings[stale.pk].need == stale
    assert "2019–2020" in findings[stale.pk].reason


def test_needs_adopted_more_than_a_year_ago_with_no_confirmed_response_are_found(albania, borders):
    def adopted_cycle(first_year, adopted_on):
        decision = f.DecisionFactory(
            kind=DecisionKind.ADOPT_CYCLE, meeting=f.MeetingFactory(event=f.EventFactory(start_date=adopted_on))
        )
        return f.CycleFactory(
            first_year=first_year, last_year=first_year + 1, status=CycleStatus.ADOPTED, adopted_by=decision
        )

    old, recent = adopted_cycle(2023, datetime.date(2024, 6, 20)), adopted_cycle(2025, datetime.date(2025, 12, 1))

    def adopted(cycle):
        return f.NeedFactory(cycle=cycle, partner=albania, pillar=borders, status=NeedStatus.ADOPTED)

    unanswered = adopted(old)
    only_proposed = adopted(old)
    f.ResponseFactory(need=only_proposed)
    answered = adopted(old)
    f.ResponseFactory(need=answered, status=ResponseStatus.CONFIRMED, confirmed_at=timezone.now())
    adopted(recent)
    f.NeedFactory(cycle=old, partner=albania, pillar=borders, status=NeedStatus.REJECTED, review_comment="No.")

    findings = found(quality.adopted_without_response)

    assert set(findings) == {unanswered.pk, only_proposed.pk}
    assert "20 June 2024" in findings[unanswered.pk].reason


def test_every_rule_is_listed_once_with_its_function():
    assert list(quality.QUALITY_RULES) == [
        "ended",
        "no-disbursement",
        "sector-shares",
        "no-eur",
        "no-partner-or-pillar",
        "duplicate",
        "carried-over",
        "no-response",
    ]
