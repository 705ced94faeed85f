"""The annual response-mapping round, as read: whom a round calls (the donors and implementers of
the actions active in its year), who of them has answered, and which of their people are told.

A response cycle (iisg.needs.models.Cycle of kind response) is of one year; while it is open each
organisation called confirms its actions unchanged or updates them (iisg.actions.services
confirm_unchanged, update_action), and each answer is a RoundAnswer.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from iisg.core.choices import Role
from iisg.needs.choices import CycleStatus
from iisg.needs.models import Cycle

from .choices import OrganisationRole, RoundAnswerKind
from .models import Action, ActionOrganisation, RoundAnswer

# The roles in which an organisation speaks for an action in the round: its donors (funders) and
# its implementers.
CALLED_ROLES = (OrganisationRole.FUNDING, OrganisationRole.IMPLEMENTING)
# The roles of the people who answer for their organisation.
ANSWERING_ROLES = (Role.DONOR, Role.IMPLEMENTER)


def round_actions(cycle):
    """The actions a response cycle asks about: those counted and active in its year (one rule,
    iisg.actions.queries)."""
    return Action.objects.counted().active_in(cycle.first_year)


def calls(cycle):
    """Whom the response cycle `cycle` calls, and about what: every organisation that funds or
    implements (CALLED_ROLES) an action active in the cycle's year, mapped to its actions, the
    organisations by name and the actions by title. An organisation in both roles of one action
    lists it once. One query, however many organisations and actions."""
    participations = (
        ActionOrganisation.objects.filter(action__in=round_actions(cycle), role__in=CALLED_ROLES)
        .select_related("organisation", "action")
        .order_by("organisation__name", "organisation_id", "action__title", "action_id")
    )
    called = {}
    for participation in participations:
        listed = called.setdefault(participation.organisation, [])
        if not listed or listed[-1].pk != participation.action_id:
            listed.append(participation.action)
    return called


def users_of(organisation):
    """The people who answer a call for `organisation`: the active users with the donor or
    implementer role whose person is of it, by username."""
    return (
        get_user_model()
        .objects.filter(is_active=True, person__organisation=organisation, groups__name__in=ANSWERING_ROLES)
        .distinct()
        .order_by("username")
    )


def open_rounds():
    """The response cycles open for answers, the latest first."""
    return Cycle.objects.response_mapping().filter(status=CycleStatus.OPEN).latest_first()


def rounds_of(action):
    """The open rounds that ask about `action` as it is now (counted, and active in the round's
    year): at most two queries, one when no round is open."""
    rounds = list(open_rounds())
    if not rounds or not Action.objects.counted().filter(pk=action.pk).exists():
        return []
    return [cycle for cycle in rounds if action.is_active_in(cycle.first_year)]


@dataclass
class Call:
    """One organisation's call in a round: its actions (by title), each with its answer or None."""

    organisation: object
    answers: list = field(default_factory=list)  # (action, RoundAnswer or None)

    @property
    def actions(self):
        return [action for action, _answer in self.answers]

    def count(self, kind):
        return sum(1 for _action, answer in self.answers if answer is not None and answer.answer == kind)

    @property
    def confirmed(self):
        return self.count(RoundAnswerKind.CONFIRMED)

    @property
    def updated(self):
        return self.count(RoundAnswerKind.UPDATED)

    @property
    def unanswered(self):
        return sum(1 for _action, answer in self.answers if answer is None)

    @property
    def answered(self):
        return len(self.answers) - self.unanswered


def _answers(cycle):
    """The round's answers by action id, with who gave them."""
    return {
        answer.action_id: answer for answer in RoundAnswer.objects.filter(cycle=cycle).select_related("answered_by")
    }


def call_of(cycle, organisation):
    """The call of `organisation` in the round `cycle` (a Call, empty when the round asks it about
    nothing): two queries."""
    actions = round_actions(cycle).filter(
        participations__organisation=organisation, participations__role__in=CALLED_ROLES
    )
    answers = _answers(cycle)
    return Call(
        organisation, [(action, answers.get(action.pk)) for action in actions.distinct().order_by("title", "pk")]
    )


@dataclass
class RoundProgress:
    """Who has answered in a round: a Call per organisation called (by name), and the totals over the
    round's actions, each counted once however many organisations answer for it."""

    cycle: object
    calls: list
    actions: int
    confirmed: int
    updated: int

    @property
    def answered(self):
        return self.confirmed + self.updated

    @property
    def unanswered(self):
        return self.actions - self.answered

    @property
    def organisations_answered(self):
        """The organisations called that have answered for every action of theirs."""
        return sum(1 for call in self.calls if not call.unanswered)


def round_progress(cycle):
    """The progress of the round `cycle`: per organisation called, its actions and how many are
    confirmed unchanged, updated and not answered, and the totals. Two queries."""
    answers = _answers(cycle)
    progress = [
        Call(organisation, [(action, answers.get(action.pk)) for action in actions])
        for organisation, actions in calls(cycle).items()
    ]
    counted = {action.pk: answers.get(action.pk) for call in progress for action in call.actions}
    kinds = [answer.answer for answer in counted.values() if answer is not None]
    return RoundProgress(
        cycle=cycle,
        calls=progress,
        actions=len(counted),
        confirmed=kinds.count(RoundAnswerKind.CONFIRMED),
        updated=kinds.count(RoundAnswerKind.UPDATED),
    )


def unanswered_by_round(organisation_id):
    """For each open round, how many of the actions `organisation_id` is called about are not
    answered yet: [(cycle, count)], the latest round first, rounds with none left out."""
    result = []
    for cycle in open_rounds():
        count = (
            round_actions(cycle)
            .filter(participations__organisation_id=organisation_id, participations__role__in=CALLED_ROLES)
            .exclude(round_answers__cycle=cycle)
            .distinct()
            .count()
        )
        if count:
            result.append((cycle, count))
    return result
