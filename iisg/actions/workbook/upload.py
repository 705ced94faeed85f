"""An uploaded actions workbook: read, checked as a whole, and written through the services.

Every row of every sheet is checked before anything is written: the values, the keys, the rules of
iisg.actions.services (refuse_creation, refuse_change: the reasons the back office and the API give)
and each changed action's version, so that a row downloaded before someone else changed the action
is refused, naming who changed what. A clean workbook is applied in one transaction by
create_action, update_action (an action with its budgets and transactions in one call and one new
version), propose_response and change_response; only what changed is written, so the same file
twice changes nothing.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from iisg.core import workbook as wb
from iisg.core.bulk import full_clean_many
from iisg.core.choices import Verb
from iisg.core.concurrency import EditConflict, conflict
from iisg.core.models import differs
from iisg.core.permissions import can, permitted, visible
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.choices import CLOSED_TO_RESPONSES
from iisg.needs.errors import WorkflowError
from iisg.needs.models import Need

from .. import services
from ..choices import ActionSource, ActivityStatus, BudgetStatus, BudgetType, Coverage, TransactionType
from ..models import Action, Budget, Money, Response, Transaction
from ..money import Rates
from .sheets import ACTIONS, BUDGETS, CURRENCIES, OPTIONAL_SHEETS, RESPONSES, SHEETS, TRANSACTIONS

UPLOAD_REASON = "Excel workbook upload"
# An action's own fields a row gives, beside its partners and pillars.
ROW_FIELDS = ("iati_identifier", "title", "description", "planned_start", "planned_end", "status", "default_currency")


@dataclass
class Plan:
    """What applying one row of the Actions sheet does."""

    row: wb.Row
    stored: Action | None  # None: a new action
    values: dict  # ROW_FIELDS → value: all of them for a new action, the changed ones for a stored one
    partners: list | None = None  # None: as they are
    pillars: list | None = None
    version: int | None = None
    lists: dict = field(default_factory=dict)  # "budgets"/"transactions" → rows for the services; absent: as they are
    written: Action | None = None

    @property
    def new(self):
        return self.stored is None

    @property
    def changes(self):
        return bool(self.values) or self.partners is not None or self.pillars is not None or bool(self.lists)

    @property
    def currency(self):
        """The action's default currency once the row is applied."""
        return self.values.get("default_currency") or (self.stored.default_currency if self.stored else "EUR")


def upload_workbook(*, user, cycle, data, apply=True, progress=None):
    """Check an uploaded actions workbook as a whole and, if nothing is wrong and `apply`, write it.

    Returns an Outcome: the problems (then nothing was written), else how many actions and responses
    were added, changed and left unchanged. Raises WorkbookRejected for a file that cannot be read.
    `progress`, when given, is told each phase: progress("reading"), ("checking"), ("applying").
    """
    if progress:
        progress("reading")
    reading = wb.read_workbook(data, SHEETS, optional=OPTIONAL_SHEETS)
    problems = wb.Problems(reading.problems)
    action_rows = reading.rows.get(ACTIONS.name, [])
    response_rows = reading.rows.get(RESPONSES.name, [])
    if not action_rows and not response_rows and not problems:
        problems.at(ACTIONS, None, None, "", _("the workbook holds no actions"))
    if progress:
        progress("checking")
    plans, keys = _check_actions(user, action_rows, problems)
    organisations = _organisations()
    for sheet, kind in ((BUDGETS, "budgets"), (TRANSACTIONS, "transactions")):
        if sheet.name in reading.rows:
            _check_rows(sheet, kind, reading.rows[sheet.name], plans, keys, organisations, problems)
    for plan in plans:
        if plan.changes and not plan.new:
            _check_version(user, plan, problems)
    responses = _check_responses(user, cycle, response_rows, keys, problems)
    outcome = wb.Outcome(problems=wb.ordered(problems, SHEETS))
    for plan in plans:
        if plan.new:
            outcome.added += 1
        elif plan.changes:
            outcome.changed += 1
        else:
            outcome.unchanged += 1
    for response in responses:
        if response is None:
            outcome.unchanged += 1
        elif response.existing is None:
            outcome.added += 1
        else:
            outcome.changed += 1
    if outcome.ok and apply:
        if progress:
            progress("applying")
        _apply(user, plans, [response for response in responses if response is not None], outcome, progress)
    return outcome


