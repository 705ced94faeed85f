"""The matcher as business operations: its proposals become responses for the Secretariat to review.

The matcher only ever proposes: a proposed response counts nowhere until a person confirms it
(iisg.actions.services.confirm_response), and a rejected one is never proposed again.
"""

from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from iisg.actions.choices import Coverage, ResponseStatus
from iisg.actions.models import Response
from iisg.actions.services import confirm_response, reject_response
from iisg.core import jobs
from iisg.core.choices import Verb
from iisg.core.permissions import can
from iisg.core.text import clean_comment
from iisg.needs.choices import ANALYSED_STATUSES, CycleKind
from iisg.needs.errors import CommentRequired, DuplicateResponse, NotAllowed, WorkflowError
from iisg.needs.models import Cycle, Need

from . import learning
from .matcher import candidate_actions
from .models import MatcherRun
from .selectors.runs import REVIEW_ORDER, undecided_proposals

# On the demo, 87% of the confirmed actions the matcher ranks in a need's first five score at least
# this, against 64% of the others: below it, a pair mostly shares its partner's and pillar's names.
MIN_SCORE = 0.1
CHANGE_REASON = "Proposed by the matcher"
SCORE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Proposals:
    """What a matching run did: of the best `per_need` actions of each need considered, how many
    it proposed, and how many it skipped because they already respond to the need (proposed,
    confirmed or rejected) or score below the threshold."""

    needs: int
    proposed: int
    existing: int
    below_threshold: int


def propose_responses(*, cycle, per_need=5, min_score=MIN_SCORE, user=None, run=None):
    """Propose, as responses of the matcher, the best `per_need` actions of each need of `cycle`
    that is validated, proposed or adopted, when they score at least `min_score` (as the score is
    kept, to four places) and do not already respond to the need. Returns the Proposals. The best
    are those of learning.rank(): the TF-IDF ranking re-ranked by the model learnt from people's
    decisions (its probability is then the score), the TF-IDF ranking itself until there is one.

    The responses are partial, proposed by nobody (the matcher) with its score and the words that
    matched, and recorded in their history as "Proposed by the matcher" by `user`. They are never
    confirmed here. Running again proposes nothing new unless needs or actions changed: a pair
    that was proposed, confirmed or rejected before is skipped.

    With `run` (the running MatcherRun of the job), its phases are recorded as they go, and it is
    marked done with the counts and its proposals (MatcherRun.proposals) in the transaction of the
    proposals: all are kept, or none.

    Raises NotAllowed when `user` is given and may not review responses (only the Secretariat),
    WorkflowError for a cycle other than a needs mapping, DuplicateResponse when a person linked
    one of the pairs at the same moment (nothing is then proposed).
    """
    if user is not None and not can(user, Verb.REVIEW, Response):
        raise NotAllowed(_("Only the Secretariat runs the matcher."))
    if cycle.kind != CycleKind.NEEDS:
        raise WorkflowError(_("%(cycle)s has no needs to match: choose a needs mapping.") % {"cycle": cycle})
    needs = Need.objects.filter(cycle=cycle, status__in=ANALYSED_STATUSES)
    _phase(run, MatcherRun.Phase.RANKING)
    ranking = learning.rank(needs, candidate_actions(cycle), top=per_need)
    _phase(run, MatcherRun.Phase.SAVING)
    with transaction.atomic():
        # One run of the matcher at a time for a cycle: the second sees what the first proposed.
        Cycle.objects.select_for_update().get(pk=cycle.pk)
        existing = set(Response.objects.filter(need__in=needs).values_list("need_id", "action_id"))
        floor = Decimal(str(min_score))
        proposals, skipped, below = [], 0, 0
        for matches in ranking.values():
            for match in matches:
                if (match.need_id, match.action_id) in existing:
                    skipped += 1
                elif _kept_score(match) < floor:
                    below += 1
                else:
                    proposals.append(_proposal(match))
        try:
            created = bulk_create_with_history(
                proposals, Response, batch_size=1000, default_user=user, default_change_reason=CHANGE_REASON
            )
        except IntegrityError:
            raise DuplicateResponse(
                _("Someone linked an action to a need of %(cycle)s while the matcher ran: run it again.")
                % {"cycle": cycle}
            ) from None
        result = Proposals(needs=needs.count(), proposed=len(proposals), existing=skipped, below_threshold=below)
        if run is not None:
            run.proposals.add(*created)
            run.summary = asdict(result)
            jobs.finish(run, fields=["summary"])
    return result


def _phase(run, phase):
    if run is not None:
        phases = list(MatcherRun.Phase)
        jobs.record_progress(run, done=phases.index(phase), total=len(phases), phase=phase)


