"""The matcher: which actions look like they respond to which needs, and why.

How it works, for a reader who is not a specialist:

1. Every need and every action becomes a bag of words. A need says what it is (title, description,
   justification), where it sits (its area, the area's objective, its pillar) and whose it is (its
   partner). An action says what it does in every language it was published in, which DAC sectors it
   works in, and which pillars and partners it serves. Accents are folded ("Punëve" is "puneve"),
   and the commonest little words of English, Albanian, Bosnian/Croatian/Serbian/Montenegrin and
   Macedonian ("the", "dhe", "kao", "за"…) are left out. Neighbouring word pairs count as terms too,
   so "border surveillance" weighs more than "border" and "surveillance" apart.
2. Each term gets a weight (TF-IDF): high when the text uses it and few other texts do ("drones"),
   low when nearly every text has it ("support", "Western Balkans"). Using a word ten times does not
   make it ten times as important: the weight grows with the logarithm of the count.
3. The score of a need and an action is the cosine similarity of their weights: 0 when they share
   no term, 1 when their texts weigh the same terms the same way. It is a measure of shared
   vocabulary, not of meaning: two texts saying the same thing in different words score low.
4. A need is only compared with actions that could respond to it: actions still published (not
   withdrawn) that benefit its partner, or no partner in particular, and share its pillar, or have
   no pillar. The other actions are never proposed, however similar their words.
5. For each pair kept, "the words that matched" are the terms that contribute most to the score
   (the product of the two weights), strongest first: a person can see at a glance why the matcher
   proposed the link, and reject it when the words match for the wrong reason.

The matcher reads needs and actions only: it never looks at existing responses, so it can be
evaluated against the responses people confirmed (iisg.analysis.evaluation).
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import numpy as np
from django.db.models import Q

from iisg.actions.choices import ActivityStatus
from iisg.actions.models import Action, ActionSector
from iisg.iati.codelists import SECTOR_CODELISTS
from iisg.iati.models import CodelistEntry
from iisg.needs.choices import CLOSED_TO_RESPONSES
from iisg.needs.models import Need, NeedSector

# The commonest function words of the partners' languages, as people write them; stop_words() folds
# them as the vectorizer folds the texts (lower case, no accents). One-letter words never become terms.
ALBANIAN = """
    dhe në ne të te për per nga që qe se një nje është eshte janë jane ka kanë kane do si por ose
    edhe më me mbi nën nen pa pas para deri tek te gjatë gjate prej sipas ky kjo këto keto ato atë
    ate tij saj tyre cili cila cilat cilët
"""
BOSNIAN_CROATIAN_SERBIAN_MONTENEGRIN = """
    na za od do sa se je su da ne ili kao koji koja koje kojih što sto šta sta će ce ali po pri iz
    kod prema kroz nad pod među medju ovaj ova ovo taj ta te jer ako kada gdje gde samo već vec još
    jos bez biti smo ste njegov njihov
    на за од до са се је су да не или као који која које којих што шта ће али по при из код према
    кроз над под међу овај ова ово тај та те јер ако када где гдје само већ још без бити смо сте
    његов њихов
"""
MACEDONIAN = """
    во на за од до со се да не или како кој која кое кои што ќе но по при преку низ меѓу овој оваа
    ова тој таа тоа тие бидејќи ако кога каде само веќе уште без сум сме сте ги го ја му им нивни
    vo na za od do so se da ne ili kako koj koja koe koi sto ke no po pri preku niz megju ovoj ovaa
    ova toj taa toa tie bidejki ako koga kade samo veke ushte bez sme ste gi go ja mu im
