"""The matcher that learns: the TF-IDF ranking (iisg.analysis.matcher) re-ranked by what people decided.

How it works, for a reader who is not a specialist:

1. For each need the TF-IDF matcher proposes its best POOL actions (the pool). Only these are
   re-ranked: the learning never brings in an action the matcher could not propose.
2. Each (need, action) pair of the pool is described by a few figures (FEATURES):
   - words: the TF-IDF score, the share of vocabulary;
   - sectors of the need: the share of the action's DAC sectors among those people accepted for
     the need on its page (iisg.needs.services.accept_sector);
   - sectors of the area / of the pillar: how close the action's DAC sectors are to the sectors
     of the actions people confirmed for needs of the same thematic area (of the same pillar);
   - donor / implementer in the area, in the pillar: how many responses of the action's donors
     (implementers) people confirmed for needs of that area (pillar);
   - action in the area: how often people confirmed this very action for other needs of the area
     (a regional programme answers several partners), and how often they rejected it there;
   - years: the share of the cycle's years the action is active in.
   An area is its pillar and its code, so that the areas of successive cycles count as one.
3. A logistic regression learns from the decisions how much each figure weighs: every confirmed
   pair is a positive example, every rejected pair and every other pair of the pool of a decided
   need a negative one. A decided pair's own decision is taken out of its figures (it would
   otherwise learn "confirmed pairs are confirmed").
4. The pool of each need is ordered by the model's probability, best first; a pair people
   rejected is never proposed again. With no model (no decisions of both kinds yet) the ranking
   is the TF-IDF ranking itself, unchanged.

The job worker trains the model again after each review session (tasks.retrain_matcher_job) and
keeps it in the database (models.MatcherModel) with the version of its figures and of scikit-learn.
"""

import math
import pickle
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import Action, ActionOrganisation, ActionSector, Response
from iisg.iati.codelists import DAC_5_DIGIT
from iisg.needs.models import Cycle, Need, NeedSector

from . import matcher
from .models import MatcherModel

FEATURES = (
    "words",
    "sectors_of_need",
    "sectors_of_area",
    "sectors_of_pillar",
    "donor_in_area",
    "donor_in_pillar",
    "implementer_in_area",
    "implementer_in_pillar",
    "action_in_area",
    "action_rejected_in_area",
    "years",
)
# Changed whenever FEATURES or their meaning change: a stored model of another version is not used.
FEATURES_VERSION = "2"
POOL = 60
MODELS_KEPT = 5
DONOR_ROLES = (OrganisationRole.FUNDING,)
IMPLEMENTER_ROLES = (OrganisationRole.IMPLEMENTING,)


@dataclass(frozen=True)
class Decision:
    """A pair people decided on: confirmed, or rejected."""

    need_id: int
    action_id: int
    confirmed: bool


@dataclass(frozen=True)
class Reasons:
    """Why a pair is proposed: the words that matched, the action's sectors people confirmed for
    the area (code, confirmed actions of the area with it), the donors with responses confirmed in
    the area (name, count), and how often people confirmed this action for other needs of the area."""

    terms: tuple[str, ...]
    shared_sectors: tuple[str, ...]  # the action's sectors people accepted for the need
    sectors: tuple[tuple[str, int], ...]
    donors: tuple[tuple[str, int], ...]
    action_in_area: int


def model_version():
    import sklearn

    return f"{FEATURES_VERSION}/scikit-learn {sklearn.__version__}"


def decisions():
    """Every pair people confirmed or rejected, of every cycle."""
    decided = Response.objects.filter(status__in=(ResponseStatus.CONFIRMED, ResponseStatus.REJECTED))
    return [
        Decision(need_id, action_id, status == ResponseStatus.CONFIRMED)
        for need_id, action_id, status in decided.values_list("need_id", "action_id", "status").order_by("pk")
    ]


# Ranking -------------------------------------------------------------------------------------------


def rank(needs, actions, *, top=10, model=None, known=None):
    """matcher.rank() re-ranked by `model` (a fitted classifier; the latest stored one by default)
    with the figures of the decisions `known` (every decision by default): {need id: [Match, …]},
    best first, a match's score the model's probability. Pairs people rejected are left out. With
    no model, exactly matcher.rank()."""
    model = stored_model() if model is None else model
    if model is None:
        return matcher.rank(needs, actions, top=top)
    pool = matcher.rank(needs, actions, top=max(top, POOL))
    return rerank(pool, model=model, known=decisions() if known is None else known, top=top)