def _kept_score(match):
    return Decimal(match.score).quantize(SCORE_PLACES)


def _proposal(match):
    return Response(
        need_id=match.need_id,
        action_id=match.action_id,
        coverage=Coverage.PARTIAL,
        status=ResponseStatus.PROPOSED,
        proposed_by=None,
        matcher_score=_kept_score(match),
        matched_terms=list(match.terms),
    )


def refuse_matching(*, cycle, user):
    """Raise NotAllowed unless `user` may run the matcher (the Secretariat), WorkflowError for a
    cycle other than a needs mapping: what start_matching refuses, for a page to ask first."""
    if not can(user, Verb.REVIEW, Response):
        raise NotAllowed(_("Only the Secretariat runs the matcher."))
    if cycle.kind != CycleKind.NEEDS:
        raise WorkflowError(_("%(cycle)s has no needs to match: choose a needs mapping.") % {"cycle": cycle})


@transaction.atomic
def start_matching(*, cycle, user, min_score=None):
    """Record a queued MatcherRun of `user` on `cycle` and have the job worker run propose_responses()
    for it once the current transaction is committed (iisg.analysis.tasks). `min_score` (0 to 1) is
    the run's score floor: proposals scoring below it are not kept; None keeps the matcher's default
    (MIN_SCORE). Answers the run. Raises NotAllowed unless the user may review responses (the
    Secretariat), WorkflowError for a cycle other than a needs mapping or a floor outside 0–1."""
    # The job module imports this one: imported here, when the job is enqueued.
    from .tasks import propose_responses_job

    refuse_matching(cycle=cycle, user=user)
    if min_score is not None:
        min_score = Decimal(str(min_score))
        if not 0 <= min_score <= 1:
            raise WorkflowError(_("The score floor is between 0 and 1."))
    run = MatcherRun.objects.create(cycle=cycle, created_by=user, min_score=min_score)
    transaction.on_commit(lambda: propose_responses_job.enqueue(run.pk))
    return run


# The review of a run's proposals, many at once


def confirm_proposals(*, user, run, responses, comment=""):
    """Confirm each of `responses`, proposals of `run`, through confirm_response, in one
    transaction: all are confirmed, or none. Answers how many. Raises the refusal of the first
    response refused (NotAllowed, InvalidTransition when it was decided meanwhile, WorkflowError
    when it is not a proposal of the run), naming it; nothing is then decided."""
    return _decide_each(user=user, run=run, responses=responses, decide=confirm_response, comment=comment)


def reject_proposals(*, user, run, responses, comment):
    """Reject each of `responses`, proposals of `run`, through reject_response, with the one
    `comment` saying why, in one transaction: all are rejected, or none. Answers how many. Raises
    CommentRequired without a comment, and the refusals of confirm_proposals."""
    return _decide_each(user=user, run=run, responses=responses, decide=reject_response, comment=comment)


def reject_proposals_below(*, user, run, score, comment):
    """Reject, as reject_proposals does, every proposal of `run` still undecided that scores below
    `score`. Answers how many (0 when none does)."""
    below = undecided_proposals(run).filter(matcher_score__lt=Decimal(str(score)))
    return reject_proposals(user=user, run=run, responses=list(below), comment=comment)


@transaction.atomic
def _decide_each(*, user, run, responses, decide, comment):
    # The job module imports this one: imported here, when the job is enqueued.
    from .tasks import retrain_matcher_job

    if not can(user, Verb.REVIEW, Response):
        raise NotAllowed(_("Only the Secretariat confirms or rejects responses."))
    if decide is reject_response and not clean_comment(comment):
        raise CommentRequired(_("Say why the responses are rejected."))
    chosen = {response.pk for response in responses}
    of_run = set(run.proposals.filter(pk__in=chosen).values_list("pk", flat=True))
    ordered = Response.objects.filter(pk__in=chosen).select_related("need", "action").order_by(*REVIEW_ORDER)
    decided = 0
    for response in ordered:
        try:
            if response.pk not in of_run:
                raise WorkflowError(_("It is not a proposal of this run of the matcher."))
            decide(user=user, response=response, comment=comment)
        except WorkflowError as error:
            # Raised from the transaction, so that the decisions already taken are undone; of the
            # same kind as the refusal, so that it is answered as such.
            raise type(error)(
                _("Nothing was decided: “%(action)s” for %(reference)s was refused. %(reason)s")
                % {"action": response.action, "reference": response.need.reference, "reason": error}
            ) from error
        decided += 1
    # The matcher learns from the session once its decisions are committed (learning.retrain).
    transaction.on_commit(retrain_matcher_job.enqueue)
    return decided