# The Actions sheet ---------------------------------------------------------------------------------


def _lookups():
    partners = wb.Lookup(_("partner"), [(p, p.name, [p.code, p.display_name]) for p in Partner.objects.all()])
    pillars = wb.Lookup(_("pillar"), [(p, p.acronym, [p.code, p.name]) for p in Pillar.objects.all()])
    statuses = wb.choices_lookup(_("status"), ActivityStatus.choices)
    currencies = wb.Lookup(_("currency"), [(code, code) for code in CURRENCIES])
    return partners, pillars, statuses, currencies


def _existing_actions(user, rows):
    ids = [int(v) for row in rows if (v := row.values.get("platform_id")) and str(v).isdigit()]
    iatis = [v for row in rows if isinstance(v := row.values.get("iati_identifier"), str)]
    # Only a row without platform id or IATI identifier is looked up by its title (_check_actions).
    titles = [
        v
        for row in rows
        if isinstance(v := row.values.get("title"), str)
        and not _names_a_key(row.values.get("platform_id"))
        and not _names_a_key(row.values.get("iati_identifier"))
    ]
    related = ("partners", "pillars", "budgets", "transactions")
    by_id, by_iati, by_title = {}, {}, {}
    for action in visible(user, Action.objects.filter(Q(pk__in=ids) | Q(iati_identifier__in=iatis))).prefetch_related(
        *related
    ):
        by_id[action.pk] = action
        if action.iati_identifier:
            by_iati[action.iati_identifier] = action
    # A row without platform id or IATI identifier is one of the user's own actions of that title.
    for action in permitted(user, Verb.CHANGE, Action.objects.filter(title__in=titles)).prefetch_related(*related):
        by_title.setdefault(action.title, []).append(action)
    return by_id, by_iati, by_title


def _names_a_key(value):
    return value is not None and not wb.is_bad(value)


