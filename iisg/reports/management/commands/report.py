import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from iisg.directory.models import Pillar
from iisg.needs.errors import NotAllowed
from iisg.needs.selectors import needs_cycle
from iisg.reports import content, writers


class Command(BaseCommand):
    help = (
        "Write a report for the Board from the data: the needs mapping report (needs, per cycle), "
        "the response mapping report (response, per year) or the analysis report (analysis, per cycle "
        "and year), as PDF, XLSX or DOCX, computed with the rights of --user."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(content.KINDS))
        parser.add_argument("--cycle", help="The needs-mapping cycle: its period (2021-2022) or id (needs, analysis).")
        parser.add_argument("--year", type=int, help="The year (response; analysis: default the dashboards' year).")
        parser.add_argument("--pillar", help="One pillar's code (needs report only), e.g. wbbsi.")
        parser.add_argument("--format", dest="fmt", choices=list(writers.WRITERS), default="pdf")
        parser.add_argument("--user", required=True, help="Whose rights the report is computed with (a username).")
        parser.add_argument("--output", help="The file to write (default: the report's name in this folder).")

    def handle(self, *args, kind, cycle, year, pillar, fmt, user, output, **options):
        arguments = {"user": self.user(user)}
        if kind in ("needs", "analysis"):
            if not cycle:
                raise CommandError(f"The {kind} report needs --cycle.")
            arguments["cycle"] = self.cycle(cycle)
        if kind in ("response", "analysis"):
            if kind == "response" and not year:
                raise CommandError("The response report needs --year.")
            arguments["year"] = year
        if pillar:
            if kind != "needs":
                raise CommandError("--pillar is for the needs report only.")
            arguments["pillar"] = Pillar.objects.filter(code=pillar.lower()).first()
            if arguments["pillar"] is None:
                raise CommandError(
                    f"No pillar {pillar}: choose one of {', '.join(Pillar.objects.values_list('code', flat=True))}."
                )
        start = time.perf_counter()
        try:
            document = content.build(kind, **arguments)
        except NotAllowed as refusal:
            raise CommandError(str(refusal)) from None
        data = writers.WRITERS[fmt](document)
        path = Path(output or f"{document.name}.{fmt}")
        path.write_bytes(data)
        seconds = time.perf_counter() - start
        self.stdout.write(f"{document.title}, {document.subtitle}: {path} ({len(data):,} bytes, {seconds:.1f} s)")

    def user(self, username):
        found = get_user_model().objects.filter(username=username, is_active=True).first()
        if found is None:
            raise CommandError(f"No active user {username!r}.")
        return found

    def cycle(self, given):
        try:
            return needs_cycle(given)
        except ValueError as error:
            raise CommandError(str(error)) from None
