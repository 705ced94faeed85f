"""Writing a mapping plan to the database through the services (cycles, needs, actions,
responses), and counting what it holds. A second load finds every record again by its natural key
and changes nothing when it is as planned."""

import datetime
from dataclasses import dataclass

from django.db.models import Count

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import Response
from iisg.core.events import silenced
from iisg.needs.choices import CycleStatus, NeedStatus
from iisg.needs.models import Cycle, Need
from iisg.needs.services import adopt_response_cycle, close_cycle_for_review, open_response_cycle, update_cycle

from ..adoptions import NOT_ON_RECORD
from ..compare import differences
from ..upsert import CHANGE_REASON
from .actions import load_actions
from .needs import load_needs_cycle
from .open_cycle import load_open_cycle
from .responses import load_responses

# The annual response mappings: 2021 adopted, 2022 still in review.
RESPONSE_CYCLES = (
    (2021, CycleStatus.ADOPTED, datetime.date(2022, 1, 17), datetime.date(2022, 5, 31)),
    (2022, CycleStatus.IN_REVIEW, datetime.date(2023, 1, 16), datetime.date(2023, 6, 30)),
)


@dataclass
class MappingSummary:
    needs: int
    actions: int
    responses: int
    confirmed: int
    gaps: int  # adopted needs of the cycle without a confirmed response
    overlaps: int  # needs with confirmed responses from two donors or more


def load_mapping(mapping_plan, *, content, actors, kept):
    """Write `mapping_plan` (from `plan()`) as the needs mapping `content` says the Board adopted,
    the services acting as `actors`; return its figures. What differs from the plan and cannot be
    brought back by a step of the rules is left as it is and described in `kept`."""
    directory = content.directory
    # The adopted past is written without telling anyone; the open cycle, people's work of today,
    # leaves its notifications and mails as it would.
    with silenced():
        load_response_cycles(actors=actors, kept=kept)
        cycle, needs = load_needs_cycle(
            mapping_plan.needs,
            period=content.needs_cycle,
            decision=content.adopted_by,
            directory=directory,
            actors=actors,
            kept=kept,
        )
        actions = load_actions(mapping_plan.actions, directory=directory, actors=actors, kept=kept)
        load_responses(mapping_plan.responses, cycle=cycle, needs=needs, actions=actions, actors=actors, kept=kept)
    load_open_cycle(directory=directory, actors=actors, kept=kept)
    return summarise(cycle, actions=len(actions))


def load_response_cycles(*, actors, kept):
    """The annual response mappings: opened with their calendar (open_response_cycle, or brought
    back to it by update_cycle) and closed for review; the adopted one adopted with no decision on
    record (adopt_response_cycle)."""
    years = [year for year, *_ in RESPONSE_CYCLES]
    stored = {cycle.first_year: cycle for cycle in Cycle.objects.response_mapping().filter(first_year__in=years)}
    for year, status, opens_on, closes_on in RESPONSE_CYCLES:
        calendar = {"opens_on": opens_on, "closes_on": closes_on}
        cycle = stored.get(year)
        if cycle is None:
            cycle = open_response_cycle(user=actors.secretariat, year=year, **calendar, comment=CHANGE_REASON)
        elif changes := differences(cycle, calendar):
            cycle = update_cycle(user=actors.secretariat, cycle=cycle, changes=changes, comment=CHANGE_REASON)
        if cycle.status == CycleStatus.OPEN:
            cycle = close_cycle_for_review(user=actors.secretariat, cycle=cycle)
        if status == CycleStatus.ADOPTED and cycle.status == CycleStatus.IN_REVIEW:
            cycle = adopt_response_cycle(user=actors.secretariat, cycle=cycle, comment=NOT_ON_RECORD)
        if cycle.status != status:
            kept.append(f"{cycle} is {cycle.get_status_display().lower()}, not {CycleStatus(status).label.lower()}.")


def summarise(cycle, *, actions):
    """The figures of the loaded mapping, counted in the database."""
    needs = Need.objects.filter(cycle=cycle)
    responses = Response.objects.filter(need__cycle=cycle)
    confirmed = responses.filter(status=ResponseStatus.CONFIRMED)
    donors_per_need = (
        confirmed.filter(action__participations__role=OrganisationRole.FUNDING)
        .values("need")
        .annotate(donors=Count("action__participations__organisation", distinct=True))
    )
    return MappingSummary(
        needs=needs.count(),
        actions=actions,
        responses=responses.count(),
        confirmed=confirmed.count(),
        gaps=needs.filter(status=NeedStatus.ADOPTED).exclude(pk__in=confirmed.values("need")).count(),
        overlaps=sum(1 for row in donors_per_need if row["donors"] >= 2),
    )
