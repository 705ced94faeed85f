"""The responses of a plan, through the actions services: each is proposed by propose_response,
then confirmed or rejected by the Secretariat (confirm_response, reject_response).

The demo's confirmed responses are the answer key of the matcher (DESIGN.md §6), and they come
only from this plan. The plan has a donor or an implementer propose the links to its own
actions, the Secretariat some others, and the matcher the rest. No service records a chosen
pair as the matcher's proposal (iisg.analysis.services proposes each need's best actions), so the
Secretariat proposes those, and the proposal's comment gives the real matcher's score and the
words that matched.

A second load finds each response by its need and action and leaves it alone when it is as
planned; a coverage that differs is changed by change_response, a decision that differs is taken
again (a confirmed response rejected, a rejected one confirmed), and a decided response the plan
has still proposed is described in `kept`: no step takes a decision back.
"""

from decimal import Decimal

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Response
from iisg.actions.services import change_response, confirm_response, propose_response, reject_response
from iisg.analysis.matcher import explain

SCORE_PLACES = Decimal("0.0001")


def load_responses(planned, *, cycle, needs, actions, actors, kept):
    """The planned responses to the needs of `cycle` (`needs` by reference, `actions` by key)."""
    stored = {
        (response.need_id, response.action_id): response
        for response in Response.objects.filter(need__in=needs.values())
    }
    planned = [plan for plan in planned if plan.need in needs]
    missing = [plan for plan in planned if _pair(plan, needs, actions) not in stored]
    by_matcher = [_pair(plan, needs, actions) for plan in missing if plan.proposer is None]
    matched = explain(cycle, by_matcher) if by_matcher else {}
    for plan in planned:
        need, action = needs[plan.need], actions[plan.action]
        response = stored.get((need.pk, action.pk))
        if response is None:
            response = propose_response(
                user=actors.proposer(plan.proposer),
                action=action,
                need=need,
                coverage=plan.coverage,
                comment=_suggested(matched.get((need.pk, action.pk))) if plan.proposer is None else "",
            )
        elif response.coverage != plan.coverage:
            response = change_response(user=actors.secretariat, response=response, coverage=plan.coverage)
        decide(response, plan, actors=actors, kept=kept)


def _pair(plan, needs, actions):
    return needs[plan.need].pk, actions[plan.action].pk


def _suggested(match):
    """The comment of a link the matcher suggested: its score and the words that matched."""
    if match is None:
        return "The matcher's suggestion."
    comment = f"The matcher's suggestion (score {Decimal(match.score).quantize(SCORE_PLACES)})"
    return f"{comment}: {', '.join(match.terms)}." if match.terms else f"{comment}."


def decide(response, plan, *, actors, kept):
    """Take the Secretariat's decision the plan has on `response`, unless it is taken."""
    if response.status == plan.status:
        return response
    if plan.status == ResponseStatus.CONFIRMED:
        return confirm_response(user=actors.secretariat, response=response, comment=plan.comment)
    if plan.status == ResponseStatus.REJECTED:
        return reject_response(user=actors.secretariat, response=response, comment=plan.comment)
    kept.append(
        f"The response of “{response.action}” to {response.need.reference} is "
        f"{response.get_status_display().lower()}; the plan has it proposed."
    )
    return response
