from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from iisg.iati.generator import generate


class Command(BaseCommand):
    help = (
        "Write a realistic IATI 2.03 activity file of Western Balkan activities, for benchmarks and tests. "
        "The same count and seed always write the same file."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="The file to write (replaced if it exists).")
        parser.add_argument("--count", type=int, required=True, help="How many activities to write.")
        parser.add_argument("--seed", type=int, default=0, help="The random seed (default 0).")

    def handle(self, *args, output, count, seed, **options):
        if count < 1:
            raise CommandError("--count must be at least 1: an IATI file holds one activity or more.")
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"No such folder: {path.parent}")
        size = generate(path, count=count, seed=seed)
        self.stdout.write(f"{path}: {count:,} activities, {size:,} bytes ({size / 1e6:.1f} MB).")
