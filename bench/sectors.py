"""Honest evaluation of the DAC sector suggestions (iisg.analysis.sectors) on the real IATI files.

    python bench/sectors.py [--json PATH] [--repeat N]

Every activity of ../shared/data/iati/activities/*.xml that the platform's own IATI parser accepts
and that carries DAC 5-digit sectors (vocabulary 1, or none given, on the activity or its
transactions) is a labelled example: its titles and descriptions in every language, and its codes. A
method is right at k when any of the activity's codes is among its first k suggestions. One file at
a time is held out: each method is built from the codelist and the other files' activities only,
then ranks the held-out file's activities. No database is used: the codelists are read from their
files, as the parser reads them.

Methods, each ranking the Sector codes that are not withdrawn:

- (a) codelist TF-IDF: words of the codes' names and descriptions only, the matcher's folding and
  stop words; the baseline of issue 22;
- (b) profiles: TF-IDF of words and character 3-5-grams over the codelist (with its categories) and the
  labelled activities, each code's profile its codelist words plus its activities, with the category
  lift and each category's general code raised to its best code (the production suggester,
  SectorSuggester);
- (c) kNN: the 10 labelled activities closest to the text (same features) vote for their codes, by
  similarity, plus 0.3 times the score of (b) built on the codelist alone (the order of the codes no
  neighbour carries);
- (d) linear: one-vs-rest logistic regression (SGD) over the same features, trained on one row per
  code (its codelist words) and one row per (activity, code);
- (e) blend: the sum of (b), (c) and (d), each scaled to 0..1 per text.

Printed as a markdown table (top-1/5/10 by held-out file and overall, micro over activities), with
the time to build (b) on every labelled activity (and on ten copies of them: the 10x scale) and to
suggest for 500 texts with it (median of N), against (a) ranking the same texts in the same process.
`--json PATH` writes the same figures. The goal of issue 22: top-5 >= 0.45 on held-out files, 500
texts in under 1 s.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import write_json  # noqa: E402

KS = (1, 5, 10)
NEIGHBOURS = 10
CODELIST_FALLBACK = 0.3
TIMED_TEXTS = 500


def labelled_files(folder):
    """{file name: [Labelled, …]} for the files with at least one labelled activity."""
    from iisg.analysis.sectors import Labelled
    from iisg.iati.activity import Activity
    from iisg.iati.codelists import DAC_5_DIGIT, is_dac_code
    from iisg.iati.parser import BrokenFile, read

    found = {}
    for path in sorted(Path(folder).glob("*.xml")):
        examples = []
        try:
            for item in read(path):
                if not isinstance(item, Activity):
                    continue
                sectors = item.sectors + [t.sector for t in item.transactions if t.sector]
                codes = frozenset(s.code for s in sectors if s.vocabulary == DAC_5_DIGIT and is_dac_code(s.code))
                narratives = item.titles + [narrative for _kind, narrative in item.descriptions]
                text = "\n".join(dict.fromkeys(n.text.strip() for n in narratives if n.text.strip()))
                if codes and text:
                    examples.append(Labelled(text, codes))
        except BrokenFile:
            continue  # refused as a whole by the importer too: nothing to learn from
        if examples:
            found[path.name] = examples
    return found


@dataclass(frozen=True)
class Codelist:
    profiles: list  # SectorProfile of every code: its words and its category's
    plain: list  # SectorProfile of every code: its own name and description only


def read_codelists(folder):
    from iisg.analysis.sectors import profiles_from
    from iisg.iati.codelists import read_codelist

    _name, sectors = read_codelist(Path(folder) / "Sector.xml")
    _name, categories = read_codelist(Path(folder) / "SectorCategory.xml")
    sectors = [(item.code, item.name, item.description) for item in sectors if not item.withdrawn]
    categories = [(item.code, item.name, item.description) for item in categories]
    return Codelist(profiles_from(sectors, categories), profiles_from(sectors, []))


# Methods: each takes (codelist, training examples, texts) and returns (codes, scores[text, code]). -----


def codelist_tfidf(codelist, training, texts):
    from iisg.analysis.matcher import vectorizer

    model = vectorizer()
    documents = model.fit_transform([p.text for p in codelist.plain])
    return [p.code for p in codelist.plain], (model.transform(texts) @ documents.T).toarray()


def suggester_profiles(codelist, training, texts):
    from iisg.analysis.sectors import SectorSuggester

    suggester = SectorSuggester(codelist.profiles, training)
    return suggester.codes, suggester.scores(texts)


def neighbours(codelist, training, texts):
    import numpy as np

    from iisg.analysis.sectors import SectorSuggester

    suggester = SectorSuggester(codelist.profiles, training)
    column = {code: index for index, code in enumerate(suggester.codes)}
    carried = np.zeros((len(training), len(suggester.codes)), np.float32)
    for row, example in enumerate(training):
        for code in example.codes & column.keys():
            carried[row, column[code]] = 1 / len(example.codes)
    weights = suggester.weights(texts)
    similarity = (weights @ suggester.weights([e.text for e in training]).T).toarray()
    nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :NEIGHBOURS]
    votes = np.stack([similarity[row, near] @ carried[near] for row, near in enumerate(nearest)])
    return suggester.codes, votes + CODELIST_FALLBACK * SectorSuggester(codelist.profiles).scores(texts)


def linear(codelist, training, texts):
    from sklearn.linear_model import SGDClassifier

    from iisg.analysis.sectors import SectorSuggester

    suggester = SectorSuggester(codelist.profiles, training)
    rows = [p.text for p in codelist.profiles] + [e.text for e in training for _code in e.codes]
    labels = [p.code for p in codelist.profiles] + [code for e in training for code in sorted(e.codes)]
    model = SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=30, tol=None, random_state=0)
    model.fit(suggester.weights(rows), labels)
    order = [list(model.classes_).index(code) for code in suggester.codes]
    return suggester.codes, model.decision_function(suggester.weights(texts))[:, order]


def blend(codelist, training, texts):
    codes, total = None, 0
    for method in (suggester_profiles, neighbours, linear):
        codes, scores = method(codelist, training, texts)
        low, high = scores.min(axis=1, keepdims=True), scores.max(axis=1, keepdims=True)
        total = total + (scores - low) / (high - low + (high == low))
    return codes, total


METHODS = {
    "(a) codelist TF-IDF": codelist_tfidf,
    "(b) profiles: words + char 3-5, codelist + activities (production)": suggester_profiles,
    "(c) kNN over activities": neighbours,
    "(d) linear (SGD logistic, one-vs-rest)": linear,
    "(e) blend of b, c, d": blend,
}


def held_out(method, codelist, files):
    """{file: [hits at each k]} with one file held out at a time."""
    import numpy as np

    hits = {}
    for name, examples in files.items():
        training = [example for other, held in files.items() if other != name for example in held]
        codes, scores = method(codelist, training, [example.text for example in examples])
        # Best first; between equal scores, the lower code.
        order = np.lexsort((np.broadcast_to(np.arange(len(codes)), scores.shape), -scores), axis=1)
        ranked = [[codes[column] for column in row[: max(KS)]] for row in order]
        hits[name] = [sum(bool(e.codes & set(r[:k])) for e, r in zip(examples, ranked, strict=True)) for k in KS]
    return hits


def timing(codelist, examples, repeat, *, scale=1):
    """Build (b) on the codelist and `examples` repeated `scale` times, then suggest for 500 texts
    (median of `repeat`), against the baseline in the same process: (a) ranking the same 500 texts
    with its codelist TF-IDF (fitted once, outside the timing)."""
    from iisg.analysis.matcher import vectorizer
    from iisg.analysis.sectors import SectorSuggester

    texts = [examples[i % len(examples)].text for i in range(TIMED_TEXTS)]
    started = time.perf_counter()
    suggester = SectorSuggester(codelist.profiles, examples * scale)
    build_ms = (time.perf_counter() - started) * 1000
    suggester.suggest(texts[:10])  # warm-up
    baseline = vectorizer()
    documents = baseline.fit_transform([p.text for p in codelist.plain])
    times, baseline_times = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        suggester.suggest(texts, top=10)
        times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        scores = (baseline.transform(texts) @ documents.T).toarray()
        [row.argsort()[::-1][:10] for row in scores]
        baseline_times.append((time.perf_counter() - started) * 1000)
    return build_ms, statistics.median(times), statistics.median(baseline_times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="Write the figures to this JSON file.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs of the 500 suggestions (median).")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iisg.settings")
    import django

    django.setup()
    from django.conf import settings

    iati = Path(settings.SHARED_DATA_DIR) / "iati"
    codelist = read_codelists(iati / "codelists" / "xml")
    profiles = codelist.profiles
    files = labelled_files(iati / "activities")
    total = sum(len(examples) for examples in files.values())
    figures = {"codes": len(profiles), "activities": total, "files": {n: len(e) for n, e in files.items()}}
    figures["methods"] = {}
    header = (
        "| method | "
        + " | ".join(f"{n} ({len(e)}) top-1/5/10" for n, e in files.items())
        + " | overall top-1 | top-5 | top-10 | s |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for label, method in METHODS.items():
        started = time.perf_counter()
        hits = held_out(method, codelist, files)
        seconds = time.perf_counter() - started
        overall = [sum(h[i] for h in hits.values()) / total for i in range(len(KS))]
        per_file = {n: [h / len(files[n]) for h in file_hits] for n, file_hits in hits.items()}
        figures["methods"][label] = {
            **{f"top{k}": round(value, 4) for k, value in zip(KS, overall, strict=True)},
            "per_file": {
                n: {f"top{k}": round(v, 4) for k, v in zip(KS, values, strict=True)} for n, values in per_file.items()
            },
            "seconds": round(seconds, 1),
        }
        cells = ["/".join(f"{v:.2f}" for v in values) for values in per_file.values()]
        lines.append(
            f"| {label} | "
            + " | ".join(cells)
            + " | "
            + " | ".join(f"{v:.3f}" for v in overall)
            + f" | {seconds:.0f} |"
        )
        print(lines[-1] if len(lines) > 3 else "\n".join(lines), flush=True)
    examples = [e for examples in files.values() for e in examples]
    figures["timing"] = {}
    for scale in (1, 10):
        build_ms, suggest_ms, baseline_ms = timing(codelist, examples, args.repeat, scale=scale)
        figures["timing"][f"{scale}x"] = {
            "labelled_texts": total * scale,
            "build_ms": round(build_ms, 1),
            "suggest_500_ms": round(suggest_ms, 1),
            "baseline_codelist_tfidf_500_ms": round(baseline_ms, 1),
            "ratio_to_baseline": round(suggest_ms / baseline_ms, 2),
        }
        print(
            f"\n{scale}x: built on the codelist ({len(profiles)} codes) and {total * scale} labelled texts in "
            f"{build_ms:.0f} ms; {TIMED_TEXTS} texts suggested (top 10, with words) in {suggest_ms:.0f} ms "
            f"(median of {args.repeat}); the baseline (a) ranks them in {baseline_ms:.0f} ms "
            f"(ratio {suggest_ms / baseline_ms:.1f})."
        )
    if args.json:
        write_json(args.json, figures)


if __name__ == "__main__":
    main()
