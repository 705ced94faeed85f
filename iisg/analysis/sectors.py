"""DAC sector suggestions: which OECD DAC 5-digit sector codes a text (a need, an action published
without sectors) is about, with a score and the words that led there.

How it works, for a reader who is not a specialist:

1. Each sector code that is not withdrawn gets a profile: the words the codelist gives it (its name
   and description, and those of its 3-digit category), counted CODELIST_WEIGHT times, plus the texts
   of every action that carries the code. The codelist alone already suggests something on an
   empty platform; every action imported with sectors sharpens the profiles.
2. Texts and profiles become TF-IDF weights twice over: of words and word pairs, folded and without
   stop words exactly as the matcher does (iisg.analysis.matcher), and of the 3- to 5-letter pieces
   of each word ("educ", "ducat"), which meet across inflections and spellings ("education" and
   "educational", "sanitation" and "sanitarne") where whole words do not.
3. A code scores the cosine similarity of the text and its profile, raised by CATEGORY_WEIGHT times
   the best score of its 3-digit category: a text clearly about water supply lifts every water code a
   little, ahead of unrelated codes that share one word. The general code of a category (by the DAC's
   convention the one ending in "10": "14010 Water sector policy and administrative management",
   "72010 Material relief assistance") scores at least as much as the best code of its category:
   publishers use it when a project spans the category, and a text that says "water" without saying
   which kind is best served by it.
4. "The words that led there" are the words (and word pairs) that weigh most in both the text and the
   code's profile, strongest first.

The figures behind these choices, each method tried against files the model has not seen:
bench/sectors.py.
"""

import threading
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max, Sum
from django.db.models.functions import Length

from iisg.actions.models import Action, ActionSector
from iisg.iati import codelists
from iisg.iati.codelists import DAC_5_DIGIT, SECTOR_CATEGORY_CODELIST, SECTOR_CODELIST, is_dac_code
from iisg.iati.models import CodelistEntry
from iisg.needs.models import Need, NeedSector

from .matcher import published_texts
from .matcher import vectorizer as word_vectorizer

CODELIST_WEIGHT = 4.0
CATEGORY_WEIGHT = 0.5
GENERAL_CODE_ENDING = "10"
CHARACTER_NGRAM_RANGE = (3, 5)
WORDS_PER_SUGGESTION = 5


@dataclass(frozen=True)
class SectorProfile:
    """What the codelist says of one sector code: its code and words (name, description, category)."""

    code: str
    text: str


@dataclass(frozen=True)
class Labelled:
    """A text whose DAC sector codes people gave: an action's title and descriptions with its codes."""

    text: str
    codes: frozenset


@dataclass(frozen=True)
class Suggestion:
    """A sector code suggested for a text: its score (0..1) and the words that led there."""

    code: str
    score: float
    words: tuple[str, ...]


