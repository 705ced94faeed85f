from django.core.management.base import BaseCommand, CommandError

from iisg.demo.logins import DEMO_PASSWORD
from iisg.demo.mapping import DEFAULT_SEED
from iisg.demo.materials import MaterialFailed
from iisg.demo.services import DemoRefused, load_demo
from iisg.demo.website import WebsiteMismatch


class Command(BaseCommand):
    help = (
        "Load the demo database: the IISG website content (events, pillars, Support Group, the 6th Board "
        "meeting), a generated needs and response mapping, and one login per role. Running it again "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Seed of the generated mapping (default %(default)s)."
        )
        parser.add_argument("--no-logins", action="store_true", help="Do not create the demo logins.")

    def handle(self, *args, seed, no_logins, **options):
        try:
            summary = load_demo(seed=seed, with_logins=not no_logins)
        except (DemoRefused, WebsiteMismatch, MaterialFailed) as error:
            raise CommandError(str(error)) from error
        mapping = summary.mapping
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {summary.events} events, {summary.organisations} organisations, "
                f"{mapping.needs} needs, {mapping.actions} actions, {mapping.responses} responses "
                f"({mapping.confirmed} confirmed), {mapping.gaps} gaps, {mapping.overlaps} overlaps."
            )
        )
        if summary.kept:
            self.stdout.write(
                self.style.WARNING("\nLeft as they are (they differ from the demo; no step of the rules undoes that):")
            )
            for sentence in summary.kept:
                self.stdout.write(f"  {sentence}")
        if summary.logins:
            self.stdout.write(f"\nDemo logins, all with the password {DEMO_PASSWORD!r}:")
            self.stdout.write(f"  {'username':<13} {'role':<21} for")
            for login, user in summary.logins:
                person = user.person
                scope = person.organisation.name
                if person.partner:
                    scope = f"{person.partner.display_name} ({scope})"
                self.stdout.write(f"  {user.username:<13} {login.role:<21} {scope}")
