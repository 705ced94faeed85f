from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from iisg.iati.models import ImportRun
from iisg.iati.services import rollback_import
from iisg.needs.errors import WorkflowError


class Command(BaseCommand):
    help = (
        "Roll back a done IATI import run (IATI → Import runs): delete the actions it created, put the ones it "
        "updated back as they were and count again the ones it withdrew, as the run's page does. Refused, "
        "changing nothing, when an action it touched was changed since or a later import touched it."
    )

    def add_arguments(self, parser):
        parser.add_argument("run", type=int, help="The id of the import run (its page's address ends with it).")
        parser.add_argument(
            "--user", required=True, help="Who rolls it back: a username of the Secretariat, named in the history."
        )

    def handle(self, *args, run, user, **options):
        found = ImportRun.objects.filter(pk=run).first()
        if found is None:
            raise CommandError(f"No import run {run}.")
        try:
            plan = rollback_import(user=self.user(user), run=found)
        except WorkflowError as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"{found.source_name} (run {found.pk}) rolled back: {plan.created} actions deleted, "
            f"{plan.updated} put back as they were, {plan.withdrawn} counted again."
        )

    def user(self, username):
        found = get_user_model().objects.filter(username=username, is_active=True).first()
        if found is None:
            raise CommandError(f"No active user {username!r}.")
        return found
