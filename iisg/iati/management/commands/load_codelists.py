from django.core.management.base import BaseCommand

from iisg.iati.codelists import codelists_dir, load_codelists


class Command(BaseCommand):
    help = (
        "Load the IATI codelists (../shared/data/iati/codelists/xml/) whose names the platform shows and "
        "whose codes the IATI import checks. A second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", help=f"A folder of codelist files in the same layout (default: {codelists_dir()})."
        )

    def handle(self, *args, dir=None, **options):
        counts = load_codelists(dir)
        self.stdout.write(
            "IATI codelists: {codelists} codelists; codes {created} created, {updated} updated, "
            "{unchanged} unchanged, {withdrawn} no longer listed (marked withdrawn).".format(**counts)
        )
        if counts["too_long"]:
            self.stdout.write(f"  {counts['too_long']} codes longer than the table holds were left out.")
