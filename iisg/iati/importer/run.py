"""One import of one file: `import_file`, the state it keeps while it reads (`_Run`), and the
`Summary` it answers."""

import gc
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iisg.actions.choices import ActionSource, ActivityStatus
from iisg.actions.models import Action
from iisg.actions.money import Rates
from iisg.core.bulk import insert_rows
from iisg.core.history import insert_history
from iisg.directory.models import Partner

from .. import parser
from ..activity import Problem, Unchanged
from ..codelists import known_codes
from .changes import Changes
from .children import CHILDREN, ChildRows, clear
from .columns import clip, is_currency
from .organisations import Organisations

BATCH_SIZE = 500
COUNTS = ("read", "imported", "updated", "unchanged", "older", "filtered", "rejected", "withdrawn", "conflicts")


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


def import_file(path, *, source_name=None, countries=(), sector_prefixes=(), user=None, progress=None, import_run=None):
    """Import the IATI activities of the file at `path` and return a Summary.

    `countries` (ISO codes) keeps only activities with one of these recipient countries, on the
    activity or on a transaction; `sector_prefixes` only those with a sector code starting with one
    of them. Both empty: everything. `progress(done_bytes, total_bytes)` is called as the file is
    read. With `import_run` (an ImportRun), what the import does to each action is recorded under
    it (iisg.iati.importer.changes), so that the run can be rolled back. Raises parser.BrokenFile
    when the file is refused as a whole; the database is then unchanged, as after any other
    exception.
    """
    path = Path(path)
    run = _Run(
        source_name=source_name or path.name,
        countries={c.upper() for c in countries},
        sector_prefixes=tuple(sector_prefixes),
        user=user,
        changes=Changes(import_run),
    )
    with _fewer_collections(), transaction.atomic():
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


# The collector's thresholds during an import (Python's defaults: 700, 10, 10). The young
# generation is collected every 50,000 allocations instead of 700; the full pass, which walks every
# object the process holds, comes 2,000 times later instead of 100.
IMPORT_GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def _fewer_collections():
    """Python's cyclic garbage collector, run less often while a file is imported: an import
    allocates millions of small objects (elements, activities, rows) that hold no cycles and are
    freed by their reference counts, and at the default threshold the collector's passes over them
    took a quarter of the import's CPU time (10,000 activities: 12.3 s, 9.5 s with this; the
    full passes most of it). It still runs; the thresholds are put back after."""
    before = gc.get_threshold()
    gc.set_threshold(*IMPORT_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


class _Run:
    """The state of one import: caches of organisations and partners, the identifiers seen."""

    def __init__(self, *, source_name, countries, sector_prefixes, user, changes):
        self.summary = Summary(source_name=source_name)
        self.changes = changes
        self.countries = countries
        self.sector_prefixes = sector_prefixes
        self.user = user
        self.now = timezone.now()
        self.rates = Rates.from_database()
        self.partners = dict(Partner.objects.values_list("code", "id"))
        self.seen = set()  # every identifier read in this file, filtered or not
        self.organisations = Organisations()

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
        action.title = clip(activity.title or activity.identifier, 500)
        action.description = activity.description
        action.iati_identifier = activity.identifier
        action.status = int(activity.status) if activity.status in _STATUSES else ActivityStatus.IMPLEMENTATION
        action.planned_start, action.planned_end = self._period(activity, "planned")
        action.actual_start, action.actual_end = self._period(activity, "actual")
        action.default_currency = activity.default_currency if is_currency(activity.default_currency) else ""
        action.source = ActionSource.IATI
        action.last_imported_at = self.now
        action.language = clip(activity.language, 10)
        action.titles = [[n.lang, n.text] for n in activity.titles]
        action.descriptions = [{"type": kind, "lang": n.lang, "text": n.text} for kind, n in activity.descriptions]
        action.reporting_organisation_id = self.organisations.id_of(activity.reporting_org)
        action.secondary_reporter = activity.secondary_reporter
        action.hierarchy = (
            activity.hierarchy if activity.hierarchy is not None and 0 <= activity.hierarchy < 32768 else None
        )
        action.humanitarian = activity.humanitarian
        action.iati_version = clip(activity.version, 10)
        action.iati_last_updated = activity.last_updated
        action.iati_source = clip(self.summary.source_name, 255)
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
        self._insert(actions)
        self._record(actions, "+", self._reason())
        self.changes.created(actions)
        self._write_children(list(zip(actions, activities, strict=True)))
        self.summary.counts["imported"] += len(actions)

    def _insert(self, actions):
        """Insert new `actions` as plain rows (iisg.core.bulk: bulk_create() compiles every value of
        every row through its field, several times the database's own work), then read their ids
        back by their identifiers, which are unique."""
        now = timezone.now()
        rows = []
        for action in actions:
            action.created_at = action.updated_at = now  # what save() stamps by itself
            rows.append({name: getattr(action, name) for name in _INSERTED})
        insert_rows(Action, rows)
        ids = dict(
            Action.objects.filter(iati_identifier__in=[action.iati_identifier for action in actions]).values_list(
                "iati_identifier", "pk"
            )
        )
        database = router.db_for_write(Action)
        for action in actions:
            action.pk = ids[action.iati_identifier]
            action._state.adding = False
            action._state.db = database

    def _update(self, pairs):
        if not pairs:
            return
        actions = [action for action, _activity in pairs]
        before = self.changes.before(actions)
        clear([action.pk for action in actions])
        for action, activity in pairs:
            self._fill(action, activity)
            action.version += 1  # bulk_update() skips save(), which bumps it (iisg.core.concurrency)
        Action.objects.bulk_update(actions, [*_ACTION_FIELDS, "version"], batch_size=BATCH_SIZE)
        self._record(actions, "~", self._reason())
        self.changes.updated(actions, before)
        self._write_children(pairs)
        self.summary.counts["updated"] += len(pairs)

    def _record(self, actions, kind, reason):
        """The history rows of `actions` (kind "+" created, "~" changed), in one bulk insert."""
        insert_history(Action, actions, kind, user=self.user, reason=reason)

    def _reason(self):
        return _("Imported from %(file)s") % {"file": self.summary.source_name}

    def _write_children(self, pairs):
        rows = {model: [] for model in CHILDREN}
        partners = []
        for action, activity in pairs:
            ChildRows(self, action, activity, rows).build()
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
            self.changes.withdrawn(gone)
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
_INSERTED = [field.attname for field in Action._meta.concrete_fields if not field.primary_key]


def _newer(candidate, current):
    if candidate is None:
        return False
    return current is None or candidate > current