"""
NGRAM_RANGE = (1, 2)
TERMS_PER_MATCH = 6
# How many need × action scores are held in memory at once (float32: 4 bytes each).
SCORES_AT_ONCE = 8_000_000


@dataclass(frozen=True)
class Match:
    """An action the matcher finds close to a need: its score (0..1) and the words that matched."""

    need_id: int
    action_id: int
    score: float
    terms: tuple[str, ...]


def rank(needs, actions, *, top=10):
    """The `top` actions closest to each need, best first: {need id: [Match, …]}.

    Only the actions of `actions` that stand on their own (not withdrawn, not merged) take part,
    each need compared only with those that benefit its partner (or no partner) and share its
    pillar (or have none). Pairs that share no term are left out, so a need may get fewer than
    `top` matches, or none (and then no entry). Ties go to the older action. Existing responses
    play no part. Reads the texts with a constant number of queries, however many needs and
    actions there are.
    """
    need_texts = _need_texts(needs)
    action_texts = _action_texts(actions.standing())
    return _rank(need_texts, action_texts, top=top)


def rank_cycle(cycle, *, top=10):
    """rank() for the needs of `cycle` that someone may respond to (not draft, returned or rejected)
    against the actions that could respond to them (candidate_actions)."""
    needs = Need.objects.filter(cycle=cycle).exclude(status__in=CLOSED_TO_RESPONSES)
    return rank(needs, candidate_actions(cycle), top=top)


def candidate_actions(cycle):
    """The actions that could respond to the needs of `cycle`: not cancelled, and not ended (actual
    end, else planned end) before the cycle's first year (rank() then leaves out the withdrawn and
    merged ones). An action without an end date stays a candidate."""
    ended_before = Q(actual_end__year__lt=cycle.first_year) | Q(
        actual_end__isnull=True, planned_end__year__lt=cycle.first_year
    )
    return Action.objects.exclude(status=ActivityStatus.CANCELLED).exclude(ended_before)


def explain(cycle, pairs):
    """The score and matched words of given (need id, action id) pairs, in the model rank_cycle()
    builds for `cycle`: {(need id, action id): Match}. A pair whose need or action takes no part
    (a draft need, a withdrawn action) is left out; a pair that shares no term scores 0."""
    needs = _need_texts(Need.objects.filter(cycle=cycle).exclude(status__in=CLOSED_TO_RESPONSES))
    # The given actions take part even when the ranking would not offer them (an action ended
    # before the cycle that a person linked anyway): their words are still worth showing.
    named = Action.objects.filter(pk__in=[action for _, action in pairs])
    actions = _action_texts((candidate_actions(cycle) | named).standing())
    need_rows = {pk: row for row, pk in enumerate(needs.ids)}
    action_rows = {pk: row for row, pk in enumerate(actions.ids)}
    kept = [(need, action) for need, action in pairs if need in need_rows and action in action_rows]
    if not kept:
        return {}
    model = vectorizer()
    weights = model.fit_transform(needs.texts + actions.texts).tocsr()
    offset = len(needs.ids)
    need_weights = weights[[need_rows[need] for need, _ in kept]]
    action_weights = weights[[offset + action_rows[action] for _, action in kept]]
    products = need_weights.multiply(action_weights)
    # The rows are unit vectors (TF-IDF's L2 norm): their dot product is the cosine.
    scores = np.asarray(products.sum(axis=1)).ravel().tolist()
    terms = _matched_terms(need_weights, action_weights, model.get_feature_names_out())
    return {
        (need, action): Match(need, action, min(score, 1.0), words)
        for (need, action), score, words in zip(kept, scores, terms, strict=True)
    }


# Reading the texts ---------------------------------------------------------------------------------


@dataclass
class _Texts:
    """Documents to match, in one order: their ids, partners, pillars and texts."""

    ids: list
    partners: list  # frozensets of partner ids; empty: any partner
    pillars: list  # frozensets of pillar ids; empty: any pillar
    texts: list


def _need_texts(needs):
    rows = needs.order_by("pk").values_list(
        "pk",
        "partner_id",
        "pillar_id",
        "title",
        "description",
        "justification",
        "area__name",
        "area__description",
        "area__parent__name",
        "pillar__name",
        "partner__name",
    )
    # The sectors people accepted for a need speak the actions' words (their codes' names).
    sectors = _sector_names(NeedSector.objects.filter(need__in=needs.values("pk")), "need_id")
    texts = _Texts([], [], [], [])
    for pk, partner_id, pillar_id, *words in rows:
        texts.ids.append(pk)
        texts.partners.append(frozenset({partner_id}))
        texts.pillars.append(frozenset({pillar_id}))
        texts.texts.append(_joined([*words, *sectors[pk]]))
    return texts


def _sector_names(sectors, owner):
    """The codelist names of `sectors` (ActionSector or NeedSector rows) per `owner` id field."""
    names = {
        (codelist, code): name
        for codelist, code, name in CodelistEntry.objects.filter(codelist__in=SECTOR_CODELISTS.values()).values_list(
            "codelist", "code", "name"
        )
    }
    found = defaultdict(list)
    for owner_id, vocabulary, code in sectors.values_list(owner, "vocabulary", "code"):
        found[owner_id].append(names.get((SECTOR_CODELISTS.get(vocabulary), code), ""))
    return found


def _action_texts(actions):
    chosen = Q(action__in=actions.values("pk"))
    partners, partner_names = _members(Action.partners.through.objects.filter(chosen), "partner")
    pillars, pillar_names = _members(Action.pillars.through.objects.filter(chosen), "pillar")
    sectors = _sector_names(ActionSector.objects.filter(chosen), "action_id")
    texts = _Texts([], [], [], [])
    for pk, title, description, titles, descriptions in actions.order_by("pk").values_list(
        "pk", "title", "description", "titles", "descriptions"
    ):
        published = published_texts(titles, descriptions)
        texts.ids.append(pk)
        texts.partners.append(frozenset(partners[pk]))
        texts.pillars.append(frozenset(pillars[pk]))
        # Pillars before partners, as in a need's text: the same words give the same word pairs.
        words = [title, description, *published, *sectors[pk], *pillar_names[pk], *partner_names[pk]]
        texts.texts.append(_joined(words))
    return texts


def published_texts(titles, descriptions):
    """The titles and descriptions an action was published with, in every language (the IATI
    narratives kept in `titles` [language, text] and `descriptions` {"text": …})."""
    published = [entry[1] for entry in titles or () if len(entry) > 1]
    published += [entry.get("text", "") for entry in descriptions or () if isinstance(entry, dict)]
    return published


def _members(links, name):
    """The ids and names of the partners (or pillars) of each action, from the links of a
    many-to-many field, in their order."""
    ids, names = defaultdict(set), defaultdict(list)
    ordered = links.order_by(f"{name}__order", f"{name}_id")
    for action_id, member_id, member_name in ordered.values_list("action_id", f"{name}_id", f"{name}__name"):
        ids[action_id].add(member_id)
        names[action_id].append(member_name)
    return ids, names


def _joined(parts):
    """The distinct non-empty parts, one sentence each: an IATI title repeated in every field
    must not count three times."""
    return ".\n".join(dict.fromkeys(part.strip() for part in parts if part and part.strip()))


# Scoring -------------------------------------------------------------------------------------------
# scikit-learn is imported where it is used: it takes seconds to import, which only a process that
# matches should pay, not every process that loads the back office.


@cache
def stop_words():
    """The stop words of every language, folded as the vectorizer folds the texts."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, strip_accents_unicode

    words = (ALBANIAN + BOSNIAN_CROATIAN_SERBIAN_MONTENEGRIN + MACEDONIAN).split()
    return sorted(ENGLISH_STOP_WORDS | {strip_accents_unicode(word.lower()) for word in words})