def _check_actions(user, rows, problems):
    """The plan of each row of the Actions sheet; `keys` maps what the other sheets may name an
    action by (its platform id, IATI identifier or title, case-folded) → its plan."""
    partners, pillars, statuses, currencies = _lookups()
    by_id, by_iati, by_title = _existing_actions(user, rows)
    taken_iati = dict(
        Action.objects.filter(
            iati_identifier__in=[v for row in rows if isinstance(v := row.values.get("iati_identifier"), str)]
        ).values_list("iati_identifier", "pk")
    )
    plans, keys, seen = [], {}, {}
    column = ACTIONS.column
    for row in rows:
        values = row.values
        bad = any(wb.is_bad(value) for value in values.values()) or values.get("title") is None
        found = {
            "partners": wb.look_up(problems, ACTIONS, row, "partners", partners, many=True, default=[]),
            "pillars": wb.look_up(problems, ACTIONS, row, "pillars", pillars, many=True, default=[]),
            "status": wb.look_up(problems, ACTIONS, row, "status", statuses, default=ActivityStatus.IMPLEMENTATION),
            "default_currency": wb.look_up(problems, ACTIONS, row, "default_currency", currencies, default="EUR"),
        }
        bad = bad or any(value is wb.NOT_FOUND for value in found.values())
        start, end = values.get("planned_start"), values.get("planned_end")
        if start and end and not wb.is_bad(start) and not wb.is_bad(end) and end < start:
            problems.at(ACTIONS, row, column("planned_end"), end, _("the planned end is before the planned start"))
            bad = True
        platform_id, iati = values.get("platform_id"), values.get("iati_identifier")
        stored = None
        if platform_id is not None and not wb.is_bad(platform_id):
            stored = by_id.get(int(platform_id)) if str(platform_id).isdigit() else None
            if stored is None:
                problems.at(ACTIONS, row, column("platform_id"), platform_id, _("no action has this platform id"))
                bad = True
        elif iati is not None and not wb.is_bad(iati):
            stored = by_iati.get(iati)
        elif values.get("title") and not wb.is_bad(values["title"]):
            matches = by_title.get(values["title"], [])
            if len(matches) > 1:
                problems.at(
                    ACTIONS,
                    row,
                    column("title"),
                    values["title"],
                    _("several of your actions have this title: give the platform id"),
                )
                bad = True
            stored = matches[0] if len(matches) == 1 else None
        key = ("id", stored.pk) if stored else ("iati", iati) if iati else ("title", values.get("title"))
        if key in seen:
            problems.at(
                ACTIONS, row, None, str(key[1]), _("the same action is also on row %(row)s") % {"row": seen[key]}
            )
            bad = True
        seen[key] = row.number
        if iati and not wb.is_bad(iati) and taken_iati.get(iati) not in (None, getattr(stored, "pk", None)):
            problems.at(ACTIONS, row, column("iati_identifier"), iati, _("another action has this IATI identifier"))
            bad = True
        if bad:
            continue
        given = {
            # An empty cell keeps the identifier: the platform's own (create_action) is the action's
            # key once published, and a blank cell never clears it.
            "iati_identifier": iati or (stored.iati_identifier if stored else None),
            "title": values["title"],
            "description": values.get("description") or "",
            "planned_start": start,
            "planned_end": end,
            "status": found["status"],
            "default_currency": found["default_currency"],
        }
        if stored is None:
            plan = Plan(row=row, stored=None, values=given, partners=found["partners"], pillars=found["pillars"])
            probe = Action(**given)
            if _refused(problems, ACTIONS, row, values["title"], lambda probe=probe: _may_create(user, probe)):
                continue
        else:
            plan = Plan(
                row=row,
                stored=stored,
                values={name: value for name, value in given.items() if getattr(stored, name) != value},
                version=values.get("version"),
            )
            if {p.pk for p in found["partners"]} != {p.pk for p in stored.partners.all()}:
                plan.partners = found["partners"]
            if {p.pk for p in found["pillars"]} != {p.pk for p in stored.pillars.all()}:
                plan.pillars = found["pillars"]
        plans.append(plan)
        for name in (str(stored.pk) if stored else None, iati, values["title"]):
            if name:
                keys.setdefault(str(name).casefold(), plan)
    return plans, keys


def _may_create(user, action):
    services.refuse_creation(user=user, action=action)


def _refused(problems, sheet, row, value, check):
    """Run a service's check; report its refusal on the row."""
    try:
        check()
    except WorkflowError as error:
        problems.at(sheet, row, None, value, str(error))
        return True
    return False


def _check_version(user, plan, problems):
    """A stored action the file changes must be at the version the row was downloaded at, and the
    user must be allowed to change it."""
    if _refused(
        problems,
        ACTIONS,
        plan.row,
        plan.row.values.get("title"),
        lambda: services.refuse_change(user=user, action=plan.stored),
    ):
        return
    version, column = plan.version, ACTIONS.column("version")
    if version is None:
        problems.at(
            ACTIONS,
            plan.row,
            column,
            "",
            _("“%(action)s” already exists but the row has no version: download the workbook again")
            % {"action": plan.stored},
        )
    elif not wb.is_bad(version) and version != plan.stored.version:
        problems.at(
            ACTIONS,
            plan.row,
            column,
            version,
            conflict(plan.stored, version).explained(
                after=_("this workbook was downloaded"),
                then=_("Download the workbook again and make your change there."),
            ),
        )


# The Budgets and Transactions sheets ---------------------------------------------------------------


def _organisations():
    return wb.Lookup(
        _("organisation"),
        [(o, o.name, [o.acronym] if o.acronym else []) for o in Organisation.objects.only("pk", "name", "acronym")],
    )


ROW_MODELS = {"budgets": Budget, "transactions": Transaction}


