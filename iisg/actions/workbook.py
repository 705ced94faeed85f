"""The actions workbook: a donor's or implementer's actions and their responses to needs, to fill in
and upload back.

`build_workbook` writes the actions the user may change (the Secretariat: all) with their responses
to the needs of a needs cycle. `upload_workbook` checks every row of both sheets (values, keys, and
`can()` for each action and response) and writes nothing while there is a problem; a clean workbook
is applied in one transaction. Actions are keyed by their platform id, else their IATI identifier,
else their title among the user's own actions; only what changed is saved, so the same file twice
changes nothing.
"""

import copy
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils.translation import gettext as _

from iisg.core import workbook as wb
from iisg.core.choices import Verb
from iisg.core.permissions import can, permitted, visible
from iisg.directory.models import Partner, Pillar
from iisg.needs.choices import CLOSED_TO_RESPONSES
from iisg.needs.models import Need

from . import services
from .choices import ActionSource, ActivityStatus, BudgetStatus, BudgetType, Coverage, ResponseStatus
from .models import Action, ActionOrganisation, Budget, Response

# The currencies offered in the drop-down; the ISO 4217 codes donors of the region report in.
CURRENCIES = [
    "EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "JPY", "CAD", "AUD",
    "PLN", "CZK", "HUF", "RON", "BGN", "TRY", "RSD", "ALL", "BAM", "MKD",
]  # fmt: skip

ACTIONS = wb.Sheet(
    "Actions",
    (
        wb.Column(
            "platform_id",
            "Platform id",
            "The action's number in the platform. Keep it to update an action; leave it empty for a new one.",
            12,
        ),
        wb.Column(
            "iati_identifier",
            "IATI identifier",
            "The IATI activity identifier, if the action is published to IATI. A row without platform id is "
            "matched by it, else by its title among your actions.",
            28,
            max_length=Action._meta.get_field("iati_identifier").max_length,
        ),
        wb.Column(
            "title",
            "Title",
            "The action's title.",
            40,
            required=True,
            max_length=Action._meta.get_field("title").max_length,
        ),
        wb.Column("description", "Description", "What the action does.", 60),
        wb.Column(
            "partners",
            "Beneficiary partners",
            "The partners it benefits: names or codes separated by commas, e.g. “Serbia, Montenegro” or “RS, ME”.",
            28,
            choices="Partners",
            many=True,
        ),
        wb.Column(
            "pillars",
            "Pillars",
            "The pillars, separated by commas, e.g. “WBCTi, WBBSi”.",
            16,
            choices="Pillars",
            many=True,
        ),
        wb.Column("planned_start", "Planned start", "A date cell, or text as YYYY-MM-DD.", 14, kind=wb.DATE),
        wb.Column("planned_end", "Planned end", "A date cell, or text as YYYY-MM-DD.", 14, kind=wb.DATE),
        wb.Column("status", "Status", "The IATI activity status; empty means Implementation.", 22, choices="Statuses"),
        wb.Column("default_currency", "Default currency", "ISO 4217 code; empty means EUR.", 10, choices="Currencies"),
        wb.Column(
            "budget_total",
            "Budget total",
            "The total budget in the default currency. For an action without budget, one budget over the planned "
            "dates is added; an action with several budgets is changed in the back office.",
            14,
            kind=wb.DECIMAL,
        ),
        wb.Column("organisations", "Organisations", "The donors and implementers taking part.", 30, read_only=True),
    ),
)
RESPONSES = wb.Sheet(
    "Responses",
    (
        wb.Column(
            "action",
            "Action",
            "The action: its platform id, its IATI identifier, or its title as on the Actions sheet.",
            30,
            required=True,
        ),
        wb.Column(
            "need",
            "Need reference",
            "The reference of the need it responds to, in this cycle.",
            16,
            required=True,
            choices="Needs",
        ),
        wb.Column("coverage", "Coverage", "Full or partial.", 10, required=True, choices="Coverages"),
        wb.Column("status", "Status", "Proposed, confirmed or rejected by the Secretariat.", 12, read_only=True),
    ),
)
SHEETS = [ACTIONS, RESPONSES]
FIELDS = ["iati_identifier", "title", "description", "planned_start", "planned_end", "status", "default_currency"]


