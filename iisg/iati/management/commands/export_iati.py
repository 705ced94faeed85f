import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from iisg.iati.export import ExportSummary, NothingToExport, UnknownCycle, exportable_actions, xml_chunks


class Command(BaseCommand):
    help = (
        "Export the actions of the response mapping as an IATI 2.03 activities document, valid against "
        "the IATI schema. Every action is checked before a byte is written; those that cannot be exported "
        "truthfully are left out and listed, with the reason, on standard error."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cycle",
            default="",
            help='Only the actions running in a year (2022), a period (2021-2022) or a cycle ("Response mapping 2022")',
        )
        parser.add_argument("--output", default="", help="The file to write; standard output when not given.")

    def handle(self, *args, cycle, output, **options):
        try:
            actions = exportable_actions(cycle=cycle)
        except UnknownCycle as error:
            raise CommandError(str(error)) from None
        summary = ExportSummary()
        try:
            if output:
                self.to_file(Path(output), actions, summary)
            else:
                for chunk in xml_chunks(actions, summary=summary):
                    self.stdout.write(chunk.decode("utf-8"), ending="")
        except NothingToExport as error:
            self.stderr.write(str(summary), style_func=lambda text: text)
            raise CommandError(str(error)) from None
        self.stderr.write(str(summary), style_func=lambda text: text)

    def to_file(self, path, actions, summary):
        """Write next to `path`, then put the file in its place: a failed export leaves no half file
        and keeps the previous one."""
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in xml_chunks(actions, summary=summary):
                    out.write(chunk)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's owner-only
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
