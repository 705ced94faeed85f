"""`manage.py data_quality`: the data-quality rules (iisg.analysis.quality) from the command line:
counts only, or kept as the alerts (--store), or queued for the job worker (--queue, daily); or the
stored alerts one login sees (--user), as its page and back-office home count them."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from iisg.analysis.alerts import alert_counts, store_alerts
from iisg.analysis.quality import QUALITY_RULES
from iisg.analysis.tasks import check_data_quality_job


class Command(BaseCommand):
    help = (
        "Run the data-quality rules and print how many records each finds. --store keeps what they find as "
        "the alerts people see; --queue has the job worker do that (run it daily from cron, as `make run` "
        "does); without either, nothing is written. --user NAME prints instead the stored alerts that login "
        "sees (those nobody silenced, of the records it may fix)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--store", action="store_true", help="Keep the findings as the alerts.")
        parser.add_argument(
            "--queue", action="store_true", help="Queue the job worker's check (check_data_quality_job) and return."
        )
        parser.add_argument("--today", help="Check as on this day (YYYY-MM-DD); default: today.")
        parser.add_argument("--user", metavar="NAME", help="Count the stored alerts this login sees; run nothing.")

    def handle(self, *args, store, queue, today, user, **options):
        if user:
            if store or queue or today:
                raise CommandError("--user counts the stored alerts: not with --store, --queue or --today.")
            viewer = get_user_model().objects.filter(username=user).first()
            if viewer is None:
                raise CommandError(f"No login named {user!r}.")
            self._write_counts(alert_counts(viewer))
            return
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
        self._write_counts(counts)

    def _write_counts(self, counts):
        width = max(len(str(rule.title)) for rule in QUALITY_RULES.values())
        for key, rule in QUALITY_RULES.items():
            self.stdout.write(f"{rule.title!s:<{width}}  {counts.get(key, 0):>6}  ({key})")
        self.stdout.write(f"{'Total':<{width}}  {sum(counts.values()):>6}")
