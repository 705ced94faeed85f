"""`manage.py send_reminders`: once a day (cron, or `make run`), remind the focal points whose partner
has not submitted its needs that the needs cycle closes in 7 days, then in 1. Each reminder goes out
once per cycle and threshold, however often the command runs."""

import datetime

from django.core.management.base import BaseCommand

from iisg.workplace.notify import send_reminders


class Command(BaseCommand):
    help = (
        "Remind the focal points who have not submitted that a needs cycle closes in 7 days, then in 1. "
        "Run it daily; a second run the same day sends nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="Count the days left from this date (YYYY-MM-DD) instead of today.",
        )

    def handle(self, *args, today=None, **options):
        sent = send_reminders(today=today)
        for cycle, days in sent:
            self.stdout.write(f"Reminded of {cycle}: {days} day(s) before {cycle.closes_on:%Y-%m-%d}.")
        if not sent:
            self.stdout.write("No reminder due.")
