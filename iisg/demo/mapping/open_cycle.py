"""The needs mapping at work: the demo's next cycle, open with its deadlines, its needs in every
status of the review, and the conversation and notifications that came of it, so that whoever signs
in finds the workplace busy (their tasks, their bell, the cycle's progress).

Written through the services as the people who would do each step: the Albanian focal point adds,
submits and answers for Albania's needs, the Secretariat adds the other partners' needs (as it does
for a partner whose focal point sends them by e-mail) and reviews them. Kosovo* and North Macedonia
have not started: the progress page shows it.
"""

import datetime
from dataclasses import dataclass

from iisg.core.choices import Role
from iisg.needs.choices import CycleKind, NeedStatus, Priority
from iisg.needs.models import Area, Cycle, Need
from iisg.needs.services import (
    create_need,
    open_cycle,
    propose_need,
    reject_need,
    return_need,
    submit_need,
    validate_need,
)
from iisg.workplace.threads import reply

from ..logins import demo_users
from ..upsert import CHANGE_REASON

FIRST_YEAR, LAST_YEAR = 2027, 2028
OPENS_ON = datetime.date(2026, 11, 2)
SUBMISSIONS_CLOSE_ON = datetime.date(2027, 1, 29)
REVIEW_CLOSES_ON = datetime.date(2027, 3, 12)


@dataclass(frozen=True)
class PlannedNeed:
    reference: str
    partner: str
    pillar: str
    area: int  # the n-th area of the pillar, by code
    title: str
    priority: str
    status: str
    comment: str = ""  # the Secretariat's, for a return or a rejection
    answer: str = ""  # the focal point's reply to a return


NEEDS = (
    PlannedNeed(
        "AL-WBBSi-001",
        "AL",
        "wbbsi",
        0,
        "Thermal cameras for the green border with Greece",
        Priority.HIGH,
        NeedStatus.DRAFT,
    ),
    PlannedNeed(
        "AL-WBCTi-001",
        "AL",
        "wbcti",
        1,
        "Case management training for prison staff on radicalisation",
        Priority.HIGH,
        NeedStatus.SUBMITTED,
    ),
    PlannedNeed(
        "AL-WBCSCi-001",
        "AL",
        "wbcsci",
        2,
        "Financial investigation units: access to bank account registers",
        Priority.MEDIUM,
        NeedStatus.RETURNED,
        comment="Please say which registers and which units: the Support Group cannot match a need this broad.",
        answer="The State Police's economic crime directorate and the four regional units; we will list the "
        "registers in the revised text.",
    ),
    PlannedNeed(
        "BA-WBBSi-001",
        "BA",
        "wbbsi",
        1,
        "Document examination equipment at the Drina crossings",
        Priority.HIGH,
        NeedStatus.VALIDATED,
    ),
    PlannedNeed(
        "BA-WBCSCi-001",
        "BA",
        "wbcsci",
        0,
        "Joint investigation teams with EU member states on firearms",
        Priority.MEDIUM,
        NeedStatus.SUBMITTED,
    ),
    PlannedNeed(
        "ME-WBCTi-001",
        "ME",
        "wbcti",
        0,
        "Online radicalisation: monitoring capacity of the police",
        Priority.HIGH,
        NeedStatus.PROPOSED,
    ),
    PlannedNeed(
        "ME-WBBSi-001",
        "ME",
        "wbbsi",
        2,
        "Maritime surveillance of the coast between Bar and Ulcinj",
        Priority.MEDIUM,
        NeedStatus.VALIDATED,
    ),
    PlannedNeed(
        "RS-WBCSCi-001",
        "RS",
        "wbcsci",
        1,
        "Forensic laboratory accreditation for drug analysis",
        Priority.LOW,
        NeedStatus.REJECTED,
        comment="Already answered in full by an action running until 2028; the Support Group agreed to drop it.",
    ),
    PlannedNeed(
        "RS-WBBSi-001",
        "RS",
        "wbbsi",
        0,
        "Risk analysis training for border police shift leaders",
        Priority.MEDIUM,
        NeedStatus.SUBMITTED,
    ),
)

# How far each planned status goes, step by step, from a draft.
STEPS = {
    NeedStatus.DRAFT: (),
    NeedStatus.SUBMITTED: ("submit",),
    NeedStatus.RETURNED: ("submit", "return"),
    NeedStatus.VALIDATED: ("submit", "validate"),
    NeedStatus.PROPOSED: ("submit", "validate", "propose"),
    NeedStatus.REJECTED: ("submit", "reject"),
}


def load_open_cycle(*, directory, actors, kept):
    """The open needs cycle FIRST_YEAR–LAST_YEAR with the needs of NEEDS, each taken to its planned
    status; a second call changes nothing (a need already there is left as it is)."""
    secretariat = actors.secretariat
    focal_point = demo_users().get(Role.FOCAL_POINT)
    cycle = Cycle.objects.filter(kind=CycleKind.NEEDS, first_year=FIRST_YEAR, last_year=LAST_YEAR).first()
    if cycle is None:
        cycle = open_cycle(
            user=secretariat,
            first_year=FIRST_YEAR,
            last_year=LAST_YEAR,
            opens_on=OPENS_ON,
            closes_on=SUBMISSIONS_CLOSE_ON,
            review_closes_on=REVIEW_CLOSES_ON,
            comment=CHANGE_REASON,
        )
    stored = set(Need.objects.filter(cycle=cycle).values_list("reference", flat=True))
    for planned in NEEDS:
        if planned.reference in stored:
            continue
        # The focal point speaks for its own partner; the Secretariat enters the others' needs.
        author = focal_point if focal_point is not None and planned.partner == "AL" else secretariat
        area = _area(cycle, directory.pillars[planned.pillar], planned.area)
        need = create_need(
            user=author,
            need=Need(
                cycle=cycle,
                reference=planned.reference,
                partner=directory.partners[planned.partner],
                pillar=directory.pillars[planned.pillar],
                area=area,
                title=planned.title,
                description=planned.title + ".",
                priority=planned.priority,
            ),
            comment=CHANGE_REASON,
        )
        _take_to_status(need, planned, author=author, secretariat=secretariat)
    if cycle.status != "open":
        kept.append(f"{cycle} is {cycle.get_status_display().lower()}, not open.")
    return cycle


def _area(cycle, pillar, index):
    areas = list(Area.objects.filter(cycle=cycle, pillar=pillar, parent__isnull=False).order_by("code"))
    return areas[index % len(areas)] if areas else None


def _take_to_status(need, planned, *, author, secretariat):
    for step in STEPS[planned.status]:
        if step == "submit":
            need = submit_need(user=author, need=need)
        elif step == "return":
            need = return_need(user=secretariat, need=need, comment=planned.comment)
            if planned.answer:
                reply(user=author, target=need, text=planned.answer)
        elif step == "validate":
            need = validate_need(user=secretariat, need=need)
        elif step == "propose":
            need = propose_need(user=secretariat, need=need)
        elif step == "reject":
            need = reject_need(user=secretariat, need=need, comment=planned.comment)
    return need
