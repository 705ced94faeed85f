"""How good the matcher is: its ranking of a cycle's needs compared with the responses people confirmed.

The truth is the confirmed responses of the cycle. The matcher never reads them (iisg.analysis.matcher),
so hiding them costs nothing: the evaluation ranks the cycle as the matcher would for real and counts
how many confirmed actions come near the top.
"""

from collections import defaultdict
from dataclasses import dataclass

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Response
from iisg.needs.models import Need

from . import learning
from .matcher import rank_cycle


@dataclass(frozen=True)
class Evaluation:
    """Means over the needs with at least one confirmed response (`needs`).

    - precision: the standard precision at `precision_at`, hits in the first `precision_at` / `precision_at`.
      A need with one confirmed action scores at most 1/5 at 5, however good the ranking.
    - precision_ceiling: the best precision any ranking could reach on this truth,
      min(`precision_at`, confirmed actions) / `precision_at`.
    - normalised_precision: hits in the first `precision_at` / min(`precision_at`, confirmed actions):
      1 when every slot that could hold a confirmed action does.
    - recall: hits in the first `recall_at` / confirmed actions.
    - mean_reciprocal_rank: 1 / the rank of the first confirmed action, 0 when none is in the first
      max(`precision_at`, `recall_at`).
    """

    needs: int
    precision_at: int
    recall_at: int
    precision: float
    precision_ceiling: float
    normalised_precision: float
    recall: float
    mean_reciprocal_rank: float


def evaluate(cycle, *, precision_at=5, recall_at=10):
    """Rank the needs of `cycle` with the matcher and measure the ranking against the cycle's
    confirmed responses (see Evaluation). All figures are 0 when no need has a confirmed response."""
    truth = _truth(cycle)
    depth = max(precision_at, recall_at)
    ranking = rank_cycle(cycle, top=depth) if truth else {}
    return _measure(truth, ranking, precision_at=precision_at, recall_at=recall_at)


def evaluate_held_out(cycle, *, precision_at=5, recall_at=10):
    """The learning matcher (iisg.analysis.learning) measured as evaluate() measures the TF-IDF one,
    one partner held out at a time: for each partner, a model trained on the decisions about the
    other partners' needs (of every cycle) ranks that partner's needs of `cycle`, with the figures
    of those decisions only. Answers the Evaluation of the rankings put together."""
    truth = _truth(cycle)
    depth = max(precision_at, recall_at)
    pool = rank_cycle(cycle, top=max(depth, learning.POOL)) if truth else {}
    known = learning.decisions()
    partner_of = dict(Need.objects.filter(pk__in={d.need_id for d in known} | set(pool)).values_list("pk", "partner"))
    ranking = {}
    for partner in sorted({partner_of[need] for need in truth}):
        others = [decision for decision in known if partner_of[decision.need_id] != partner]
        theirs = {need: matches for need, matches in pool.items() if partner_of[need] == partner}
        model = learning.train(others, pool={need: m for need, m in pool.items() if partner_of[need] != partner})
        if model is None:
            ranking |= {need: matches[:depth] for need, matches in theirs.items()}
        else:
            ranking |= learning.rerank(theirs, model=model, known=others, top=depth)
    return _measure(truth, ranking, precision_at=precision_at, recall_at=recall_at)


def _truth(cycle):
    confirmed = Response.objects.filter(need__cycle=cycle, status=ResponseStatus.CONFIRMED)
    truth = defaultdict(set)
    for need_id, action_id in confirmed.values_list("need_id", "action_id"):
        truth[need_id].add(action_id)
    return truth


def _measure(truth, ranking, *, precision_at, recall_at):
    totals = defaultdict(float)
    for need_id, relevant in truth.items():
        ranked = [match.action_id for match in ranking.get(need_id, ())]
        hits = [action_id in relevant for action_id in ranked]
        totals["precision"] += sum(hits[:precision_at]) / precision_at
        totals["ceiling"] += min(precision_at, len(relevant)) / precision_at
        totals["normalised"] += sum(hits[:precision_at]) / min(precision_at, len(relevant))
        totals["recall"] += sum(hits[:recall_at]) / len(relevant)
        totals["reciprocal_rank"] += 1 / (hits.index(True) + 1) if True in hits else 0
    count = len(truth)
    mean = {name: total / count if count else 0.0 for name, total in totals.items()}
    return Evaluation(
        needs=count,
        precision_at=precision_at,
        recall_at=recall_at,
        precision=mean.get("precision", 0.0),
        precision_ceiling=mean.get("ceiling", 0.0),
        normalised_precision=mean.get("normalised", 0.0),
        recall=mean.get("recall", 0.0),
        mean_reciprocal_rank=mean.get("reciprocal_rank", 0.0),
    )