def budget_total(action):
    """The sum of the action's budgets when they are all in its default currency, else None."""
    budgets = list(action.budgets.all())
    if not budgets or any(budget.currency != action.default_currency for budget in budgets):
        return None
    return sum((budget.value for budget in budgets), Decimal(0))


def actions_in_scope(user):
    """The actions of a user's workbook: those it may change (the Secretariat: all)."""
    return (
        permitted(user, Verb.CHANGE, Action.objects.all())
        .prefetch_related(
            "partners",
            "pillars",
            "budgets",
            Prefetch("participations", queryset=ActionOrganisation.objects.select_related("organisation")),
        )
        .order_by("title", "pk")
    )


def build_workbook(*, user, cycle):
    """The actions workbook of a user, with responses to the needs of `cycle`, as .xlsx bytes."""
    actions = list(actions_in_scope(user))
    needs = visible(user, Need.objects.filter(cycle=cycle)).order_by("reference") if cycle else Need.objects.none()
    responses = visible(
        user, Response.objects.filter(action__in=[a.pk for a in actions], need__in=needs.values("pk"))
    ).select_related("need")
    workbook = wb.new_workbook()
    ranges = wb.add_code_lists(
        workbook,
        {
            "Partners": [partner.name for partner in Partner.objects.all()],
            "Pillars": [pillar.acronym for pillar in Pillar.objects.all()],
            "Statuses": [str(label) for label in ActivityStatus.labels],
            "Currencies": CURRENCIES,
            "Coverages": [str(label) for label in Coverage.labels],
            "Needs": list(needs.values_list("reference", flat=True)),
        },
    )
    rows = [
        {
            "platform_id": action.pk,
            "iati_identifier": action.iati_identifier,
            "title": action.title,
            "description": action.description or None,
            "partners": ", ".join(partner.name for partner in action.partners.all()) or None,
            "pillars": ", ".join(pillar.acronym for pillar in action.pillars.all()) or None,
            "planned_start": action.planned_start,
            "planned_end": action.planned_end,
            "status": action.get_status_display(),
            "default_currency": action.default_currency,
            "budget_total": budget_total(action),
            "organisations": ", ".join(
                f"{p.organisation.short_name} ({p.get_role_display()})" for p in action.participations.all()
            ),
        }
        for action in actions
    ]
    wb.write_sheet(workbook, ACTIONS, rows, ranges, index=0)
    wb.write_sheet(
        workbook,
        RESPONSES,
        [
            {
                "action": response.action_id,
                "need": response.need.reference,
                "coverage": response.get_coverage_display(),
                "status": response.get_status_display(),
            }
            for response in responses.order_by("action__title", "need__reference")
        ],
        ranges,
        index=1,
    )
    workbook.active = 0
    return wb.to_bytes(workbook)


@dataclass
class _Planned:
    """What applying one action row does."""

    action: Action
    new: bool
    fields: list = field(default_factory=list)
    partners: list | None = None
    pillars: list | None = None
    budget: Decimal | None = None

    @property
    def changes(self):
        return bool(self.fields) or self.partners is not None or self.pillars is not None or self.budget is not None


def _lookups():
    partners = wb.Lookup(_("partner"), [(p, p.name, [p.code, p.display_name]) for p in Partner.objects.all()])
    pillars = wb.Lookup(_("pillar"), [(p, p.acronym, [p.code, p.name]) for p in Pillar.objects.all()])
    statuses = wb.choices_lookup(_("status"), ActivityStatus.choices)
    currencies = wb.Lookup(_("currency"), [(code, code) for code in CURRENCIES])
    return partners, pillars, statuses, currencies


