from django.core.management.base import BaseCommand

from iisg.actions.money import load_rates, rates_file


class Command(BaseCommand):
    help = "Load the monthly exchange rates (../shared/data/fx/) used for EUR figures. A second run changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--file", help=f"A rates file in the same layout (default: {rates_file()}).")

    def handle(self, *args, file=None, **options):
        counts = load_rates(file)
        self.stdout.write(
            "Exchange rates: {created} created, {updated} updated, {unchanged} unchanged.".format(**counts)
        )
