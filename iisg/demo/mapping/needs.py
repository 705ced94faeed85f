"""The needs mapping of a plan, through the needs services: the Secretariat opens the cycle, adds
each need, and moves the needs through the review — submitted, the cycle closed for review,
validated, proposed by the Support Group — until the Board's decision adopts the cycle and, with
it, every proposed need.

A second load finds the cycle by its period and each need by its reference, and leaves them alone
when they are as the plan has them. A need that differs is changed back by update_need while it
is not adopted; a step that is missing is taken; what the rules keep as it is (an adopted need is
frozen, a rejected one stays rejected) is described in `kept`.
"""

from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus
from iisg.needs.models import Area, Cycle, Need
from iisg.needs.services import (
    adopt_cycle,
    close_cycle_for_review,
    create_need,
    open_cycle,
    propose_need,
    submit_need,
    update_need,
    validate_need,
)

from .. import curated, taxonomy
from ..adoptions import by_decision
from ..compare import differences
from ..upsert import CHANGE_REASON, upsert_many


def load_needs_cycle(planned, *, period, decision, directory, actors, kept):
    """The needs cycle of `period` ({"first_year", "last_year"}) with the `planned` needs, adopted
    by `decision`; returns the cycle and its needs by reference, as stored."""
    first_year, last_year = period["first_year"], period["last_year"]
    cycle = Cycle.objects.filter(kind=CycleKind.NEEDS, first_year=first_year, last_year=last_year).first()
    if cycle is None:
        cycle = open_cycle(user=actors.secretariat, first_year=first_year, last_year=last_year, comment=CHANGE_REASON)
    areas = load_areas(cycle, directory.pillars)
    needs = load_needs(planned, cycle=cycle, areas=areas, directory=directory, actors=actors, kept=kept)
    if cycle.status != CycleStatus.ADOPTED:
        review(cycle, needs, decision=decision, actors=actors, kept=kept)
        needs = {need.reference: need for need in Need.objects.filter(cycle=cycle, reference__in=needs)}
    unadopted = sorted(reference for reference, need in needs.items() if need.status != NeedStatus.ADOPTED)
    if unadopted:
        kept.append(f"Needs of {cycle} not adopted: {', '.join(unadopted)}.")
    return cycle, needs


def load_areas(cycle, pillars):
    """The taxonomy of each pillar in the cycle: objectives, then their areas; by (pillar, code).

    Areas have no service of their own: they are the cycle's taxonomy, written like the directory.
    """
    objectives = upsert_many(
        Area,
        [
            {
                "cycle_id": cycle.pk,
                "pillar_id": pillars[pillar].pk,
                "code": objective.code,
                "parent_id": None,
                "name": objective.name,
            }
            for pillar, objectives in taxonomy.TAXONOMY.items()
            for objective in objectives
        ],
        key=("cycle_id", "pillar_id", "code"),
        existing=Area.objects.filter(cycle=cycle),
    )
    areas = upsert_many(
        Area,
        [
            {
                "cycle_id": cycle.pk,
                "pillar_id": pillars[pillar].pk,
                "code": area.code,
                "parent_id": objectives[(cycle.pk, pillars[pillar].pk, objective.code)].pk,
                "name": area.name,
            }
            for pillar, objectives_of_pillar in taxonomy.TAXONOMY.items()
            for objective in objectives_of_pillar
            for area in objective.areas
        ],
        key=("cycle_id", "pillar_id", "code"),
        existing=Area.objects.filter(cycle=cycle),
    )
    code_of_pillar = {pillar.pk: code for code, pillar in pillars.items()}
    return {(code_of_pillar[pillar_id], code): area for (_, pillar_id, code), area in areas.items()}


def load_needs(planned, *, cycle, areas, directory, actors, kept):
    """The planned needs of the cycle by reference: added by create_need (drafts), or changed back
    to the plan by update_need."""
    ministries = {partner.code: directory.organisations[partner.ministry] for partner in curated.tables().partners}
    stored = {need.reference: need for need in Need.objects.filter(cycle=cycle)}
    needs = {}
    for plan in planned:
        values = {
            "partner": directory.partners[plan.partner],
            "pillar": directory.pillars[plan.pillar],
            "area": areas[(plan.pillar, plan.area)],
            "title": plan.title,
            "description": plan.description,
            "need_type": plan.need_type,
            "perspective": plan.perspective,
            "priority": plan.priority,
            "justification": plan.justification,
            "responsible_institution": ministries[plan.partner],
        }
        need = stored.get(plan.reference)
        if need is None:
            if cycle.status == CycleStatus.ADOPTED:
                kept.append(f"Need {plan.reference} is missing from {cycle}, which the Board adopted.")
                continue
            need = Need(cycle=cycle, reference=plan.reference, **values)
            need = create_need(user=actors.secretariat, need=need, comment=CHANGE_REASON)
        elif changes := differences(need, values):
            if need.status == NeedStatus.ADOPTED:
                kept.append(f"Need {need.reference} differs from the plan ({', '.join(changes)}): adopted, frozen")
            else:
                need = update_need(
                    user=actors.secretariat, need=need, changes=changes, version=need.version, comment=CHANGE_REASON
                )
        needs[plan.reference] = need
    return needs


def review(cycle, needs, *, decision, actors, kept):
    """Move the needs of the plan through the review, and have the Board adopt the cycle."""
    user = actors.secretariat
    if cycle.status == CycleStatus.OPEN:
        for reference, need in needs.items():
            if need.status in (NeedStatus.DRAFT, NeedStatus.RETURNED):
                needs[reference] = submit_need(user=user, need=need)
        cycle = close_cycle_for_review(user=user, cycle=cycle)
    for reference, need in needs.items():
        if need.status == NeedStatus.SUBMITTED:
            need = needs[reference] = validate_need(user=user, need=need)
        if need.status == NeedStatus.VALIDATED:
            needs[reference] = propose_need(user=user, need=need)
    adopt_cycle(user=user, cycle=cycle, decision=decision, comment=by_decision("Adopted", decision))