def upload_workbook(*, user, cycle, data, apply=True):
    """Check an uploaded actions workbook as a whole and, if nothing is wrong and `apply`, write it.

    Returns an Outcome: the problems (then nothing was written), else how many actions and responses
    were added, changed and left unchanged. Raises WorkbookRejected for a file that cannot be read.
    """
    reading = wb.read_workbook(data, SHEETS, optional=[RESPONSES.name])
    problems = wb.Problems(reading.problems)
    action_rows = reading.rows.get(ACTIONS.name, [])
    response_rows = reading.rows.get(RESPONSES.name, [])
    if not action_rows and not response_rows and not problems:
        problems.at(ACTIONS, None, None, "", _("the workbook holds no actions"))
    plans, keys = _check_actions(user, action_rows, problems)
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
        elif response.pk is None:
            outcome.added += 1
        else:
            outcome.changed += 1
    if outcome.ok and apply:
        _apply(user, plans, [response for response in responses if response is not None])
    return outcome


def _existing_actions(user, rows):
    ids = [int(v) for row in rows if (v := row.values.get("platform_id")) and str(v).isdigit()]
    iatis = [v for row in rows if isinstance(v := row.values.get("iati_identifier"), str)]
    titles = [v for row in rows if isinstance(v := row.values.get("title"), str)]
    related = ("partners", "pillars", "budgets")
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


def _check_actions(user, rows, problems):
    """The plan of each action row; `keys` maps what a response may name an action by → its plan."""
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
        found_partners, found_pillars = found["partners"], found["pillars"]
        status, currency = found["status"], found["default_currency"]
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
                ACTIONS, row, None, shown_key(key), _("the same action is also on row %(row)s") % {"row": seen[key]}
            )
            bad = True
        seen[key] = row.number
        if iati and not wb.is_bad(iati) and taken_iati.get(iati) not in (None, getattr(stored, "pk", None)):
            problems.at(ACTIONS, row, column("iati_identifier"), iati, _("another action has this IATI identifier"))
            bad = True
        if bad:
            continue
        values_of = {
            # An empty cell keeps the identifier: the platform's own (create_action) is the
            # action's key once published, and is never cleared by a blank cell.
            "iati_identifier": iati or (stored.iati_identifier if stored else None),
            "title": values["title"],
            "description": values.get("description") or "",
            "planned_start": start,
            "planned_end": end,
            "status": status,
            "default_currency": currency,
        }
        total = values.get("budget_total")
        if stored is None:
            action = Action(source=ActionSource.EXCEL, **values_of)
            if not can(user, Verb.ADD, action):
                problems.at(ACTIONS, row, None, values["title"], _("you may not add actions"))
                continue
            plan = _Planned(action, new=True, partners=found_partners, pillars=found_pillars)
        else:
            action = copy.copy(stored)
            for name, value in values_of.items():
                setattr(action, name, value)
            plan = _Planned(action, new=False)
            plan.fields = [name for name in FIELDS if getattr(action, name) != getattr(stored, name)]
            if {p.pk for p in found_partners} != {p.pk for p in stored.partners.all()}:
                plan.partners = found_partners
            if {p.pk for p in found_pillars} != {p.pk for p in stored.pillars.all()}:
                plan.pillars = found_pillars
        if total is not None and (plan.new or total != budget_total(stored)):
            reason = _budget_refusal(plan, stored, total)
            if reason:
                problems.at(ACTIONS, row, column("budget_total"), total, reason)
                continue
            plan.budget = total
        if not plan.new and plan.changes and not can(user, Verb.CHANGE, stored):
            problems.at(
                ACTIONS,
                row,
                None,
                values["title"],
                _("you may not change this action: your organisation does not take part in it"),
            )
            continue
        plans.append(plan)
        for name in (str(stored.pk) if stored else None, iati, values["title"]):
            if name:
                keys.setdefault(str(name).casefold(), plan)
    return plans, keys


def shown_key(key):
    return str(key[1])


def _budget_refusal(plan, stored, total):
    budgets = list(stored.budgets.all()) if stored else []
    if len(budgets) > 1 or (budgets and budgets[0].currency != plan.action.default_currency):
        return _("this action has several budgets or currencies: change them in the back office")
    if not budgets and not (plan.action.planned_start and plan.action.planned_end):
        return _("a budget needs the planned start and end of the action")
    return None