def _check_rows(sheet, kind, rows, plans, keys, organisations, problems):
    """The rows of a Budgets or Transactions sheet, by the action each names; each action of the
    Actions sheet whose rows differ from what it holds gets its whole list (services.update_action
    replaces it)."""
    model = ROW_MODELS[kind]
    fields = services.CHILD_FIELDS[model]
    lookups = {
        "budget_type": wb.choices_lookup(_("type"), BudgetType.choices),
        "status": wb.choices_lookup(_("status"), BudgetStatus.choices),
        "transaction_type": wb.choices_lookup(_("type"), TransactionType.choices),
        "currency": wb.Lookup(_("currency"), [(code, code) for code in CURRENCIES]),
        "provider": organisations,
        "receiver": organisations,
    }
    defaults = {"budget_type": BudgetType.ORIGINAL, "status": BudgetStatus.COMMITTED}
    listed = {id(plan): [] for plan in plans}
    ids = {id(plan): set() for plan in plans}
    held = {id(plan): {child.pk for child in getattr(plan.stored, kind).all()} for plan in plans if plan.stored}
    valid = True
    candidates = []  # (plan, row, values) of the rows whose cells are sound
    for row in rows:
        values = row.values
        plan = keys.get(str(values.get("action")).casefold()) if values.get("action") is not None else None
        if plan is None:
            if values.get("action") is not None and not wb.is_bad(values["action"]):
                problems.at(
                    sheet,
                    row,
                    sheet.column("action"),
                    values["action"],
                    _("no action of the Actions sheet is named so: give its platform id, IATI identifier or title"),
                )
            valid = False
            continue
        found = {}
        for name in fields:
            if name in lookups:
                found[name] = wb.look_up(problems, sheet, row, name, lookups[name], default=defaults.get(name))
            else:
                value = values.get(name)
                found[name] = None if wb.is_bad(value) else value
        if any(value is wb.NOT_FOUND for value in found.values()) or any(wb.is_bad(v) for v in values.values()):
            valid = False
            continue
        found["currency"] = found["currency"] or plan.currency
        for name in ("reference", "description"):
            if name in found:
                found[name] = found[name] or ""
        row_id = values.get("row_id")
        if row_id is not None:
            if row_id not in held.get(id(plan), set()) or row_id in ids[id(plan)]:
                problems.at(
                    sheet,
                    row,
                    sheet.column("row_id"),
                    row_id,
                    _("the action has no %(row)s with this id (or it is listed twice): leave it empty for a new one")
                    % {"row": model._meta.verbose_name},
                )
                valid = False
                continue
            ids[id(plan)].add(row_id)
            found["id"] = row_id
        candidates.append((plan, row, found))
    held_together = _holds_together(model, candidates, sheet, problems)
    valid = valid and len(held_together) == len(candidates)
    for plan, _row, found in held_together:
        listed[id(plan)].append(found)
    if not valid:
        return
    for plan in plans:
        rows_of_plan = listed[id(plan)]
        if plan.new:
            if rows_of_plan:
                plan.lists[kind] = rows_of_plan
            continue
        stored = list(getattr(plan.stored, kind).all())
        _match_unnumbered(model, fields, rows_of_plan, stored)
        if _differ(model, fields, rows_of_plan, stored):
            plan.lists[kind] = rows_of_plan


def _holds_together(model, candidates, sheet, problems):
    """Check rows ([(plan, row, values)]) as their table will hold them (the model's own checks, all
    rows at once), reporting on their cells; answers those that hold together."""
    instances = [model(**{name: value for name, value in values.items() if name != "id"}) for *_, values in candidates]
    refused = full_clean_many(instances, exclude=["action", *Money.EUR_FIELDS])
    for index, error in refused.items():
        _plan, row, values = candidates[index]
        for name, messages in error.message_dict.items():
            column = next((c for c in sheet.columns if c.key == name), None)
            problems.at(sheet, row, column, values.get(name, ""), " ".join(messages))
    return [candidate for index, candidate in enumerate(candidates) if index not in refused]