def rerank(pool, *, model, known, top):
    """The matches of `pool` ({need id: [Match, …]}) ordered by `model`'s probability with the
    figures of the decisions `known`, at most `top` per need, rejected pairs left out."""
    pairs = [(match.need_id, match.action_id) for matches in pool.values() for match in matches]
    if not pairs:
        return {}
    history = History(known, _Facts.of(pairs, known))
    words = {(match.need_id, match.action_id): match.score for matches in pool.values() for match in matches}
    rows = np.array([history.features(need, action, words[need, action]) for need, action in pairs])
    probabilities = model.predict_proba(rows)[:, 1]
    score = dict(zip(pairs, probabilities.tolist(), strict=True))
    ranking = {}
    for need_id, matches in pool.items():
        kept = [match for match in matches if (need_id, match.action_id) not in history.rejected]
        # Best probability first; the TF-IDF order (sorted() is stable) between equal ones.
        kept = sorted(kept, key=lambda match: -score[need_id, match.action_id])[:top]
        if kept:
            ranking[need_id] = [
                matcher.Match(need_id, match.action_id, min(score[need_id, match.action_id], 1.0), match.terms)
                for match in kept
            ]
    return ranking


# Training ------------------------------------------------------------------------------------------


def train(known, *, pool=None):
    """A classifier fitted on the decisions `known` (see the module's docstring), or None when they
    hold no confirmed pair or nothing else to set against it. `pool` is the TF-IDF ranking of the
    decided needs ({need id: [Match, …]}); by default matcher.rank() of each cycle's decided needs."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if not any(decision.confirmed for decision in known):
        return None
    pool = _pool_of(known) if pool is None else pool
    label = {(decision.need_id, decision.action_id): decision.confirmed for decision in known}
    words = {}
    for need_id in {decision.need_id for decision in known}:
        for match in pool.get(need_id, ()):
            words[need_id, match.action_id] = match.score
    for pair in label:  # a decided pair the matcher did not rank shares no word
        words.setdefault(pair, 0.0)
    pairs = sorted(words)
    labels = [label.get(pair, False) for pair in pairs]
    if all(labels):
        return None
    history = History(known, _Facts.of(pairs, known))
    rows = np.array([history.features(need, action, words[need, action], own=True) for need, action in pairs])
    classifier = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000))
    classifier.fit(rows, np.array(labels))
    return classifier


def _pool_of(known):
    """The TF-IDF pool of the decided needs, as the matcher ranks each cycle (matcher.rank_cycle),
    so that their words weigh as they did when the needs were proposed."""
    decided = {decision.need_id for decision in known}
    pool = {}
    for cycle in Cycle.objects.filter(pk__in=Need.objects.filter(pk__in=decided).values("cycle")).order_by("pk"):
        ranking = matcher.rank_cycle(cycle, top=POOL)
        pool |= {need: matches for need, matches in ranking.items() if need in decided}
    return pool


@transaction.atomic
def retrain():
    """Fit the model on every decision and keep it (MatcherModel) with its version, the latest
    MODELS_KEPT only; with nothing to learn from, remove the stored ones, so that the matcher falls
    back to its TF-IDF ranking. Answers the MatcherModel kept, or None."""
    known = decisions()
    classifier = train(known)
    if classifier is None:
        MatcherModel.objects.all().delete()
        return None
    weights = classifier[-1].coef_[0].tolist()
    kept = MatcherModel.objects.create(
        version=model_version(),
        decisions=len(known),
        confirmed=sum(decision.confirmed for decision in known),
        classifier=pickle.dumps(classifier),
        weights=dict(zip(FEATURES, (round(weight, 4) for weight in weights), strict=True)),
    )
    older = MatcherModel.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)[MODELS_KEPT:]
    MatcherModel.objects.filter(pk__in=list(older)).delete()
    return kept


def stored_model():
    """The latest classifier kept by retrain() for this version of the figures and of
    scikit-learn, or None."""
    latest = MatcherModel.objects.filter(version=model_version()).order_by("-created_at", "-pk").first()
    # The pickle is the platform's own, written by retrain() into its own database.
    return None if latest is None else pickle.loads(latest.classifier)


# Why a pair is proposed ----------------------------------------------------------------------------


def reasons(pairs, *, terms=None):
    """{(need id, action id): Reasons} for the given pairs, from every decision; `terms` gives the
    words that matched of each pair ({pair: terms}), none by default."""
    pairs = list(pairs)
    if not pairs:
        return {}
    known = decisions()
    facts = _Facts.of(pairs, known)
    history = History(known, facts)
    found = {}
    for need, action in pairs:
        area = facts.needs[need].area
        sectors = tuple(
            (code, history.area_sector_actions[area, code])
            for code in sorted(facts.sectors[action], key=lambda code: -history.area_sector_actions[area, code])
            if history.area_sector_actions[area, code]
        )
        donors = tuple(
            (facts.names[org], history.org_in_area[DONOR_ROLES, org, area])
            for org in sorted(facts.donors(action))
            if history.org_in_area[DONOR_ROLES, org, area]
        )
        found[need, action] = Reasons(
            terms=tuple((terms or {}).get((need, action), ())),
            shared_sectors=tuple(sorted(facts.needs[need].sectors & facts.sectors[action].keys())),
            sectors=sectors[:2],
            donors=donors,
            action_in_area=history.action_in_area[action, area] - int(history.confirmed.get((need, action), False)),
        )
    return found


def reason_line(reasons):
    """Why a pair is proposed, in one line: words, sectors, history."""
    parts = []
    if reasons.terms:
        parts.append(_("words: %(terms)s") % {"terms": ", ".join(reasons.terms[:4])})
    if reasons.sectors or reasons.shared_sectors:
        sectors = ", ".join(
            [
                *(_("%(code)s (the need's)") % {"code": code} for code in reasons.shared_sectors),
                *(
                    _("%(code)s (%(count)s confirmed in the area)") % {"code": code, "count": count}
                    for code, count in reasons.sectors
                    if code not in reasons.shared_sectors
                ),
            ]
        )
        parts.append(_("sectors: %(sectors)s") % {"sectors": sectors})
    history = [
        _("%(donor)s confirmed %(count)s times in the area") % {"donor": name, "count": count}
        for name, count in reasons.donors
    ]
    if reasons.action_in_area:
        history.append(
            _("this action confirmed for %(count)s other needs of the area") % {"count": reasons.action_in_area}
        )
    if history:
        parts.append(_("history: %(history)s") % {"history": "; ".join(history)})
    return " · ".join(parts) or _("words of the partner and pillar only")


# The figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Need:
    area: tuple  # (pillar id, area code)
    pillar: int
    first_year: int
    last_year: int
    sectors: frozenset = frozenset()  # the DAC codes people accepted for the need


class _Facts:
    """What the figures read of the needs and actions of some pairs and decisions, in a constant
    number of queries."""

    def __init__(self, needs, sectors, organisations, names, years):
        self.needs = needs  # {need id: _Need}
        self.sectors = sectors  # {action id: {DAC code: share}}
        self.organisations = organisations  # {(action id, roles): set of organisation ids}
        self.names = names  # {organisation id: acronym, else name}
        self.years = years  # {action id: (first year or None, last year or None)}

    @classmethod
    def of(cls, pairs, known):
        need_ids = {need for need, _ in pairs} | {decision.need_id for decision in known}
        action_ids = {action for _, action in pairs} | {decision.action_id for decision in known}
        accepted = defaultdict(set)
        for need, code in NeedSector.objects.filter(need__in=need_ids, vocabulary=DAC_5_DIGIT).values_list(
            "need_id", "code"
        ):
            accepted[need].add(code)
        needs = {
            pk: _Need((pillar, code), pillar, first, last, frozenset(accepted[pk]))
            for pk, pillar, code, first, last in Need.objects.filter(pk__in=need_ids).values_list(
                "pk", "pillar_id", "area__code", "cycle__first_year", "cycle__last_year"
            )
        }
        percentages = defaultdict(dict)
        for action, code, percentage in ActionSector.objects.filter(
            action__in=action_ids, vocabulary=DAC_5_DIGIT
        ).values_list("action_id", "code", "percentage"):
            percentages[action][code] = percentage
        sectors = defaultdict(dict)
        for action, codes in percentages.items():
            # Without percentages the sectors share the action equally.
            total = sum(float(share or 0) for share in codes.values())
            for code, share in codes.items():
                sectors[action][code] = float(share) / total if share and total else 1 / len(codes)
        organisations, names = defaultdict(set), {}
        for action, organisation, role, acronym, name in ActionOrganisation.objects.filter(
            action__in=action_ids, role__in=(*DONOR_ROLES, *IMPLEMENTER_ROLES)
        ).values_list("action_id", "organisation_id", "role", "organisation__acronym", "organisation__name"):
            organisations[action, DONOR_ROLES if role in DONOR_ROLES else IMPLEMENTER_ROLES].add(organisation)
            names[organisation] = acronym or name
        dated = Action.objects.filter(pk__in=action_ids).with_dates().values_list("pk", "start_on", "end_on")
        years = {pk: (start and start.year, end and end.year) for pk, start, end in dated}
        return cls(needs, sectors, organisations, names, years)

    def donors(self, action):
        return self.organisations.get((action, DONOR_ROLES), set())

    def implementers(self, action):
        return self.organisations.get((action, IMPLEMENTER_ROLES), set())


class History:
    """The confirmed and rejected pairs of `known` counted by area and pillar, and the figures of
    a pair from them (features)."""

    def __init__(self, known, facts):
        self.facts = facts
        self.confirmed = {(d.need_id, d.action_id): d.confirmed for d in known if d.need_id in facts.needs}
        self.rejected = {pair for pair, confirmed in self.confirmed.items() if not confirmed}
        self.area_sectors, self.pillar_sectors = defaultdict(Counter), defaultdict(Counter)
        self.area_sector_actions = Counter()
        self.org_in_area, self.org_in_pillar = Counter(), Counter()
        self.action_in_area, self.action_rejected_in_area = Counter(), Counter()
        for (need_id, action), confirmed in self.confirmed.items():
            need = facts.needs[need_id]
            if not confirmed:
                self.action_rejected_in_area[action, need.area] += 1
                continue
            for code, share in facts.sectors.get(action, {}).items():
                self.area_sectors[need.area][code] += share
                self.pillar_sectors[need.pillar][code] += share
                self.area_sector_actions[need.area, code] += 1
            for roles in (DONOR_ROLES, IMPLEMENTER_ROLES):
                for org in facts.organisations.get((action, roles), ()):
                    self.org_in_area[roles, org, need.area] += 1
                    self.org_in_pillar[roles, org, need.pillar] += 1
            self.action_in_area[action, need.area] += 1

    def features(self, need_id, action, words, *, own=False):
        """The FEATURES of a pair, its TF-IDF score `words`; with `own`, the pair's own decision is
        taken out of the counts (a training example)."""
        need, facts = self.facts.needs[need_id], self.facts
        decided = self.confirmed.get((need_id, action)) if own else None
        confirmed, rejected = int(decided is True), int(decided is False)
        sectors = facts.sectors.get(action, {})
        mine = sectors if confirmed else {}
        return [
            words,
            sum(share for code, share in sectors.items() if code in need.sectors),
            _cosine(sectors, self.area_sectors[need.area], mine),
            _cosine(sectors, self.pillar_sectors[need.pillar], mine),
            _log_best(self.org_in_area, DONOR_ROLES, facts.donors(action), need.area, confirmed),
            _log_best(self.org_in_pillar, DONOR_ROLES, facts.donors(action), need.pillar, confirmed),
            _log_best(self.org_in_area, IMPLEMENTER_ROLES, facts.implementers(action), need.area, confirmed),
            _log_best(self.org_in_pillar, IMPLEMENTER_ROLES, facts.implementers(action), need.pillar, confirmed),
            math.log1p(self.action_in_area[action, need.area] - confirmed),
            math.log1p(self.action_rejected_in_area[action, need.area] - rejected),
            _overlap(facts.years.get(action, (None, None)), need.first_year, need.last_year),
        ]


def _cosine(sectors, profile, mine):
    """The cosine of an action's sector shares and a profile, without the action's own shares
    `mine` (its own confirmed pair)."""
    profile = {code: weight - mine.get(code, 0.0) for code, weight in profile.items()}
    dot = sum(share * profile.get(code, 0.0) for code, share in sectors.items())
    norms = math.sqrt(sum(s * s for s in sectors.values())) * math.sqrt(sum(w * w for w in profile.values()))
    return dot / norms if dot > 1e-12 and norms else 0.0


def _log_best(counts, roles, organisations, where, own):
    return math.log1p(max((counts[roles, org, where] - own for org in organisations), default=0))


def _overlap(years, first_year, last_year):
    """The share of the cycle's years in which the action runs (an open end runs on)."""
    start, end = years
    start, end = start or first_year, end or last_year
    overlap = min(end, last_year) - max(start, first_year) + 1
    return max(overlap, 0) / (last_year - first_year + 1)