def _check_responses(user, cycle, rows, keys, problems):
    """The response each row adds or changes (None when unchanged)."""
    if not rows:
        return []
    needs = {need.reference.casefold(): need for need in visible(user, Need.objects.filter(cycle=cycle))}
    need_lookup = wb.Lookup(_("need reference"), [(need, need.reference) for need in needs.values()])
    coverages = wb.choices_lookup(_("coverage"), Coverage.choices)
    named = [str(row.values.get("action")) for row in rows if row.values.get("action") is not None]
    others = {
        key: action
        for action in visible(user, Action.objects.filter(pk__in=[int(n) for n in named if n.isdigit()]))
        for key in [str(action.pk)]
    }
    others.update(
        {
            action.iati_identifier.casefold(): action
            for action in visible(user, Action.objects.filter(iati_identifier__in=named))
        }
    )
    stored = {
        (response.action_id, response.need_id): response
        for response in Response.objects.filter(
            need__cycle=cycle,
            action__in=[a.pk for a in others.values()] + [plan.action.pk for plan in keys.values() if plan.action.pk],
        )
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
        action = plan.action if plan else others.get(name)
        if action is None:
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
        if action is None or need is None or coverage is None:
            continue
        pair = (id(action), need.pk)
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
        existing = stored.get((action.pk, need.pk)) if action.pk else None
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
            response = Response(action=action, need=need, coverage=coverage, proposed_by=user)
            if action.pk not in may_propose:
                may_propose[action.pk] = (
                    can(user, Verb.ADD, Action) if action.pk is None else can(user, Verb.ADD, response)
                )
            if not may_propose[action.pk]:
                problems.at(
                    RESPONSES,
                    row,
                    None,
                    values["need"],
                    _("you may only propose responses for the actions your organisation takes part in"),
                )
                continue
            results.append(response)
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
            existing.coverage = coverage
            results.append(existing)
    return results


@transaction.atomic
def _apply(user, plans, responses):
    reason = _("Excel workbook upload")
    for plan in plans:
        if not plan.new and not plan.changes:
            continue
        action = plan.action
        action._history_user = user
        action._change_reason = reason
        if plan.new:
            created = services.create_action(
                user=user,
                title=action.title,
                description=action.description,
                partners=plan.partners,
                pillars=plan.pillars,
                planned_start=action.planned_start,
                planned_end=action.planned_end,
                status=action.status,
                default_currency=action.default_currency,
                source=ActionSource.EXCEL,
                iati_identifier=action.iati_identifier,
            )
            # Responses of this file hang on the planned action: give it the created one's key.
            action.pk = created.pk
            action = created
        elif plan.fields:
            # The plan was read before this transaction: save() bumps the version from the stored one.
            action.version = Action.objects.select_for_update().values_list("version", flat=True).get(pk=action.pk)
            action.save(update_fields=[*plan.fields, "updated_at"])
        else:
            # Only its partners, pillars or budget change: still a new version for an open form.
            Action.objects.filter(pk=action.pk).update(version=F("version") + 1)
        if plan.partners is not None and not plan.new:
            action.partners.set(plan.partners)
        if plan.pillars is not None and not plan.new:
            action.pillars.set(plan.pillars)
        if plan.budget is not None:
            budget = action.budgets.first() if not plan.new else None
            if budget is None:
                budget = Budget(
                    action=action,
                    budget_type=BudgetType.ORIGINAL,
                    status=BudgetStatus.COMMITTED,
                    period_start=action.planned_start,
                    period_end=action.planned_end,
                    currency=action.default_currency,
                    value_date=action.planned_start,
                )
            budget.value = plan.budget
            budget._history_user = user
            budget.save()
    for response in responses:
        response._history_user = user
        response._change_reason = reason
        if response.pk is None and response.status != ResponseStatus.PROPOSED:
            response.status = ResponseStatus.PROPOSED
        response.save()
