"""The data-quality rules: what goes stale or wrong in the data, found before anyone reads a wrong
figure (DESIGN.md §7, "data-quality alerts instead of silent rot").

Each rule is one function `rule(today)` answering a Finding for each offending record: the record,
the action or need whose owner must fix it (which decides who sees the alert), a one-line reason and
a link to the page where it is fixed. They only read; iisg.analysis.alerts stores what they find
(the job worker runs them, iisg.analysis.tasks) and lets the Secretariat silence an alert.

The actions looked at are those the figures count (ActionQuerySet.counted: of the mission, not
withdrawn), except where a rule says otherwise: an alert on a record no figure uses helps nobody.
"""

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from iisg.actions.choices import ActionSource, ActivityStatus, OrganisationRole, ResponseStatus, TransactionType
from iisg.actions.models import Action, ActionOrganisation, ActionSector, Budget, Response, Transaction
from iisg.needs.choices import NeedStatus
from iisg.needs.models import Need

# "A year" of the rules: no disbursement in the last one, no response one after the adoption.
YEAR = timedelta(days=365)
# Money that went out of an action (IATI TransactionType): what "a disbursement" means here.
SPENDING = (TransactionType.DISBURSEMENT, TransactionType.EXPENDITURE)
# Sector shares are published rounded (3 × 33.33 = 99.99): a sum this close to 100 is 100.
SHARE_TOLERANCE = Decimal("0.5")
# How alike two titles must be (difflib's ratio, 0 to 1, on lower-case words) to look like one project.
TITLE_LIKENESS = 0.8
# What a need says of itself: unchanged when all of these are the same as in the need it was carried from.
NEED_CONTENT = ("title", "description", "need_type", "perspective", "priority", "justification")


@dataclass(frozen=True)
class Finding:
    """One offending record, what is wrong with it and where to fix it."""

    record: object
    reason: str
    fix_url: str
    action: Action | None = None
    need: Need | None = None


@dataclass(frozen=True)
class QualityRule:
    key: str
    title: str
    find: object  # find(today) -> list of Finding


def action_url(action):
    return reverse("admin:actions_action_change", args=[action.pk])


def need_url(need):
    return reverse("admin:needs_need_change", args=[need.pk])


def _about_action(action, reason):
    return Finding(record=action, reason=reason, fix_url=action_url(action), action=action)


def _about_need(need, reason):
    return Finding(record=need, reason=reason, fix_url=need_url(need), need=need)


def _day(day):
    return formats.date_format(day, "j F Y")


def ended_in_implementation(today):
    """Actions whose end (actual, else planned) is past but whose status is still "Implementation"."""
    actions = (
        Action.objects.counted()
        .with_dates()
        .filter(status=ActivityStatus.IMPLEMENTATION, end_on__lt=today)
        .order_by("end_on", "pk")
    )
    return [
        _about_action(
            action,
            _("Ended on %(end)s but still in implementation: set its status or its end.")
            % {"end": _day(action.end_on)},
        )
        for action in actions
    ]


def no_recent_disbursement(today):
    """Actions active today, started more than a year ago, with no disbursement or expenditure dated
    in the last year."""
    since = today - YEAR
    recent = Transaction.objects.filter(
        action=OuterRef("pk"), transaction_type__in=SPENDING, date__gt=since, date__lte=today
    )
    actions = (
        Action.objects.counted()
        .active_on(today)
        .with_dates()
        .filter(start_on__lte=since)
        .exclude(Exists(recent))
        .order_by("start_on", "pk")
    )
    return [
        _about_action(
            action, _("Active, but no disbursement since %(since)s: add its transactions.") % {"since": _day(since)}
        )
        for action in actions
    ]