def _match_unnumbered(model, fields, rows, stored):
    """Give a row without an id the id of a stored row it equals in every value, among those no row
    names: the same file uploaded twice then adds its new rows once."""
    claimed = {row["id"] for row in rows if "id" in row}
    for row in rows:
        if "id" in row:
            continue
        same = next((c for c in stored if c.pk not in claimed and _same(model, fields, row, c)), None)
        if same is not None:
            row["id"] = same.pk
            claimed.add(same.pk)


def _same(model, fields, row, child):
    return not any(differs(child, name, row[name]) for name in fields)


def _differ(model, fields, rows, stored):
    """Do the rows differ from the stored ones (ids, or a value of one of them)?"""
    stored = {child.pk: child for child in stored}
    if {row.get("id") for row in rows} != set(stored) or len(rows) != len(stored):
        return True
    return not all(_same(model, fields, row, stored[row["id"]]) for row in rows)


# The Responses sheet -------------------------------------------------------------------------------


@dataclass
class PlannedResponse:
    row: wb.Row
    plan: Plan | None  # the action of the Actions sheet it names, else None
    action: Action | None  # an action not on the Actions sheet, named by id or IATI identifier
    need: Need
    coverage: str
    existing: Response | None


def _check_responses(user, cycle, rows, keys, problems):
    """What each row of the Responses sheet adds or changes (None when unchanged)."""
    if not rows:
        return []
    needs = {need.reference.casefold(): need for need in visible(user, Need.objects.filter(cycle=cycle))}
    need_lookup = wb.Lookup(_("need reference"), [(need, need.reference) for need in needs.values()])
    coverages = wb.choices_lookup(_("coverage"), Coverage.choices)
    named = [str(row.values.get("action")) for row in rows if row.values.get("action") is not None]
    others = {
        str(action.pk): action
        for action in visible(user, Action.objects.filter(pk__in=[int(n) for n in named if n.isdigit()]))
    }
    others.update(
        {
            action.iati_identifier.casefold(): action
            for action in visible(user, Action.objects.filter(iati_identifier__in=named))
        }
    )
    stored_pks = [a.pk for a in others.values()] + [p.stored.pk for p in keys.values() if p.stored]
    stored = {
        (response.action_id, response.need_id): response
        for response in Response.objects.filter(need__cycle=cycle, action__in=stored_pks)
    }
    may_propose = {}
    results, seen = [], {}
    column = RESPONSES.column
    for row in rows:
        values = row.values
        if any(wb.is_bad(value) for value in values.values()) or None in (
            values.get("action"),
            values.get("need"),
            values.get("coverage"),
        ):
            continue
        name = str(values["action"]).casefold()
        plan = keys.get(name)
        action = plan.stored if plan else others.get(name)
        if plan is None and action is None:
            problems.at(
                RESPONSES,
                row,
                column("action"),
                values["action"],
                _("unknown action: give its platform id, IATI identifier, or its title as on the Actions sheet"),
            )
        try:
            need = need_lookup.find(values["need"])
        except ValueError as error:
            problems.at(RESPONSES, row, column("need"), values["need"], f"{error} ({cycle})")
            need = None
        try:
            coverage = coverages.find(values["coverage"])
        except ValueError as error:
            problems.at(RESPONSES, row, column("coverage"), values["coverage"], str(error))
            coverage = None
        if (plan is None and action is None) or need is None or coverage is None:
            continue
        pair = (id(plan) if plan else action.pk, need.pk)
        if pair in seen:
            problems.at(
                RESPONSES,
                row,
                None,
                values["need"],
                _("the same response is also on row %(row)s") % {"row": seen[pair]},
            )
            continue
        seen[pair] = row.number
        existing = stored.get((action.pk, need.pk)) if action is not None else None
        if existing is None and need.status in CLOSED_TO_RESPONSES:
            problems.at(
                RESPONSES,
                row,
                column("need"),
                values["need"],
                _("%(reference)s is %(status)s: no response can be proposed to it")
                % {"reference": need.reference, "status": need.get_status_display().lower()},
            )
            continue
        if existing is None:
            key = action.pk if action is not None else id(plan)
            if key not in may_propose:
                probe = Response(action=action, need=need) if action is not None else None
                may_propose[key] = can(user, Verb.ADD, Action) if probe is None else can(user, Verb.ADD, probe)
            if not may_propose[key]:
                problems.at(
                    RESPONSES,
                    row,
                    None,
                    values["need"],
                    _("you may only propose responses for the actions your organisation takes part in"),
                )
                continue
            results.append(PlannedResponse(row, plan, action, need, coverage, None))
        elif existing.coverage == coverage:
            results.append(None)
        elif not can(user, Verb.CHANGE, existing):
            problems.at(
                RESPONSES,
                row,
                column("coverage"),
                values["coverage"],
                _("this response is %(status)s: only the Secretariat changes it now")
                % {"status": existing.get_status_display().lower()},
            )
        else:
            results.append(PlannedResponse(row, plan, action, need, coverage, existing))
    return results


