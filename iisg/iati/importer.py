"""Import IATI activity files into the response mapping: streaming, idempotent, all or nothing.

`import_file` reads a file with the streaming parser (iisg.iati.parser) and writes each accepted
activity as an Action with its participants, sectors, recipients, money and links, in batches,
inside ONE transaction: a file refused as a whole (not well formed, a DTD) leaves the database
exactly as it was. The key is the IATI identifier:

- an activity whose bytes are unchanged since the last import is skipped (content hash);
- a newer `last-updated-datetime` updates the action; an older one is skipped and counted;
- the same identifier from another file: the owner's report (not a secondary reporter) wins over
  a secondary one, then the newer one; otherwise the action already there stays, and the summary
  lists the conflict;
- an action imported earlier from the same file (by name) and missing from it now is withdrawn:
  kept, with its history, but no longer counted.

Organisations are matched by IATI reference, then by normalised name, and are never duplicated.
Imported actions do not enter the adopted figures by themselves: they respond to needs only through
responses that a person proposes and the Secretariat confirms.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iisg.actions.choices import ActionSource, ActivityStatus
from iisg.actions.models import (
    Action,
    ActionOrganisation,
    ActionSector,
    Budget,
    DocumentLink,
    PlannedDisbursement,
    PolicyMarker,
    Recipient,
    RelatedActivity,
    Transaction,
)
from iisg.actions.money import Rates
from iisg.core.bulk import insert_rows
from iisg.directory.choices import OrganisationKind
from iisg.directory.models import Organisation, Partner

from . import parser
from .activity import Problem, Unchanged, best_text
from .codelists import known_codes

BATCH_SIZE = 500
MAX_MONEY = Decimal("1e16")  # the money columns hold 18 digits, 2 after the point
COUNTS = ("read", "imported", "updated", "unchanged", "older", "filtered", "rejected", "withdrawn", "conflicts")

# The children an update replaces, deleted before the activity's rows are written again.
CHILDREN = (
    ActionOrganisation,
    ActionSector,
    Budget,
    PlannedDisbursement,
    Transaction,
    Recipient,
    DocumentLink,
    PolicyMarker,
    RelatedActivity,
)

EU_MEMBER_STATES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()  # noqa: SIM905
)


@dataclass
class Summary:
    """What an import did: counts, problems (warnings and rejections) and identifier conflicts."""

    source_name: str
    counts: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)

    def as_dict(self):
        return {
            "source": self.source_name,
            "counts": {name: self.counts[name] for name in COUNTS},
            "problems": [
                {
                    "severity": p.severity,
                    "identifier": p.identifier,
                    "line": p.line,
                    "field": p.field,
                    "reason": p.reason,
                }
                for p in self.problems
            ],
            "conflicts": self.conflicts,
        }

    def __str__(self):
        counts = ", ".join(f"{self.counts[name]} {name}" for name in COUNTS)
        return f"{self.source_name}: {counts}"


def import_file(path, *, source_name=None, countries=(), sector_prefixes=(), user=None, progress=None):
    """Import the IATI activities of the file at `path` and return a Summary.

    `countries` (ISO codes) keeps only activities with one of these recipient countries, on the
    activity or on a transaction; `sector_prefixes` only those with a sector code starting with one
    of them. Both empty: everything. `progress(done_bytes, total_bytes)` is called as the file is
    read. Raises parser.BrokenFile when the file is refused as a whole; the database is then
    unchanged, as after any other exception.
    """
    path = Path(path)
    run = _Run(
        source_name=source_name or path.name,
        countries={c.upper() for c in countries},
        sector_prefixes=tuple(sector_prefixes),
        user=user,
    )
    with transaction.atomic():
        batch = []
        for item in parser.read(path, codes=known_codes(), progress=progress, known=run.held()):
            if isinstance(item, Problem):
                run.note(item)
                continue
            if isinstance(item, Unchanged):
                run.unchanged(item)
                continue
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                run.write(batch)
                batch = []
        run.write(batch)
        run.withdraw_missing()
    return run.summary


class _Run:
    """The state of one import: caches of organisations and partners, the identifiers seen."""

    def __init__(self, *, source_name, countries, sector_prefixes, user):
        self.summary = Summary(source_name=source_name)
        self.countries = countries
        self.sector_prefixes = sector_prefixes
        self.user = user
        self.now = timezone.now()
        self.rates = Rates.from_database()
        self.partners = dict(Partner.objects.values_list("code", "id"))
        self.seen = set()  # every identifier read in this file, filtered or not
        self.organisations = _Organisations()

    def note(self, problem):
        """A problem of the file (its field is on `iati-activities`) or a rejected activity."""
        self.summary.problems.append(problem)
        if problem.severity == "error" and not problem.field.startswith("iati-activities"):
            self.summary.counts["read"] += 1
            self.summary.counts["rejected"] += 1
            if problem.identifier:
                self.seen.add(problem.identifier)

    def held(self):
        """Identifier → content hash of the actions this file gave before and still holds: the
        parser passes over those activities when their bytes have not changed."""
        return dict(
            Action.objects.filter(
                source=ActionSource.IATI, iati_source=self.summary.source_name, withdrawn_at__isnull=True
            ).values_list("iati_identifier", "iati_hash")
        )

    def unchanged(self, item):
        self.summary.counts["read"] += 1
        if item.identifier in self.seen:
            self._conflict(item, _("The identifier appears twice in this file; the first one was kept."))
            return
        self.seen.add(item.identifier)
        self.summary.counts["unchanged"] += 1

    def keeps(self, activity):
        """Whether the activity passes the country and sector filters of this import."""
        if self.countries and not (activity.recipient_countries & self.countries):
            return False
        return not self.sector_prefixes or any(code.startswith(self.sector_prefixes) for code in activity.sector_codes)

    def write(self, batch):
        counts = self.summary.counts
        wanted = {}
        for activity in batch:
            counts["read"] += 1
            if activity.identifier in self.seen:
                self._conflict(activity, _("The identifier appears twice in this file; the first one was kept."))
                continue
            self.seen.add(activity.identifier)
            if len(activity.identifier) > 200:
                self._reject(activity, _("The identifier is longer than 200 characters."), "iati-identifier")
                continue
            if not self.keeps(activity):
                counts["filtered"] += 1
                continue
            self.summary.problems.extend(activity.problems)
            wanted[activity.identifier] = activity
        if not wanted:
            return
        existing = {
            a.iati_identifier: a
            for a in Action.objects.filter(iati_identifier__in=list(wanted)).select_related("reporting_organisation")
        }
        new, changed = [], []
        for identifier, activity in wanted.items():
            action = existing.get(identifier)
            if action is None:
                new.append(activity)
            elif self._yields(action, activity):
                continue
            elif action.iati_hash == activity.content_hash and action.withdrawn_at is None:
                counts["unchanged"] += 1
            else:
                changed.append((action, activity))
        self._create(new)
        self._update(changed)

    def _yields(self, action, activity):
        """Whether the action already there stays (and the activity is counted as skipped)."""
        if action.iati_source and action.iati_source != self.summary.source_name:
            if action.secondary_reporter != activity.secondary_reporter:
                if activity.secondary_reporter:
                    self._conflict(activity, _("%(source)s holds the owner's report.") % {"source": action.iati_source})
                    return True
                return False
            if not _newer(activity.last_updated, action.iati_last_updated):
                self._conflict(
                    activity,
                    _("%(source)s holds a report of this activity that is as recent or more recent.")
                    % {"source": action.iati_source},
                )
                return True
            return False
        if (
            activity.last_updated
            and action.iati_last_updated
            and activity.last_updated < action.iati_last_updated
            and action.withdrawn_at is None
        ):
            self.summary.counts["older"] += 1
            return True
        return False

    def _conflict(self, activity, reason):
        self.summary.counts["conflicts"] += 1
        self.summary.conflicts.append(
            {
                "identifier": activity.identifier,
                "line": activity.line,
                "source": self.summary.source_name,
                "reason": reason,
            }
        )

    def _reject(self, activity, reason, field_name):
        self.summary.counts["rejected"] += 1
        self.summary.problems.append(Problem("error", reason, activity.identifier, activity.line, field_name))

    # Writing -----------------------------------------------------------------------------------

    def _fill(self, action, activity):
        """Set the action's own fields from the activity."""
        action.title = _clip(activity.title or activity.identifier, 500)
        action.description = activity.description
        action.iati_identifier = activity.identifier
        action.status = int(activity.status) if activity.status in _STATUSES else ActivityStatus.IMPLEMENTATION
        action.planned_start, action.planned_end = self._period(activity, "planned")
        action.actual_start, action.actual_end = self._period(activity, "actual")
        action.default_currency = activity.default_currency if _is_currency(activity.default_currency) else ""
        action.source = ActionSource.IATI
        action.last_imported_at = self.now
        action.language = _clip(activity.language, 10)
        action.titles = [[n.lang, n.text] for n in activity.titles]
        action.descriptions = [{"type": kind, "lang": n.lang, "text": n.text} for kind, n in activity.descriptions]
        action.reporting_organisation_id = self.organisations.id_of(activity.reporting_org)
        action.secondary_reporter = activity.secondary_reporter
        action.hierarchy = (
            activity.hierarchy if activity.hierarchy is not None and 0 <= activity.hierarchy < 32768 else None
        )
        action.humanitarian = activity.humanitarian
        action.iati_version = _clip(activity.version, 10)
        action.iati_last_updated = activity.last_updated
        action.iati_source = _clip(self.summary.source_name, 255)
        action.iati_hash = activity.content_hash
        action.withdrawn_at = None

    def _period(self, activity, kind):
        """The activity's start and end of `kind`, without an end that comes before the start."""
        start, end = getattr(activity, f"{kind}_start"), getattr(activity, f"{kind}_end")
        if start and end and end < start:
            self.summary.problems.append(
                Problem(
                    "warning",
                    _("The %(kind)s end comes before the %(kind)s start; the end was left out.") % {"kind": kind},
                    activity.identifier,
                    activity.line,
                    "activity-date",
                )
            )
            return start, None
        return start, end

    def _create(self, activities):
        if not activities:
            return
        actions = []
        for activity in activities:
            action = Action()
            self._fill(action, activity)
            actions.append(action)
        Action.objects.bulk_create(actions, batch_size=BATCH_SIZE)
        self._record(actions, "+", self._reason())
        self._write_children(list(zip(actions, activities, strict=True)))
        self.summary.counts["imported"] += len(actions)

    def _update(self, pairs):
        if not pairs:
            return
        ids = [action.pk for action, _activity in pairs]
        for model in CHILDREN:
            model.objects.filter(action_id__in=ids).delete()
        Action.partners.through.objects.filter(action_id__in=ids).delete()
        for action, activity in pairs:
            self._fill(action, activity)
            action.version += 1  # bulk_update() skips save(), which bumps it (iisg.core.concurrency)
        Action.objects.bulk_update([a for a, _ in pairs], [*_ACTION_FIELDS, "version"], batch_size=BATCH_SIZE)
        self._record([a for a, _ in pairs], "~", self._reason())
        self._write_children(pairs)
        self.summary.counts["updated"] += len(pairs)

    def _record(self, actions, kind, reason):
        """The history rows of `actions` (kind "+" created, "~" changed), as django-simple-history
        writes them, in one bulk insert: its own bulk_history_create builds a model per row."""
        model = Action.history.model
        names = [f.attname for f in model._meta.concrete_fields if not f.attname.startswith("history_")]
        user_id = self.user.pk if self.user else None
        insert_rows(
            model,
            [
                {name: getattr(action, name) for name in names}
                | {
                    "history_date": timezone.now(),
                    "history_type": kind,
                    "history_change_reason": reason,
                    "history_user_id": user_id,
                }
                for action in actions
            ],
        )

    def _reason(self):
        return _("Imported from %(file)s") % {"file": self.summary.source_name}

    def _write_children(self, pairs):
        rows = {model: [] for model in CHILDREN}
        partners = []
        for action, activity in pairs:
            _Children(self, action, activity, rows).build()
            for code in sorted(activity.recipient_countries):
                if code in self.partners:
                    partners.append({"action_id": action.pk, "partner_id": self.partners[code]})
        for model, values in rows.items():
            insert_rows(model, values)
        insert_rows(Action.partners.through, partners)

    def withdraw_missing(self):
        """Withdraw the actions this file gave before and no longer holds."""
        earlier = Action.objects.filter(
            source=ActionSource.IATI, iati_source=self.summary.source_name, withdrawn_at__isnull=True
        )
        gone_ids = [
            pk for pk, identifier in earlier.values_list("pk", "iati_identifier") if identifier not in self.seen
        ]
        for start in range(0, len(gone_ids), BATCH_SIZE):
            gone = list(Action.objects.filter(pk__in=gone_ids[start : start + BATCH_SIZE]))
            for action in gone:
                action.withdrawn_at = self.now
                action.version += 1
            Action.objects.bulk_update(gone, ["withdrawn_at", "version"])
            self._record(gone, "~", _("Withdrawn: no longer in %(file)s") % {"file": self.summary.source_name})
        self.summary.counts["withdrawn"] += len(gone_ids)


