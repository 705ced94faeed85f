"""How well the matcher ranks, before and after it learns from people's decisions, on the demo.

    python bench/matcher.py [--database sqlite|postgres] [--json PATH]

On a database of its own (a temporary SQLite file, or a PostgreSQL database `iisg_bench_matcher`
that it creates and drops), it loads the demo, then measures the ranking of the needs cycle
2021–2022 against its confirmed responses (iisg.analysis.evaluation):

- before: the TF-IDF matcher (`evaluate`), which reads no decision;
- after: the learning matcher (`evaluate_held_out`), one partner held out at a time: a model
  trained on the decisions about the other five partners' needs ranks the held-out partner's
  needs, so that no figure rests on a decision about the need it ranks.

Each with the standard precision@5, its ceiling, the normalised precision@5, recall@10 and the mean
reciprocal rank, and the seconds each evaluation took. `--json PATH` writes them as one JSON
object, each figure by database (bench.common.by_database). The goals of issue 22: after, MRR at
least 0.65 and normalised precision@5 at least 0.85.
"""

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import by_database, prepare_database, remove_folder, write_json  # noqa: E402

PG_BENCH_DB = "iisg_bench_matcher"
FIGURES = ("precision", "precision_ceiling", "normalised_precision", "recall", "mean_reciprocal_rank")
GOALS = {"mean_reciprocal_rank": 0.65, "normalised_precision": 0.85}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args()

    drop = prepare_database(args.database, PG_BENCH_DB)
    if args.database == "sqlite":
        drop = remove_folder(os.environ["IISG_VAR_DIR"])
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)

        from iisg.analysis.evaluation import evaluate, evaluate_held_out
        from iisg.demo.services import load_demo
        from iisg.needs.choices import CycleKind
        from iisg.needs.models import Cycle

        load_demo()
        cycle = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022)
        results, seconds = {}, {}
        for name, measure in (("before", evaluate), ("after", evaluate_held_out)):
            start = time.perf_counter()
            results[name] = dataclasses.asdict(measure(cycle))
            seconds[name] = time.perf_counter() - start
    finally:
        drop()

    print(f"Matcher on the demo's needs 2021–2022 ({args.database}), {results['before']['needs']} needs")
    print(f"{'figure':<24}{'before (TF-IDF)':>18}{'after (learned)':>18}{'goal':>8}")
    for figure in FIGURES:
        goal = f"≥ {GOALS[figure]}" if figure in GOALS else ""
        print(f"{figure:<24}{results['before'][figure]:>18.3f}{results['after'][figure]:>18.3f}{goal:>8}")
    print(f"{'seconds':<24}{seconds['before']:>18.1f}{seconds['after']:>18.1f}")
    if args.json:
        figures = {f"{name}_{figure}": round(results[name][figure], 4) for name in results for figure in FIGURES}
        figures |= {f"{name}_s": round(seconds[name], 2) for name in seconds}
        figures["needs"] = results["before"]["needs"]
        write_json(args.json, by_database(args.database, figures))


if __name__ == "__main__":
    main()
