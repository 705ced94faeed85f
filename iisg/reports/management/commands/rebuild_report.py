import hashlib
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from iisg.reports import packs, writers
from iisg.reports.models import BoardPack


class Command(BaseCommand):
    help = (
        "Make a report adopted by the Board again from its Board pack (iisg.reports.packs): the data it "
        "was built from, frozen when it was published, whatever changed since. Writes PDF, XLSX or DOCX."
    )

    def add_arguments(self, parser):
        parser.add_argument("pack", type=int, help="The Board pack's id (the back office lists them).")
        parser.add_argument(
            "--format", dest="fmt", choices=list(writers.WRITERS), help="Default: the format of the report."
        )
        parser.add_argument("--output", help="The file to write (default: the report's name in this folder).")

    def handle(self, *args, pack, fmt, output, **options):
        found = BoardPack.objects.select_related("report").filter(pk=pack).first()
        if found is None:
            raise CommandError(f"No Board pack {pack}.")
        fmt = fmt or found.report.format
        start = time.perf_counter()
        try:
            data = packs.rebuild(found, fmt)
        except packs.PackDamaged as damaged:
            raise CommandError(str(damaged)) from None
        path = Path(output or f"{found.report.name or 'iisg-report'}.{fmt}")
        path.write_bytes(data)
        self.stdout.write(
            f"Wrote {path} ({len(data):,} bytes, SHA-256 {hashlib.sha256(data).hexdigest()}) from {found} "
            f"in {time.perf_counter() - start:.1f} s."
        )