def vectorizer():
    """The TF-IDF model of the texts (see the module's docstring)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        strip_accents="unicode",
        lowercase=True,
        stop_words=stop_words(),
        ngram_range=NGRAM_RANGE,
        sublinear_tf=True,
        dtype=np.float32,
    )


def _rank(needs, actions, *, top):
    if not needs.ids or not actions.ids or top < 1:
        return {}
    model = vectorizer()
    try:
        weights = model.fit_transform(needs.texts + actions.texts).tocsr()
    except ValueError:  # no text has a single term left once the stop words are out
        return {}
    need_weights, action_weights = weights[: len(needs.ids)], weights[len(needs.ids) :]
    pairs = [
        _best_in_block(need_weights, action_weights, rows, columns, top) for rows, columns in _blocks(needs, actions)
    ]
    if not pairs:
        return {}
    rows, columns, scores = (np.concatenate(parts) for parts in zip(*pairs, strict=True))
    terms = _matched_terms(need_weights[rows], action_weights[columns], model.get_feature_names_out())
    ranking = defaultdict(list)
    for row, column, score, words in zip(rows.tolist(), columns.tolist(), scores.tolist(), terms, strict=True):
        # min(): float rounding may take the cosine of two identical texts a hair above 1.
        ranking[needs.ids[row]].append(Match(needs.ids[row], actions.ids[column], min(score, 1.0), words))
    return dict(ranking)


def _blocks(needs, actions):
    """Groups of needs with the same partner and pillar, and the actions each may be compared with:
    (need rows, action columns), columns in the actions' order."""
    for_partner, for_pillar = _index(actions.partners), _index(actions.pillars)
    grouped = defaultdict(list)
    for row, (partners, pillars) in enumerate(zip(needs.partners, needs.pillars, strict=True)):
        grouped[(partners, pillars)].append(row)
    for (partners, pillars), rows in grouped.items():
        columns = np.intersect1d(_any_of(for_partner, partners), _any_of(for_pillar, pillars), assume_unique=True)
        if columns.size:
            yield np.array(rows), columns


