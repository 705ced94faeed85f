from django.core.management.base import BaseCommand

from iisg.actions.money import fill_missing_eur, load_rates, rates_file


class Command(BaseCommand):
    help = (
        "Load the monthly exchange rates (../shared/data/fx/) used for EUR figures, then give a EUR figure to "
        "the money that had none for want of a rate. A second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help=f"A rates file in the same layout (default: {rates_file()}).")

    def handle(self, *args, file=None, **options):
        counts = load_rates(file)
        self.stdout.write(
            "Exchange rates: {created} created, {updated} updated, {unchanged} unchanged.".format(**counts)
        )
        filled = fill_missing_eur()
        self.stdout.write(
            "EUR figures filled in: " + ", ".join(f"{count} {name}" for name, count in filled.items()) + "."
        )
