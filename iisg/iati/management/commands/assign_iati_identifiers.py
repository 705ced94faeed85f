from django.core.management.base import BaseCommand, CommandError

from iisg.actions.identifiers import assign_platform_identifiers
from iisg.core.text import printable


class Command(BaseCommand):
    help = (
        "Give every action without an IATI identifier the one the platform gives the actions entered in it: "
        "<IATI_PUBLISHER_REF>-<the action's number>. A second run assigns nothing."
    )

    def handle(self, *args, **options):
        outcome = assign_platform_identifiers()
        self.stdout.write(f"{outcome.assigned} IATI identifiers assigned.")
        for pk, title, reason in outcome.not_assigned:
            self.stderr.write(f"  not assigned: #{pk} “{printable(title)}”: {reason}", style_func=lambda text: text)
        if outcome.not_assigned and not outcome.assigned:
            raise CommandError(f"{len(outcome.not_assigned)} actions without an IATI identifier kept none.")