_ACTION_FIELDS = [
    "title",
    "description",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "default_currency",
    "source",
    "last_imported_at",
    "language",
    "titles",
    "descriptions",
    "reporting_organisation",
    "secondary_reporter",
    "hierarchy",
    "humanitarian",
    "iati_version",
    "iati_last_updated",
    "iati_source",
    "iati_hash",
    "withdrawn_at",
]
_STATUSES = {str(value) for value in ActivityStatus.values}


class _Children:
    """The child rows of one action, checked against what the tables hold before they are written:
    a row the database would refuse is left out with a warning, so one odd value never aborts the
    whole file."""

    def __init__(self, run, action, activity, rows):
        self.run, self.action, self.activity, self.rows = run, action, activity, rows

    def warn(self, reason, field_name):
        self.run.summary.problems.append(
            Problem("warning", reason, self.activity.identifier, self.activity.line, field_name)
        )

    def add(self, model, **values):
        self.rows[model].append({"action_id": self.action.pk, **values})

    def build(self):
        self.participations()
        self.sectors()
        self.recipients()
        self.budgets()
        self.planned_disbursements()
        self.transactions()
        self.links()

    def participations(self):
        seen = set()
        for org in self.activity.participating_orgs:
            if not org.role.isdigit() or int(org.role) not in (1, 2, 3, 4):
                self.warn(
                    _("A participating organisation without a known role was left out."), "participating-org/@role"
                )
                continue
            organisation_id = self.run.organisations.id_of(org)
            if organisation_id is None:
                self.warn(
                    _("A participating organisation with neither a reference nor a name was left out."),
                    "participating-org",
                )
                continue
            key = (organisation_id, int(org.role))
            if key not in seen:
                seen.add(key)
                self.add(ActionOrganisation, organisation_id=organisation_id, role=int(org.role))

    def sectors(self):
        seen = set()
        for sector in self.activity.sectors:
            key = (_clip(sector.vocabulary, 10), _clip(sector.code, 20))
            if key in seen:
                self.warn(
                    _("Sector %(code)s is listed twice; the first one was kept.") % {"code": sector.code}, "sector"
                )
                continue
            seen.add(key)
            self.add(ActionSector, vocabulary=key[0], code=key[1], percentage=_share(sector.percentage))

    def recipients(self):
        for recipient in self.activity.recipients:
            self.add(
                Recipient,
                kind=recipient.kind,
                code=_clip(recipient.code, 10),
                vocabulary=_clip(recipient.vocabulary, 10),
                percentage=_share(recipient.percentage),
            )

    def money(self, value, on, what):
        """The money fields of a value, or None (with a warning) when the table cannot hold it."""
        amount = value.amount.quantize(Decimal("0.01"))
        if abs(amount) >= MAX_MONEY:
            self.warn(
                _("%(what)s of %(value)s is too large to store; left out.") % {"what": what, "value": value.raw},
                "value",
            )
            return None
        currency = value.currency if _is_currency(value.currency) else ""
        if not currency:
            self.warn(_("%(what)s has no currency: its EUR figure stays empty.") % {"what": what}, "value/@currency")
        conversion = self.run.rates.to_eur(amount, currency, value.value_date or on)
        if currency and conversion is None:
            self.warn(
                _("No exchange rate for %(currency)s: the EUR figure stays empty.") % {"currency": currency},
                "value/@currency",
            )
        return {
            "value": amount,
            "value_raw": _clip(value.raw, 50),
            "currency": currency,
            "value_date": value.value_date,
            "value_eur": conversion.value_eur if conversion and abs(conversion.value_eur) < MAX_MONEY else None,
            "eur_rate": conversion.rate if conversion else None,
            "rate_month": conversion.month if conversion else None,
        }

    def budgets(self):
        for budget in self.activity.budgets:
            if budget.period_end < budget.period_start:
                self.warn(_("A budget ending before it starts was left out."), "budget/period-end")
                continue
            money = self.money(budget.value, budget.period_start, _("A budget"))
            if money is None:
                continue
            self.add(
                Budget,
                budget_type=int(budget.type) if budget.type in ("1", "2") else 1,
                status=int(budget.status) if budget.status in ("1", "2") else 1,
                period_start=budget.period_start,
                period_end=budget.period_end,
                **money,
            )

    def planned_disbursements(self):
        for planned in self.activity.planned_disbursements:
            end = planned.period_end
            if end is not None and end < planned.period_start:
                self.warn(_("A planned disbursement ending before it starts keeps no end."), "planned-disbursement")
                end = None
            money = self.money(planned.value, planned.period_start, _("A planned disbursement"))
            if money is None:
                continue
            self.add(
                PlannedDisbursement,
                disbursement_type=int(planned.type) if planned.type in ("1", "2") else None,
                period_start=planned.period_start,
                period_end=end,
                provider_id=self.run.organisations.id_of(planned.provider),
                receiver_id=self.run.organisations.id_of(planned.receiver),
                **money,
            )

    def transactions(self):
        for item in self.activity.transactions:
            if not item.type.isdigit() or not 1 <= int(item.type) <= 13:
                self.warn(
                    _("A transaction of unknown type %(type)s was left out.") % {"type": item.type}, "transaction"
                )
                continue
            money = self.money(item.value, item.date, _("A transaction"))
            if money is None:
                continue
            self.add(
                Transaction,
                transaction_type=int(item.type),
                date=item.date,
                reference=_clip(item.reference, 200),
                description=_clip(item.description, 500),
                provider_id=self.run.organisations.id_of(item.provider),
                provider_activity=_clip(item.provider.activity_id if item.provider else "", 200),
                receiver_id=self.run.organisations.id_of(item.receiver),
                receiver_activity=_clip(item.receiver.activity_id if item.receiver else "", 200),
                humanitarian=item.humanitarian,
                sector_vocabulary=_clip(item.sector.vocabulary if item.sector else "", 10),
                sector_code=_clip(item.sector.code if item.sector else "", 20),
                recipient_country=_clip(item.recipient_country, 2),
                recipient_region=_clip(item.recipient_region, 10),
                **money,
            )

    def links(self):
        for link in self.activity.document_links:
            if len(link.url) > 1000:
                self.warn(_("A document address longer than 1,000 characters was left out."), "document-link/@url")
                continue
            self.add(
                DocumentLink,
                url=link.url,
                file_format=_clip(link.format, 100),
                titles=[[n.lang, n.text] for n in link.titles],
                categories=link.categories,
                languages=link.languages,
                document_date=link.document_date,
            )
        for marker in self.activity.policy_markers:
            self.add(
                PolicyMarker,
                vocabulary=_clip(marker.vocabulary or "1", 10),
                code=_clip(marker.code, 20),
                significance=int(marker.significance) if marker.significance.isdigit() else None,
            )
        for related in self.activity.related_activities:
            if related.type.isdigit() and related.ref:
                self.add(RelatedActivity, relation=int(related.type), ref=_clip(related.ref, 200))


