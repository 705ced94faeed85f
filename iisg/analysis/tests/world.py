"""A small hand-made support mapping whose every figure is known (see each test for the sums).

Year 2022, needs-mapping cycle 2021–2022, partners Albania and Kosovo*, pillars WBBSi and WBCTi:

| need | partner, pillar | priority | status    | confirmed responses (action: donor, years)          |
|------|-----------------|----------|-----------|-----------------------------------------------------|
| N1   | AL WBBSi        | high     | adopted   | a1 full (D1, 2021–23), a2 partial (D1, 2022)         |
| N2   | AL WBBSi        | medium   | adopted   | a2 (D1, 2022), a3 (D2, 2022–24)                      |
| N3   | AL WBCTi        | high     | adopted   | a4 (D2, 2019–20): not active in 2022                 |
| N4   | XK WBBSi        | low      | adopted   | a5 (D3, cancelled)                                   |
| N5   | XK WBBSi        | high     | validated | none                                                 |
| N6   | XK WBCTi        | high     | adopted   | a1 only proposed                                     |
| N7   | AL WBBSi        | high     | draft     | none (a draft is not analysed)                       |

Money (EUR): a1 commits 300,000 (2021) and disburses 120,000 (2022); a2 commits 200,000 (2022)
and responds to N1 and N2, so each has 100,000; a3 commits 100,000 (2022) and has one
transaction without a EUR figure; a4 commits 50,000 (2019).
"""

import datetime
from decimal import Decimal

from iisg.actions.choices import ActivityStatus, Coverage, OrganisationRole, ResponseStatus, TransactionType
from iisg.core.tests import factories as f
from iisg.needs.choices import CycleStatus, NeedStatus, Priority

D = datetime.date


def _action(title, donor, start, end, *, implementer=None, status=ActivityStatus.IMPLEMENTATION):
    action = f.ActionFactory(title=title, planned_start=start, planned_end=end, status=status)
    f.ActionOrganisationFactory(action=action, organisation=donor, role=OrganisationRole.FUNDING)
    if implementer is not None:
        f.ActionOrganisationFactory(action=action, organisation=implementer, role=OrganisationRole.IMPLEMENTING)
    return action


def _money(action, kind, year, eur):
    f.TransactionFactory(
        action=action,
        transaction_type=kind,
        date=D(year, 6, 30),
        value=Decimal(eur),
        currency="EUR",
        value_eur=Decimal(eur),
        eur_rate=Decimal(1),
    )


def _confirm(action, need, coverage=Coverage.PARTIAL):
    # An action answering a partner's need benefits that partner: it is of the mission, and counts.
    action.partners.add(need.partner)
    return f.ResponseFactory(
        action=action,
        need=need,
        coverage=coverage,
        status=ResponseStatus.CONFIRMED,
        confirmed_at=datetime.datetime(2022, 3, 1, tzinfo=datetime.UTC),
    )


def build():
    cycle = f.CycleFactory(first_year=2021, last_year=2022, status=CycleStatus.ADOPTED)
    albania, kosovo = f.PartnerFactory(code="AL", order=1), f.PartnerFactory(code="XK", order=3)
    borders, terrorism = f.PillarFactory(code="wbbsi", order=3), f.PillarFactory(code="wbcti", order=1)
    objective = f.AreaFactory(cycle=cycle, pillar=borders, code="1", name="Integrated border management")
    crossings = f.AreaFactory(cycle=cycle, pillar=borders, code="1.2", name="Border crossings", parent=objective)
    d1 = f.OrganisationFactory(name="Donor One", acronym="D1")
    d2 = f.OrganisationFactory(name="Donor Two", acronym="D2")
    d3 = f.OrganisationFactory(name="Donor Three", acronym="D3")
    i1 = f.OrganisationFactory(name="Implementer One", acronym="I1")

    def need(reference, partner, pillar, priority, status=NeedStatus.ADOPTED, area=None):
        return f.NeedFactory(
            cycle=cycle,
            reference=reference,
            partner=partner,
            pillar=pillar,
            priority=priority,
            status=status,
            area=area,
            title=f"Need {reference}",
        )

    needs = {
        "N1": need("N1", albania, borders, Priority.HIGH, area=crossings),
        "N2": need("N2", albania, borders, Priority.MEDIUM, area=objective),
        "N3": need("N3", albania, terrorism, Priority.HIGH),
        "N4": need("N4", kosovo, borders, Priority.LOW),
        "N5": need("N5", kosovo, borders, Priority.HIGH, status=NeedStatus.VALIDATED),
        "N6": need("N6", kosovo, terrorism, Priority.HIGH),
        "N7": need("N7", albania, borders, Priority.HIGH, status=NeedStatus.DRAFT),
    }
    a1 = _action("Border crossing equipment", d1, D(2021, 1, 1), D(2023, 12, 31), implementer=i1)
    a2 = _action("Border police training", d1, D(2022, 1, 1), D(2022, 12, 31))
    a3 = _action("Green border surveillance", d2, D(2022, 3, 1), D(2024, 2, 28), implementer=i1)
    a4 = _action("Prosecutors' training", d2, D(2019, 1, 1), D(2020, 12, 31))
    a5 = _action("Reception centre", d3, D(2021, 1, 1), D(2023, 12, 31), status=ActivityStatus.CANCELLED)
    _money(a1, TransactionType.OUTGOING_COMMITMENT, 2021, 300_000)
    _money(a1, TransactionType.DISBURSEMENT, 2022, 120_000)
    _money(a2, TransactionType.OUTGOING_COMMITMENT, 2022, 200_000)
    _money(a3, TransactionType.OUTGOING_COMMITMENT, 2022, 100_000)
    f.TransactionFactory(
        action=a3, transaction_type=TransactionType.DISBURSEMENT, date=D(2022, 9, 1), currency="", value_eur=None
    )
    _money(a4, TransactionType.OUTGOING_COMMITMENT, 2019, 50_000)
    _confirm(a1, needs["N1"], Coverage.FULL)
    _confirm(a2, needs["N1"])
    _confirm(a2, needs["N2"])
    _confirm(a3, needs["N2"])
    _confirm(a4, needs["N3"])
    _confirm(a5, needs["N4"])
    f.ResponseFactory(action=a1, need=needs["N6"], status=ResponseStatus.PROPOSED)
    return {
        "cycle": cycle,
        "albania": albania,
        "kosovo": kosovo,
        "borders": borders,
        "terrorism": terrorism,
        "objective": objective,
        "crossings": crossings,
        "d1": d1,
        "d2": d2,
        "d3": d3,
        "i1": i1,
        "needs": needs,
        "actions": {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5},
    }