class SectorSuggester:
    """Built once from the codelist's profiles and the labelled texts; then suggest() for any texts.

    Labels on codes that have no profile (withdrawn or unknown codes) are ignored: a withdrawn code is
    never suggested.
    """

    def __init__(self, profiles, labelled=()):
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize

        ordered = sorted(profiles, key=lambda profile: profile.code)
        self.codes = [profile.code for profile in ordered]
        if not self.codes:
            raise ValueError("No sector code to suggest: load the IATI codelists first.")
        column = {code: index for index, code in enumerate(self.codes)}
        profile_texts = [profile.text for profile in ordered]
        labelled = [example for example in labelled if example.text.strip()]
        self._words = word_vectorizer()
        self._pieces = TfidfVectorizer(
            strip_accents="unicode",
            lowercase=True,
            analyzer="char_wb",
            ngram_range=CHARACTER_NGRAM_RANGE,
            sublinear_tf=True,
            dtype=np.float32,
        )
        corpus = profile_texts + [example.text for example in labelled]
        self._words.fit(corpus)
        self._pieces.fit(corpus)
        self._vocabulary = self._words.get_feature_names_out()
        self._preprocess = self._words.build_preprocessor()
        self._tokens = self._words.build_tokenizer()
        self._stop_words = frozenset(self._words.get_stop_words())
        rows, columns = [], []
        for row, example in enumerate(labelled):
            for code in example.codes & column.keys():
                rows.append(column[code])
                columns.append(row)
        carried = sparse.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, columns)), shape=(len(self.codes), len(labelled))
        )
        weights = CODELIST_WEIGHT * self.weights(profile_texts)
        if labelled:
            weights = weights + carried @ self.weights([example.text for example in labelled])
        self._profiles = normalize(weights).astype(np.float32).tocsr()
        self._profile_words = self._profiles[:, : len(self._vocabulary)].tocsr()
        # The codes are sorted, so the codes of a 3-digit category sit side by side.
        categories = np.array([code[:3] for code in self.codes])
        first_of_category = np.r_[True, categories[1:] != categories[:-1]]
        self._category_starts = np.flatnonzero(first_of_category)
        self._category_ends = np.r_[self._category_starts[1:], len(self.codes)]
        self._category_of = np.cumsum(first_of_category) - 1
        self._general = np.array([code.endswith(GENERAL_CODE_ENDING) for code in self.codes])

    def weights(self, texts):
        """The TF-IDF weights of `texts`, words then word pieces, each row of unit length (or 0)."""
        return self._weights(self._words.transform(texts), texts)

    def _weights(self, word_weights, texts):
        from scipy import sparse
        from sklearn.preprocessing import normalize

        return normalize(sparse.hstack([word_weights, self._pieces.transform(texts)]).tocsr())

    def scores(self, texts):
        """The score of every code (columns in the order of `codes`) for every text (rows): 0..1."""
        return self._scores(self.weights(texts))[1]

    def _scores(self, weights):
        """The scores with the category lift only, and the final ones (general codes raised)."""
        similarity = (weights @ self._profiles.T).toarray()
        lifted = (similarity + CATEGORY_WEIGHT * self._best_in_category(similarity)) / (1 + CATEGORY_WEIGHT)
        return lifted, np.where(self._general, np.maximum(lifted, self._best_in_category(lifted)), lifted)

    def _best_in_category(self, scores):
        """For each code, the best of `scores` among the codes of its 3-digit category."""
        return np.maximum.reduceat(scores, self._category_starts, axis=1)[:, self._category_of]

    def suggest(self, texts, *, top=10):
        """For each text, the `top` codes of best score, best first (ties: the lower code), each with
        the words that led there. A text without a word once the stop words are out (an empty text,
        "the and of") gets no suggestion, nor does one that shares nothing with any profile."""
        texts = list(texts)
        if not texts or top < 1:
            return [[] for _ in texts]
        word_weights = self._words.transform(texts).tocsr()
        lifted, scores = self._scores(self._weights(word_weights, texts))
        k = min(top, scores.shape[1])
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        chosen = []  # (row, column, the column whose words explain it)
        for row, columns in enumerate(best):
            if not self._has_words(texts[row]):
                continue
            columns = columns[np.lexsort((columns, -scores[row, columns]))]
            for column in columns[scores[row, columns] > 0].tolist():
                chosen.append((row, column, self._explained_by(lifted[row], column)))
        suggestions = [[] for _ in texts]
        if not chosen:
            return suggestions
        rows, columns, explained = (np.array(part) for part in zip(*chosen, strict=True))
        shared = word_weights[rows].multiply(self._profile_words[explained]).tocsr()
        for pair, (row, column) in enumerate(zip(rows.tolist(), columns.tolist(), strict=True)):
            start, end = shared.indptr[pair], shared.indptr[pair + 1]
            data, indices = shared.data[start:end], shared.indices[start:end]
            strongest = indices[np.argsort(-data, kind="stable")[:WORDS_PER_SUGGESTION]]
            words = tuple(self._vocabulary[strongest].tolist())
            suggestions[row].append(Suggestion(self.codes[column], round(float(scores[row, column]), 4), words))
        return suggestions

    def _has_words(self, text):
        return any(token not in self._stop_words for token in self._tokens(self._preprocess(text)))

    def _explained_by(self, lifted, column):
        """The column whose words explain `column`'s score: a general code raised to its category's
        best code says that code's words."""
        if not self._general[column]:
            return column
        category = self._category_of[column]
        start, end = self._category_starts[category], self._category_ends[category]
        best = start + int(np.argmax(lifted[start:end]))
        return column if lifted[column] >= lifted[best] else best


# From the database -----------------------------------------------------------------------------------


def sector_profiles():
    """The profiles of the loaded Sector codelist (see profiles_from())."""
    categories = CodelistEntry.objects.filter(codelist=SECTOR_CATEGORY_CODELIST).values_list(
        "code", "name", "description"
    )
    entries = CodelistEntry.objects.filter(codelist=SECTOR_CODELIST, withdrawn=False)
    return profiles_from(entries.values_list("code", "name", "description"), categories)


def profiles_from(sectors, categories):
    """The profile of every DAC 5-digit code of `sectors` ((code, name, description) of the codes
    that are not withdrawn): its name and description, then its category's, from `categories`
    ((code, name, description) of the 3-digit SectorCategory codes)."""
    category_words = {code: (name, description) for code, name, description in categories}
    found = []
    for code, name, description in sorted(sectors):
        if is_dac_code(code):
            parts = (name, description, *category_words.get(code[:3], ()))
            found.append(SectorProfile(code, ".\n".join(part for part in parts if part)))
    return found


