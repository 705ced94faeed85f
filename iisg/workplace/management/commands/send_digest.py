"""`manage.py send_digest`: once a day (cron, or `make run`), mail each user who chose the daily
digest for some kinds of notification the ones not mailed yet, in one mail. A second run sends
nothing new."""

from django.core.management.base import BaseCommand

from iisg.workplace.notify import send_digests


class Command(BaseCommand):
    help = "Mail each user the day's notifications they chose to receive as a digest, in one mail; idempotent."

    def handle(self, *args, **options):
        count = send_digests()
        self.stdout.write(f"Digests queued: {count}.")