# Writing -------------------------------------------------------------------------------------------


def _apply(user, plans, responses, outcome, progress=None):
    """Write the checked rows through the services, all or nothing: the new actions in one call of
    create_actions, each changed one by update_action, then the responses. Something that changed
    between the check and the write is reported on its row, and nothing is written."""
    rates = Rates.from_database() if any(plan.lists for plan in plans) else None
    sheet, current = ACTIONS, None
    new = [plan for plan in plans if plan.new]
    changed = [plan for plan in plans if not plan.new and plan.changes]
    steps = len(new) + len(changed) + len(responses)
    try:
        with transaction.atomic():
            if new:
                try:
                    written = services.create_actions(
                        user=user,
                        actions=[
                            {**plan.values, "partners": plan.partners, "pillars": plan.pillars, **plan.lists}
                            for plan in new
                        ],
                        source=ActionSource.EXCEL,
                        comment=UPLOAD_REASON,
                        rates=rates,
                    )
                except services.RowRefused as refusal:
                    current = new[refusal.index].row
                    raise refusal.error from None
                for plan, action in zip(new, written, strict=True):
                    plan.written = action
                _tell(progress, len(new), steps)
            for done, plan in enumerate(changed, start=len(new) + 1):
                sheet, current = ACTIONS, plan.row
                plan.written = services.update_action(
                    user=user,
                    action=plan.stored,
                    version=plan.version,
                    changes=plan.values,
                    partners=plan.partners,
                    pillars=plan.pillars,
                    comment=UPLOAD_REASON,
                    rates=rates,
                    **plan.lists,
                )
                _tell(progress, done, steps)
            for done, response in enumerate(responses, start=len(new) + len(changed) + 1):
                sheet, current = RESPONSES, response.row
                action = response.action or response.plan.written or response.plan.stored
                if response.existing is None:
                    services.propose_response(
                        user=user, action=action, need=response.need, coverage=response.coverage, comment=UPLOAD_REASON
                    )
                else:
                    services.change_response(user=user, response=response.existing, coverage=response.coverage)
                _tell(progress, done, steps)
    except (EditConflict, WorkflowError) as error:
        problems = wb.Problems()
        problems.at(sheet, current, None, "", str(error))
        _refuse(outcome, problems)
    except ValidationError as error:
        problems = wb.Problems()
        for name, messages in error.message_dict.items():
            problems.at(sheet, current, None, name, " ".join(messages))
        _refuse(outcome, problems)


# How many rows are written between two reports of the progress: a report is a write to the cache.
PROGRESS_EVERY = 200


def _tell(progress, done, total):
    if progress and (done % PROGRESS_EVERY == 0 or done == total):
        progress("applying", done=done, total=total)


def _refuse(outcome, problems):
    outcome.problems = wb.ordered(problems, SHEETS)
    outcome.added = outcome.changed = outcome.unchanged = 0