class _Organisations:
    """Organisations by IATI reference, then by normalised name; created once, never twice."""

    def __init__(self):
        self.by_ref = {}
        self.by_name = {}
        self.ref_of = {}
        for pk, ref, name in Organisation.objects.values_list("pk", "iati_identifier", "name"):
            if ref:
                self.by_ref[ref.strip().upper()] = pk
                self.ref_of[pk] = ref.strip()
            self.by_name[_normalised(name)] = pk

    def id_of(self, org):
        """The id of the platform's organisation for `org` (an activity.Organisation), created
        when new; None when `org` is None or has neither a reference nor a name."""
        if org is None:
            return None
        ref = org.ref.strip()
        name = _clip(best_text(org.names).strip(), 255)
        if ref and ref.upper() in self.by_ref:
            return self.by_ref[ref.upper()]
        key = _normalised(name) if name else ""
        if key and key in self.by_name:
            pk = self.by_name[key]
            held = self.ref_of.get(pk)
            if not (ref and held and held.upper() != ref.upper()):
                # Give a known organisation the reference it was missing, so the next match is by ref.
                if ref and not held and len(ref) <= 100:
                    Organisation.objects.filter(pk=pk).update(iati_identifier=ref)
                    self.by_ref[ref.upper()], self.ref_of[pk] = pk, ref
                return pk
            # The same name under another reference is another organisation (two ministries of the
            # interior): it keeps its reference in its name, which must be unique.
            name = _clip(f"{name} ({ref})", 255)
            key = _normalised(name)
            if key in self.by_name:
                return self.by_name[key]
        if not ref and not name:
            return None
        if not name:
            name = ref
            key = _normalised(name)
            if key in self.by_name:
                return self.by_name[key]
        organisation = Organisation.objects.create(
            name=name,
            kind=_kind(org.type, ref),
            country=_country_of(ref),
            iati_identifier=ref if ref and len(ref) <= 100 else None,
        )
        if organisation.iati_identifier:
            self.by_ref[ref.upper()] = organisation.pk
            self.ref_of[organisation.pk] = ref
        self.by_name[key] = organisation.pk
        return organisation.pk