def labelled_actions():
    """Every action standing on its own (not withdrawn, not merged) that carries DAC 5-digit sectors
    and has some text: its title and descriptions in every language, with its codes. Two queries,
    however many actions."""
    codes = defaultdict(set)
    carried = ActionSector.objects.filter(vocabulary=DAC_5_DIGIT, action__in=Action.objects.standing())
    for action_id, code in carried.values_list("action_id", "code"):
        if is_dac_code(code):
            codes[action_id].add(code)
    labelled = []
    actions = Action.objects.filter(pk__in=list(codes)).order_by("pk")
    for pk, title, description, titles, descriptions in actions.values_list(
        "pk", "title", "description", "titles", "descriptions"
    ):
        text = action_text(title, description, titles, descriptions)
        if text:
            labelled.append(Labelled(text, frozenset(codes[pk])))
    return labelled


def labelled_needs():
    """Every need whose DAC sectors people accepted on its page, with its text (need_text) and
    those codes. Two queries."""
    codes = defaultdict(set)
    for need_id, code in NeedSector.objects.filter(vocabulary=DAC_5_DIGIT).values_list("need_id", "code"):
        if is_dac_code(code):
            codes[need_id].add(code)
    needs = Need.objects.filter(pk__in=list(codes)).order_by("pk")
    labelled = []
    for pk, *parts in needs.values_list("pk", *NEED_TEXT_FIELDS):
        text = _joined(parts)
        if text:
            labelled.append(Labelled(text, frozenset(codes[pk])))
    return labelled


# What a need says of itself, for its sector suggestions: what is needed and why.
NEED_TEXT_FIELDS = ("title", "description", "justification")


def need_text(need):
    """The text of `need` its sectors are suggested from."""
    return _joined(getattr(need, name) for name in NEED_TEXT_FIELDS)


def action_text(title, description, titles, descriptions):
    """An action's title and description and every published title and description, each once."""
    return _joined((title, description, *published_texts(titles, descriptions)))


def _joined(parts):
    stripped = (part.strip() for part in parts if part)
    return "\n".join(dict.fromkeys(part for part in stripped if part))


def build_suggester():
    """The suggester trained on what the platform knows now: the codelist, the labelled actions and
    the sectors people accepted for needs."""
    return SectorSuggester(sector_profiles(), [*labelled_actions(), *labelled_needs()])


# One suggester per process, rebuilt when what it learns from has changed (a page view must not
# pay seconds for a model that is still right): the codelist, or the sectors of an action or a need.
# The fingerprint is a few aggregate queries: counts, the last row and the last history row (ids
# can be reused once the last row is deleted, history ids are not) and the codelist's length of
# words. A change of an action's text alone waits for the next change of sectors.
_built = {}
_building = threading.Lock()


def _fingerprint():
    codelist = CodelistEntry.objects.filter(codelist__in=[SECTOR_CODELIST, SECTOR_CATEGORY_CODELIST])
    return (
        codelist.aggregate(Count("pk"), Max("pk"), names=Sum(Length("name")), words=Sum(Length("description"))),
        ActionSector.objects.aggregate(Count("pk"), Max("pk")),
        ActionSector.history.aggregate(Max("history_id")),
        NeedSector.objects.aggregate(Count("pk"), Max("pk")),
        NeedSector.history.aggregate(Max("history_id")),
    )


def forget_suggester():
    """Drop the suggester this process keeps (the tests: a rolled-back test can leave the next one
    the same ids)."""
    with _building:
        _built.clear()


def current_suggester():
    """The suggester for what the platform knows now, built at most once per change of the codelist,
    the actions' sectors or the needs' accepted sectors, per process."""
    fingerprint = repr(_fingerprint())
    with _building:
        if _built.get("fingerprint") != fingerprint:
            _built.update(fingerprint=fingerprint, suggester=build_suggester())
        return _built["suggester"]


def suggestions_for_need(need, *, top=5):
    """The `top` DAC sector codes suggested for `need` that it does not carry yet, best first, each
    with its name in the codelist: [(Suggestion, name)]."""
    accepted = set(need.sectors.values_list("code", flat=True))
    try:
        suggester = current_suggester()
    except ValueError:  # no codelist loaded: nothing to suggest
        return []
    found = suggester.suggest([need_text(need)], top=top + len(accepted))[0]
    found = [item for item in found if item.code not in accepted][:top]
    names = codelists.names(SECTOR_CODELIST)
    return [(item, names.get(item.code, "")) for item in found]
