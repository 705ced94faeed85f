"""The data-quality alerts as business operations and reads: the job worker stores what the rules of
iisg.analysis.quality find (store_alerts), the Secretariat silences an alert with a reason and
unsilences it (silence_alert, unsilence_alert), and each person reads the alerts theirs to fix
(alerts_for, alert_counts).

The alerts are rows (Alert), not a cached result: who sees which is a filter of the permission rules
(rules.AlertRule) that the page and the back office's home ask in one query each, the same on every
web worker, and the rows survive a restart of the cache.
"""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from iisg.core.errors import CommentRequired, InvalidTransition, NotAllowed
from iisg.core.history import record, record_deletion
from iisg.core.permissions import ADD, DELETE, can, visible
from iisg.core.text import clean_comment

from .models import Alert, SilencedAlert
from .quality import QUALITY_RULES

# When the rules last ran, in the cache the web and job workers share (a run that found nothing
# leaves no alert to date it).
CHECKED_AT_KEY = "iisg:data-quality:checked-at"


@transaction.atomic
def store_alerts(*, today=None):
    """Run every rule of QUALITY_RULES for the day `today` (the local date by default) and keep what
    they found as the alerts, in place of those of the last run, in one transaction: nobody reads
    half a run. Silenced alerts are stored too, and hidden when read. Answers the number found by
    each rule, in the rules' order."""
    today = today or timezone.localdate()
    now = timezone.now()
    found = {key: rule.find(today) for key, rule in QUALITY_RULES.items()}
    Alert.objects.all().delete()
    Alert.objects.bulk_create(
        Alert(
            rule=key,
            content_type=ContentType.objects.get_for_model(finding.record),
            object_id=finding.record.pk,
            action=finding.action,
            need=finding.need,
            label=str(finding.record)[:300],
            reason=finding.reason[:500],
            fix_url=finding.fix_url,
            found_at=now,
        )
        for key, findings in found.items()
        for finding in findings
    )
    transaction.on_commit(lambda: cache.set(CHECKED_AT_KEY, now, timeout=None))
    return {key: len(findings) for key, findings in found.items()}


@transaction.atomic
def silence_alert(*, user, alert, reason):
    """Silence `alert` for its record: from now on no run shows it, until it is unsilenced. The
    Secretariat only, with a reason, which the silence's history keeps with who and when.

    Raises NotAllowed, CommentRequired (no reason), InvalidTransition (already silenced)."""
    silence = SilencedAlert(
        rule=alert.rule, content_type_id=alert.content_type_id, object_id=alert.object_id, silenced_by=user
    )
    if not can(user, ADD, silence):
        raise NotAllowed(_("Only the Secretariat silences an alert."))
    silence.reason = clean_comment(reason)
    if not silence.reason:
        raise CommentRequired(_("Say why the alert is silenced."))
    try:
        with transaction.atomic():
            return record(silence, user=user, reason=silence.reason)
    except IntegrityError:
        raise InvalidTransition(_("This alert is already silenced.")) from None


@transaction.atomic
def unsilence_alert(*, user, silence, reason):
    """Show the alert of `silence` again, at once (its alert is stored, only hidden) and at the next
    runs. The Secretariat only; the reason is kept
    in the silence's history. Raises NotAllowed, CommentRequired (no reason)."""
    if not can(user, DELETE, silence):
        raise NotAllowed(_("Only the Secretariat unsilences an alert."))
    reason = clean_comment(reason)
    if not reason:
        raise CommentRequired(_("Say why the alert is shown again."))
    record_deletion(silence, user=user, reason=reason)


@dataclass
class RuleAlerts:
    """The alerts of one rule a person sees."""

    key: str
    title: str
    alerts: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.alerts)


def alerts_for(user):
    """The alerts nobody silenced that `user` may see (rules.AlertRule), by rule in the order of
    QUALITY_RULES, every rule listed even when it found nothing; one query."""
    groups = {key: RuleAlerts(key=key, title=str(rule.title)) for key, rule in QUALITY_RULES.items()}
    for alert in visible(user, Alert.objects.open()).order_by("rule", "label", "object_id"):
        if alert.rule in groups:
            groups[alert.rule].alerts.append(alert)
    return list(groups.values())


def alert_counts(user):
    """The number of alerts nobody silenced that `user` may see, by rule key; one query."""
    rows = visible(user, Alert.objects.open()).values("rule").annotate(count=Count("pk", distinct=True))
    return {row["rule"]: row["count"] for row in rows.order_by("rule")}


def silences_for(user):
    """The silenced alerts `user` may see (the Secretariat's), newest first, with what they are
    about when the last run found it again."""
    silences = list(visible(user, SilencedAlert.objects.select_related("content_type", "silenced_by")))
    found = {
        (alert.rule, alert.content_type_id, alert.object_id): alert
        for alert in Alert.objects.silenced().filter(object_id__in=[silence.object_id for silence in silences])
    }
    for silence in silences:
        silence.alert = found.get((silence.rule, silence.content_type_id, silence.object_id))
    return silences


def last_checked():
    """When the rules last ran; None when nobody knows."""
    return cache.get(CHECKED_AT_KEY) or Alert.objects.order_by("-found_at").values_list("found_at", flat=True).first()