def sector_shares_off(today):
    """Actions whose sector percentages, in one vocabulary, do not add up to 100. One sector with no
    percentage is the whole (IATI); with several, a missing percentage counts as 0."""
    sums = (
        ActionSector.objects.filter(action__in=Action.objects.counted())
        .values("action", "vocabulary")
        .annotate(total=Coalesce(Sum("percentage"), Value(Decimal(0))), sectors=Count("pk"), given=Count("percentage"))
        .order_by("action", "vocabulary")
    )
    off = defaultdict(list)
    for row in sums:
        whole = row["sectors"] == 1 and row["given"] == 0
        if not whole and abs(row["total"] - 100) >= SHARE_TOLERANCE:
            off[row["action"]].append(row)
    actions = Action.objects.in_bulk(off)
    return [
        _about_action(
            actions[pk],
            _("Sector percentages add up to %(sums)s, not 100.")
            % {
                "sums": ", ".join(
                    _("%(total)s in vocabulary %(vocabulary)s")
                    % {"total": f"{row['total'].normalize():f}", "vocabulary": row["vocabulary"]}
                    for row in rows
                )
            },
        )
        for pk, rows in off.items()
    ]


def money_without_eur(today):
    """Actions with transactions or budgets that have no EUR figure: no currency, or no rate for
    their currency and month (Money: never 0 then, empty), so that no figure counts them."""
    missing = defaultdict(dict)
    for model in (Transaction, Budget):
        rows = (
            model.objects.filter(value_eur__isnull=True, action__in=Action.objects.counted())
            .values("action")
            .annotate(count=Count("pk"))
            .order_by("action")
        )
        for row in rows:
            missing[row["action"]][model] = row["count"]
    actions = Action.objects.in_bulk(missing)
    findings = []
    for pk, counts in missing.items():
        parts = []
        if Transaction in counts:
            count = counts[Transaction]
            parts.append(ngettext("%(count)d transaction", "%(count)d transactions", count) % {"count": count})
        if Budget in counts:
            count = counts[Budget]
            parts.append(ngettext("%(count)d budget", "%(count)d budgets", count) % {"count": count})
        findings.append(
            _about_action(
                actions[pk],
                _("%(money)s without a EUR figure: give a currency, or the exchange rate of the month.")
                % {"money": _(" and ").join(parts)},
            )
        )
    return findings


def no_partner_or_pillar(today):
    """Actions with no pillar or with no beneficiary partner (nor the Western Balkans as a region,
    so that no figure counts them), among the actions not withdrawn nor merged that the figures count
    or that people entered (a form, a workbook): an IATI file's activities outside the mission are
    kept on purpose, and no figure uses them."""
    counted = Action.objects.counted().values("pk")
    entered = ~Q(source=ActionSource.IATI)
    looked_at = Action.objects.standing().filter(Q(pk__in=counted) | entered)
    no_partner = set(looked_at.exclude(pk__in=counted).values_list("pk", flat=True))
    no_pillar = set(looked_at.filter(pillars__isnull=True).values_list("pk", flat=True))
    actions = Action.objects.in_bulk(no_pillar | no_partner)
    findings = []
    for pk in sorted(actions):
        if pk in no_partner and pk in no_pillar:
            reason = _("No beneficiary partner and no pillar: say whom it benefits and in which pillar.")
        elif pk in no_partner:
            reason = _("No beneficiary partner nor the region: no figure counts it until one is given.")
        else:
            reason = _("No pillar: give the pillars it works in.")
        findings.append(_about_action(actions[pk], reason))
    return findings


def _title_words(title):
    return " ".join(re.findall(r"\w+", title.lower()))


def _overlap(first, second):
    if first.start is None or second.start is None:
        return False
    return (second.end is None or first.start <= second.end) and (first.end is None or second.start <= first.end)


def _same_beneficiaries(first, second):
    partners = {partner.pk for partner in first.partners.all()}, {partner.pk for partner in second.partners.all()}
    return bool(partners[0] & partners[1]) or not (partners[0] or partners[1])


