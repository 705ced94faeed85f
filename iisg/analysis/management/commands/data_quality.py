"""`manage.py data_quality`: the data-quality rules (iisg.analysis.quality) from the command line:
counts only, or kept as the alerts (--store), or queued for the job worker (--queue, daily)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from iisg.analysis.alerts import store_alerts
from iisg.analysis.quality import QUALITY_RULES
from iisg.analysis.tasks import check_data_quality_job


class Command(BaseCommand):
    help = (
        "Run the data-quality rules and print how many records each finds. --store keeps what they find as "
        "the alerts people see; --queue has the job worker do that (run it daily from cron, as `make run` "
        "does); without either, nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--store", action="store_true", help="Keep the findings as the alerts.")
        parser.add_argument(
            "--queue", action="store_true", help="Queue the job worker's check (check_data_quality_job) and return."
        )
        parser.add_argument("--today", help="Check as on this day (YYYY-MM-DD); default: today.")

    def handle(self, *args, store, queue, today, **options):
        if queue:
            if store or today:
                raise CommandError("--queue checks today's data in the job worker: not with --store or --today.")
            result = check_data_quality_job.enqueue()
            self.stdout.write(f"Queued the data-quality check (job {result.id}).")
            return
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError("--today is a date: YYYY-MM-DD.") from None
        if store:
            counts = store_alerts(today=day)
        else:
            day = day or timezone.localdate()
            counts = {key: len(rule.find(day)) for key, rule in QUALITY_RULES.items()}
        width = max(len(str(rule.title)) for rule in QUALITY_RULES.values())
        for key, rule in QUALITY_RULES.items():
            self.stdout.write(f"{rule.title!s:<{width}}  {counts[key]:>6}  ({key})")
        self.stdout.write(f"{'Total':<{width}}  {sum(counts.values()):>6}")