def _normalised(name):
    """A name for matching: accents, case, punctuation and repeated spaces do not count."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _country_of(ref):
    prefix = ref.split("-", 1)[0].upper() if "-" in ref else ""
    return prefix if len(prefix) == 2 and prefix not in ("XM", "XI") else ""


def _kind(org_type, ref):
    """The platform's kind of organisation from the IATI OrganisationType and reference."""
    ref = ref.upper()
    if ref.startswith(("XI-IATI-EC", "XM-DAC-918")):
        return OrganisationKind.EU_INSTITUTION
    if org_type == "10":
        return (
            OrganisationKind.EU_MEMBER_STATE if _country_of(ref) in EU_MEMBER_STATES else OrganisationKind.THIRD_STATE
        )
    if org_type in ("40",):
        return OrganisationKind.INTERNATIONAL
    if org_type in ("21", "22", "23", "24", "60"):
        return OrganisationKind.CIVIL_SOCIETY
    if org_type in ("70", "71", "72", "73"):
        return OrganisationKind.COMPANY
    if org_type == "11":
        return OrganisationKind.DEVELOPMENT_AGENCY
    return OrganisationKind.OTHER


def _clip(text, length):
    text = text or ""
    return text if len(text) <= length else text[: length - 1] + "…"


def _share(percentage):
    if percentage is None or not Decimal(0) <= percentage <= Decimal(100):
        return None
    return percentage.quantize(Decimal("0.01"))


def _is_currency(code):
    return bool(code) and len(code) == 3 and code.isalpha() and code.isupper()


def _newer(candidate, current):
    if candidate is None:
        return False
    return current is None or candidate > current
