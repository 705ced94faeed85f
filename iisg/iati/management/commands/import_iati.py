from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from iisg.iati.importer import import_file
from iisg.iati.parser import BrokenFile


class Command(BaseCommand):
    help = (
        "Import IATI activity files (XML, versions 1.0x to 2.03) into the response mapping. "
        "Each file is imported whole or not at all; re-importing an unchanged file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files, or folders whose *.xml files are imported.")
        parser.add_argument(
            "--country", default="", help="Keep only these recipient countries, e.g. AL,BA,XK,ME,MK,RS."
        )
        parser.add_argument("--sector", default="", help="Keep only sectors starting with these codes, e.g. 152,151.")
        parser.add_argument("--problems", type=int, default=20, help="How many problems to list per file (default 20).")

    def handle(self, *args, paths, country, sector, problems, **options):
        countries = [c.strip().upper() for c in country.split(",") if c.strip()]
        prefixes = tuple(p.strip() for p in sector.split(",") if p.strip())
        refused = []
        for path in self.files(paths):
            try:
                summary = import_file(path, countries=countries, sector_prefixes=prefixes)
            except BrokenFile as error:
                refused.append(path.name)
                self.stderr.write(f"{path.name}: refused, nothing imported. {error}")
                continue
            self.stdout.write(str(summary))
            for problem in summary.problems[:problems]:
                where = f"line {problem.line}" if problem.line else ""
                self.stdout.write(
                    f"  {problem.severity}: {problem.identifier or '-'} {where} {problem.field}: {problem.reason}"
                )
            if len(summary.problems) > problems:
                self.stdout.write(f"  … and {len(summary.problems) - problems} more problems.")
            for conflict in summary.conflicts[:problems]:
                self.stdout.write(f"  conflict: {conflict['identifier']}: {conflict['reason']}")
        if refused:
            raise CommandError(f"Refused as a whole: {', '.join(refused)}.")

    def files(self, paths):
        for name in paths:
            path = Path(name)
            if path.is_dir():
                yield from sorted(path.glob("*.xml"))
            elif path.exists():
                yield path
            else:
                raise CommandError(f"No such file or folder: {name}")
