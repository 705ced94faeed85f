import time

from django.core.management.base import BaseCommand, CommandError

from iisg.analysis.evaluation import evaluate
from iisg.analysis.matcher import vectorizer
from iisg.analysis.services import MIN_SCORE, propose_responses
from iisg.needs.errors import WorkflowError
from iisg.needs.selectors import needs_cycle


class Command(BaseCommand):
    help = (
        "Rank the actions that may respond to the needs of a needs-mapping cycle with the matcher: "
        "--evaluate measures the ranking against the confirmed responses, --propose records the best "
        "actions as proposed responses for the Secretariat to review (never confirmed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, help="The needs-mapping cycle: its period (2021-2022) or id.")
        parser.add_argument("--evaluate", action="store_true", help="Print how the ranking compares with the truth.")
        parser.add_argument("--propose", action="store_true", help="Propose responses and print the counts.")
        parser.add_argument("--per-need", type=int, default=5, help="Best actions proposed per need (default 5).")
        parser.add_argument(
            "--min-score", type=float, default=MIN_SCORE, help=f"Lowest score proposed (default {MIN_SCORE})."
        )

    def handle(self, *args, cycle, evaluate, propose, per_need, min_score, **options):
        if not (evaluate or propose):
            raise CommandError("Say what to do: --evaluate, --propose or both.")
        if per_need < 1:
            raise CommandError("--per-need is at least 1.")
        cycle = self.needs_cycle(cycle)
        if evaluate:
            self.print_evaluation(cycle)
        if propose:
            try:
                proposals = propose_responses(cycle=cycle, per_need=per_need, min_score=min_score)
            except WorkflowError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"{cycle}: {proposals.proposed} responses proposed for {proposals.needs} needs; skipped "
                f"{proposals.existing} already linked and {proposals.below_threshold} scoring below {min_score}."
            )

    def needs_cycle(self, given):
        try:
            return needs_cycle(given)
        except ValueError as error:
            raise CommandError(str(error)) from None

    def print_evaluation(self, cycle):
        vectorizer()  # imports scikit-learn, which takes seconds: not the matcher's own time
        started = time.perf_counter()
        result = evaluate(cycle)
        seconds = time.perf_counter() - started
        p, r = result.precision_at, result.recall_at
        rows = [
            ("needs with a confirmed response", f"{result.needs}"),
            (f"precision@{p}", f"{result.precision:.3f}"),
            ("  its ceiling on this truth", f"{result.precision_ceiling:.3f}"),
            (f"normalised precision@{p}", f"{result.normalised_precision:.3f}"),
            (f"recall@{r}", f"{result.recall:.3f}"),
            (f"mean reciprocal rank (first {max(p, r)})", f"{result.mean_reciprocal_rank:.3f}"),
        ]
        self.stdout.write(f"The matcher on {cycle}, against its confirmed responses:")
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            self.stdout.write(f"  {label:<{width}}  {value:>6}")
        self.stdout.write(f"Ranked and measured in {seconds:.2f} s.")