def _index(sets):
    """{member: columns whose set holds it}, and under None the columns with an empty set (any)."""
    index = defaultdict(list)
    for column, members in enumerate(sets):
        for member in members or (None,):
            index[member].append(column)
    return {member: np.array(columns) for member, columns in index.items()}


def _any_of(index, members):
    return np.unique(np.concatenate([index.get(member, np.empty(0, int)) for member in (*members, None)]))


def _best_in_block(need_weights, action_weights, rows, columns, top):
    """The `top` best-scoring columns of each row, best first: (rows, columns, scores) of the pairs
    with a positive score. Scores are computed a slice of rows at a time to bound the memory."""
    candidates = action_weights[columns].T.tocsr()
    k = min(top, columns.size)
    step = max(1, SCORES_AT_ONCE // columns.size)
    found = []
    for start in range(0, rows.size, step):
        chunk = rows[start : start + step]
        scores = (need_weights[chunk] @ candidates).toarray()
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < columns.size else np.indices(scores.shape)[1]
        best_scores = np.take_along_axis(scores, best, axis=1)
        # Best first; between equal scores, the lower column (the older action) first.
        order = np.lexsort((best, -best_scores), axis=1)
        best, best_scores = np.take_along_axis(best, order, axis=1), np.take_along_axis(best_scores, order, axis=1)
        kept = best_scores > 0
        found.append((np.repeat(chunk, k).reshape(-1, k)[kept], columns[best[kept]], best_scores[kept]))
    return tuple(np.concatenate(part) for part in zip(*found, strict=True))


def _matched_terms(need_weights, action_weights, vocabulary):
    """For each pair of rows, the terms with the largest product of the two weights, strongest
    first (then alphabetically), at most TERMS_PER_MATCH."""
    products = need_weights.multiply(action_weights).tocsr()
    products.sort_indices()
    terms = []
    for row in range(products.shape[0]):
        start, end = products.indptr[row], products.indptr[row + 1]
        data, indices = products.data[start:end], products.indices[start:end]
        strongest = np.argsort(-data, kind="stable")[:TERMS_PER_MATCH]
        terms.append(tuple(vocabulary[indices[strongest]].tolist()))
    return terms