def likely_duplicates(today):
    """Actions entered by people (a form, a workbook) that look like an action imported from an
    IATI file: a donor (funding organisation) in common, a beneficiary partner in common (or none on
    either side), overlapping dates (actual, else planned) and titles at least TITLE_LIKENESS alike.
    Each is proposed for merging with its closest look-alike; the merge is for a person to do."""
    funding = (
        ActionOrganisation.objects.filter(role=OrganisationRole.FUNDING, action__in=Action.objects.standing())
        .select_related("action")
        .prefetch_related("action__partners")
        .order_by("action_id")
    )
    entered, imported = defaultdict(set), defaultdict(set)
    actions = {}
    for row in funding:
        actions[row.action_id] = row.action
        side = imported if row.action.source == ActionSource.IATI else entered
        side[row.organisation_id].add(row.action_id)
    best = {}
    for donor, ours in entered.items():
        for pk in ours:
            mine = actions[pk]
            for other_pk in imported.get(donor, ()):
                theirs = actions[other_pk]
                if not (_overlap(mine, theirs) and _same_beneficiaries(mine, theirs)):
                    continue
                likeness = difflib.SequenceMatcher(None, _title_words(mine.title), _title_words(theirs.title)).ratio()
                if likeness >= TITLE_LIKENESS and likeness > best.get(pk, (0, None))[0]:
                    best[pk] = (likeness, theirs)
    findings = []
    for pk in sorted(best):
        likeness, theirs = best[pk]
        mine = actions[pk]
        findings.append(
            Finding(
                record=mine,
                reason=_(
                    "Looks like the IATI action “%(title)s” (%(identifier)s): same donor, overlapping dates, "
                    "titles %(likeness)d%% alike. Merge them if they are one project."
                )
                % {
                    "title": theirs.title,
                    "identifier": theirs.iati_identifier or theirs.pk,
                    "likeness": round(likeness * 100),
                },
                fix_url=reverse("admin:actions_action_merge", args=[mine.pk, theirs.pk]),
                action=mine,
            )
        )
    return findings


def carried_over_unchanged(today):
    """Needs that are the third cycle's copy of the same need, unchanged (NEED_CONTENT) since two
    cycles before, and not carried over again since: the latest copy is the one to update or close."""
    unchanged = {name: F(f"carried_over_from__{name}") for name in NEED_CONTENT}
    earlier = {
        f"carried_over_from__{name}": F(f"carried_over_from__carried_over_from__{name}") for name in NEED_CONTENT
    }
    needs = (
        Need.objects.filter(carried_over_from__carried_over_from__isnull=False, carried_over_to__isnull=True)
        .exclude(status=NeedStatus.REJECTED)
        .filter(**unchanged, **earlier)
        .select_related("carried_over_from__carried_over_from__cycle")
        .order_by("reference", "pk")
    )
    return [
        _about_need(
            need,
            _("Carried over unchanged since %(period)s (%(reference)s): update it, or say it is met.")
            % {
                "period": need.carried_over_from.carried_over_from.cycle.period,
                "reference": need.carried_over_from.carried_over_from.reference,
            },
        )
        for need in needs
    ]


def adopted_without_response(today):
    """Adopted needs whose cycle the Board adopted more than a year ago (the date of the meeting of
    its decision) and that no confirmed response answers."""
    confirmed = Response.objects.filter(need=OuterRef("pk"), status=ResponseStatus.CONFIRMED)
    needs = (
        Need.objects.filter(status=NeedStatus.ADOPTED, cycle__adopted_by__meeting__event__start_date__lt=today - YEAR)
        .exclude(Exists(confirmed))
        .annotate(adopted_on=F("cycle__adopted_by__meeting__event__start_date"))
        .order_by("reference", "pk")
    )
    return [
        _about_need(
            need,
            _("Adopted on %(day)s and still no confirmed response: look for a donor or a proposal to confirm.")
            % {"day": _day(need.adopted_on)},
        )
        for need in needs
    ]


# Every rule, in the order the page lists them; the key is stored with each alert and silence.
QUALITY_RULES = {
    rule.key: rule
    for rule in (
        QualityRule("ended", gettext_lazy("Ended but still in implementation"), ended_in_implementation),
        QualityRule("no-disbursement", gettext_lazy("No disbursement in the last 12 months"), no_recent_disbursement),
        QualityRule("sector-shares", gettext_lazy("Sector percentages not adding to 100"), sector_shares_off),
        QualityRule("no-eur", gettext_lazy("Money without a EUR figure"), money_without_eur),
        QualityRule("no-partner-or-pillar", gettext_lazy("No partner or no pillar"), no_partner_or_pillar),
        QualityRule("duplicate", gettext_lazy("Entered action that looks like an IATI action"), likely_duplicates),
        QualityRule(
            "carried-over", gettext_lazy("Needs carried over unchanged for two cycles"), carried_over_unchanged
        ),
        QualityRule(
            "no-response", gettext_lazy("Adopted needs with no response after a year"), adopted_without_response
        ),
    )
}
