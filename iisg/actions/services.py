"""The response mapping as business operations: donors and implementers create and change actions
with the rows that belong to them, and propose which needs they respond to; the Secretariat
confirms or rejects each proposed response. In the annual response-mapping round (a response
cycle, iisg.actions.round) each action asked about is confirmed unchanged or updated.

An action is one aggregate: its own fields, its beneficiary partners and pillars, and its child
rows — participating organisations, sectors, budgets and transactions. These functions are the
only writers of it, whichever door the change came through (the back office, the API, the
actions workbook): each takes the acting `user`, asks iisg.core.permissions.can() itself, checks
the version the editor read, cleans and checks the values (full_clean), gives money its EUR figure
(iisg.actions.models.Money), runs in one transaction and records every change in the history with
the user and the comment. Refusals are the errors of iisg.needs.errors (and of iisg.actions.errors
for a merge); values the model refuses are a ValidationError naming the row and the field.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iisg.core.bulk import full_clean_many
from iisg.core.choices import Role, Step, Verb
from iisg.core.concurrency import claim_version
from iisg.core.events import announce
from iisg.core.history import insert_history, record, record_deletion, record_saved
from iisg.core.models import apply_changes
from iisg.core.permissions import can, viewer_of
from iisg.core.text import clean_comment
from iisg.needs.choices import CLOSED_TO_RESPONSES, CycleKind, CycleStatus
from iisg.needs.errors import (
    CommentRequired,
    CycleClosed,
    DuplicateResponse,
    InvalidTransition,
    NotAllowed,
    WorkflowError,
)
from iisg.needs.models import Cycle

from .choices import ActionSource, ActivityStatus, Coverage, OrganisationRole, ResponseStatus, RoundAnswerKind
from .errors import MergeRefused
from .identifiers import platform_identifier
from .models import Action, ActionOrganisation, ActionSector, Budget, Money, Response, RoundAnswer, Transaction
from .round import round_actions, rounds_of

# The role an organisation takes in an action its donor or implementer user creates.
PARTICIPATION_OF_ROLE = {Role.DONOR: OrganisationRole.FUNDING, Role.IMPLEMENTER: OrganisationRole.IMPLEMENTING}

# What people enter about an action itself; the rest (source, IATI metadata, withdrawal) the
# platform records.
ACTION_FIELDS = (
    "title",
    "description",
    "iati_identifier",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "default_currency",
)
# The rows written with an action, by the name the API and the services give each list.
CHILDREN = {
    "participations": ActionOrganisation,
    "sectors": ActionSector,
    "budgets": Budget,
    "transactions": Transaction,
}
CHILD_FIELDS = {
    ActionOrganisation: ("organisation", "role"),
    ActionSector: ("vocabulary", "code", "percentage"),
    Budget: ("budget_type", "status", "period_start", "period_end", "value", "currency", "value_date"),
    Transaction: (
        "transaction_type",
        "date",
        "reference",
        "provider",
        "receiver",
        "description",
        "value",
        "currency",
        "value_date",
    ),
}


def join_as_participant(*, user, action):
    """Make the organisation of a donor or implementer user take part in `action` (funding for a
    donor, implementing for an implementer), so the user can go on editing it. Nothing for a user
    without an organisation (the Secretariat); an existing participation is kept, not doubled."""
    for organisation_id, role in _creator_participations(user):
        exists = ActionOrganisation.objects.filter(action=action, organisation_id=organisation_id, role=role).exists()
        if not exists:
            participation = ActionOrganisation(action=action, organisation_id=organisation_id, role=role)
            record(participation, user=user, reason=_("Takes part as the creator's organisation"))


def _creator_participations(user):
    """(organisation id, role) of each participation join_as_participant gives the user's
    organisation: none for a user without one."""
    viewer = viewer_of(user)
    if viewer.organisation_id is None:
        return []
    return [(viewer.organisation_id, role) for kind, role in PARTICIPATION_OF_ROLE.items() if kind in viewer.roles]


# Actions


def refuse_creation(*, user, action):
    """Raise NotAllowed unless `user` may create `action` (unsaved): asked by create_action and by
    the workbook before it writes anything, so both give the same reason."""
    if not can(user, Verb.ADD, action):
        raise NotAllowed(_("Only donors, implementers and the Secretariat create actions."))


def refuse_change(*, user, action):
    """Raise NotAllowed unless `user` may change the stored `action` and its rows: asked by
    update_action under its lock and by the workbook before it writes anything."""
    if not can(user, Verb.CHANGE, action):
        raise NotAllowed(
            _("You may not change “%(action)s”: your organisation does not take part in it.") % {"action": action}
        )


def refuse_funder(*, user, row):
    """Raise NotAllowed when a donor names another organisation than its own as a funder of an
    action (a participation `row`): the funders are the action's donors in the support mapping, so
    a donor speaks only for itself. An implementer names the donors that fund what it implements,
    and the Secretariat anyone. Asked for each new or changed participation create_action,
    update_action and save_row write, whichever door it came through."""
    viewer = viewer_of(user)
    if row.role != OrganisationRole.FUNDING or Role.DONOR not in viewer.roles or viewer.is_secretariat:
        return
    if row.organisation_id != viewer.organisation_id:
        raise NotAllowed(
            _("A donor names only its own organisation as a funder: “%(organisation)s” is not yours.")
            % {"organisation": row.organisation.name}
        )


@transaction.atomic
def create_action(
    *,
    user,
    title,
    description="",
    partners=(),
    pillars=(),
    planned_start=None,
    planned_end=None,
    actual_start=None,
    actual_end=None,
    status=ActivityStatus.IMPLEMENTATION,
    default_currency="EUR",
    source=ActionSource.ENTERED,
    iati_identifier=None,
    participations=None,
    sectors=None,
    budgets=None,
    transactions=None,
    comment="",
    rates=None,
):
    """Create an action with its beneficiary partners and pillars and, when given, its child rows
    (lists of dicts of CHILD_FIELDS); the organisation of a donor or implementer user takes part
    in it (see join_as_participant). An action without an IATI identifier gets the platform's
    (iisg.actions.identifiers), so that it can be published. Returns the action.

    Raises NotAllowed (neither the Secretariat nor a donor or implementer with an organisation),
    and ValidationError for values the model refuses (a title too long, a planned end before the
    start, a currency that is not an ISO code, a child row that does not hold together).
    """
    action = Action(
        title=title,
        description=description,
        planned_start=planned_start,
        planned_end=planned_end,
        actual_start=actual_start,
        actual_end=actual_end,
        status=status,
        default_currency=default_currency,
        source=source,
        iati_identifier=iati_identifier or None,
    )
    refuse_creation(user=user, action=action)
    action.full_clean()
    record(action, user=user, reason=clean_comment(comment) or _("Created"))
    if action.iati_identifier is None:
        _give_platform_identifier(action)
    action.partners.set(partners)
    action.pillars.set(pillars)
    lists = {"participations": participations, "sectors": sectors, "budgets": budgets, "transactions": transactions}
    _write_children(user=user, action=action, lists=lists, reason=_("Created with the action"), rates=rates)
    join_as_participant(user=user, action=action)
    return action


def _give_platform_identifier(action):
    """The platform's IATI identifier for a new action: its number is known only once it is
    saved, so the identifier is written beside the row and its first history record."""
    identifier = platform_identifier(action)
    if identifier is None or Action.objects.filter(iati_identifier=identifier).exists():
        return
    action.iati_identifier = identifier
    Action.objects.filter(pk=action.pk).update(iati_identifier=identifier)
    Action.history.filter(id=action.pk).update(iati_identifier=identifier)


class RowRefused(Exception):
    """create_actions refused the action at `index` of its list; `error` is what create_action
    raises for that action alone (NotAllowed, ValidationError)."""

    def __init__(self, index, error):
        self.index = index
        self.error = error
        super().__init__(str(error))


@transaction.atomic
def create_actions(*, user, actions, source=ActionSource.ENTERED, comment="", rates=None):
    """Create many actions at once: each item of `actions` is a dict of create_action's keyword
    arguments (title, description, partners, pillars, dates, status, default_currency,
    iati_identifier, and the lists of child rows). The same checks as create_action, for each
    action, and the same rows and history (the action's creation, then its partners and its
    pillars each as a change, its rows, the creator's participation), with the user and the
    comment; written table by table in a few queries, for a workbook of thousands of rows.
    Returns the actions, in order.

    Raises RowRefused naming the first action refused, with create_action's error for it; then
    nothing is written.
    """
    reason = clean_comment(comment) or _("Created")
    built = []
    for index, item in enumerate(actions):
        item = dict(item)
        lists = {kind: item.pop(kind, None) for kind in CHILDREN}
        partners, pillars = _unique(item.pop("partners", ())), _unique(item.pop("pillars", ()))
        unknown = set(item) - set(ACTION_FIELDS)
        if unknown:
            raise ValueError(f"Not fields people enter about an action: {', '.join(sorted(unknown))}.")
        action = Action(**item, source=source)
        action.iati_identifier = action.iati_identifier or None
        try:
            refuse_creation(user=user, action=action)
        except WorkflowError as error:
            raise RowRefused(index, error) from None
        built.append((action, partners, pillars, lists))
    # The check constraints are left to the tables until one refuses the write (see _refusals).
    children = _refuse_first(_refusals(user=user, built=built, rates=rates, check_constraints=False))
    try:
        with transaction.atomic():
            return _write_actions(user=user, built=built, children=children, reason=reason)
    except IntegrityError:
        _refuse_first(_refusals(user=user, built=built, rates=rates, check_constraints=True))
        raise


def _refusals(*, user, built, rates, check_constraints):
    """The new actions `built` and their child rows checked as create_action checks each, all at
    once: (refusals: index → error, child rows by model). Without `check_constraints` the tables
    hold the check constraints; asked again with them once the write is refused, they name the
    row."""
    actions = [action for action, *_rest in built]
    refusals = full_clean_many(actions, check_constraints=check_constraints)
    children = _checked_rows(
        user=user, built=built, rates=rates, refusals=refusals, check_constraints=check_constraints
    )
    return refusals, children


def _refuse_first(checked):
    refusals, children = checked
    if refusals:
        index = min(refusals)
        raise RowRefused(index, refusals[index])
    return children


def _write_actions(*, user, built, children, reason):
    created = Action.objects.bulk_create([action for action, *_rest in built])
    _give_platform_identifiers(created)
    record_saved(Action, created, "+", user=user, reason=reason)
    # create_action sets the partners, then the pillars: each set that adds any is a change of its own.
    _link(user=user, name="partners", chosen=[(action, partners) for action, partners, _pillars, _lists in built])
    _link(user=user, name="pillars", chosen=[(action, pillars) for action, _partners, pillars, _lists in built])
    for model, rows in children.items():
        model.objects.bulk_create(rows)
        record_saved(model, rows, "+", user=user, reason=_("Created with the action"))
    listed = {(row.action.pk, row.organisation_id, row.role) for row in children.get(ActionOrganisation, ())}
    joined = [
        ActionOrganisation(action=action, organisation_id=organisation_id, role=role)
        for action in created
        for organisation_id, role in _creator_participations(user)
        if (action.pk, organisation_id, role) not in listed
    ]
    ActionOrganisation.objects.bulk_create(joined)
    record_saved(ActionOrganisation, joined, "+", user=user, reason=_("Takes part as the creator's organisation"))
    return created


def _link(*, user, name, chosen):
    """Add to each new action the records of its many-to-many field `name` in `chosen` ([(action,
    keys)]), with the history row that `action.<name>.set(keys)` leaves: one insert per table."""
    field = Action._meta.get_field(name)
    through = field.remote_field.through
    target = f"{field.m2m_reverse_field_name()}_id"
    through._default_manager.bulk_create(
        [through(action_id=action.pk, **{target: key}) for action, keys in chosen for key in keys]
    )
    record_saved(Action, [action for action, keys in chosen if keys], "~", user=user, reason=None)


def _unique(related):
    """The keys of `related` (records or keys) once each, in order, as a many-to-many set() keeps them."""
    return list(dict.fromkeys(getattr(item, "pk", item) for item in related or ()))


def _checked_rows(*, user, built, rates, refusals, check_constraints):
    """The child rows of the new actions `built`, planned as _replace plans them and checked by their
    models all at once: {model: [rows]}. A refused row refuses its action (`refusals`: index →
    ValidationError naming the row as update_action does, "budgets[2].value")."""
    planned = {}  # model → [(action index, kind, position, row)]
    for index, (action, _partners, _pillars, lists) in enumerate(built):
        for kind, rows in lists.items():
            # create_action checks the rows of an action it found sound, and stops at the first list refused.
            if rows is None or index in refusals:
                continue
            plan, errors = _planned_rows(user=user, action=action, kind=kind, rows=rows, existing={}, rates=rates,
                                         clean=False)  # fmt: skip
            if errors:
                refusals[index] = ValidationError(errors)
                continue
            for position, (row, _changed) in enumerate(plan):
                planned.setdefault(CHILDREN[kind], []).append((index, kind, position, row))
    children = {}
    for model, entries in planned.items():
        rows = [row for _index, _kind, _position, row in entries]
        checked = full_clean_many(rows, exclude=_unchecked(rows[0]), check_constraints=check_constraints)
        for at, error in checked.items():
            index, kind, position, _row = entries[at]
            messages = {f"{kind}[{position}].{name}": found for name, found in error.message_dict.items()}
            refusals[index] = ValidationError({**getattr(refusals.get(index), "message_dict", {}), **messages})
        for row in rows:
            _fill_eur(row, rates)
        children[model] = rows
    return children


def _give_platform_identifiers(actions):
    """_give_platform_identifier for many new actions (saved, without history yet): one query for the
    identifiers already held, one update."""
    wanted = {action: platform_identifier(action) for action in actions if action.iati_identifier is None}
    held = set(
        Action.objects.filter(iati_identifier__in=[i for i in wanted.values() if i]).values_list(
            "iati_identifier", flat=True
        )
    )
    given = []
    for action, identifier in wanted.items():
        if identifier is not None and identifier not in held:
            action.iati_identifier = identifier
            given.append(action)
    Action.objects.bulk_update(given, ["iati_identifier"], batch_size=500)


@transaction.atomic
def update_action(
    *,
    user,
    action,
    version,
    changes=None,
    partners=None,
    pillars=None,
    participations=None,
    sectors=None,
    budgets=None,
    transactions=None,
    comment="",
    rates=None,
):
    """Change an action as a whole, if nobody saved it since `version`: its own fields (`changes`:
    ACTION_FIELDS → values), its partners and pillars, and each list of child rows given (None
    leaves a list alone; a list replaces it: a row with an `id` of the action's is changed, a row
    without one added, a row of the action not listed deleted). One new version, and a history
    row for each record that changed, with the user and the comment. The action counts as updated
    in each open response-mapping round that asks about it, before or after the change
    (RoundAnswer). Returns the action.

    Raises EditConflict, NotAllowed (the user's organisation does not take part in it), and
    ValidationError for values the model refuses.
    """
    changes = dict(changes or {})
    unknown = set(changes) - set(ACTION_FIELDS)
    if unknown:
        raise ValueError(f"Not fields people enter about an action: {', '.join(sorted(unknown))}.")
    stored = Action.objects.select_for_update().get(pk=action.pk)
    refuse_change(user=user, action=stored)
    claim_version(stored, version)
    asked_in = rounds_of(stored)
    for name, value in changes.items():
        setattr(stored, name, value)
    if stored.iati_identifier == "":
        stored.iati_identifier = None
    stored.full_clean()
    comment = clean_comment(comment)
    record(stored, user=user, reason=comment or _("Changed"))
    if partners is not None:
        stored.partners.set(partners)
    if pillars is not None:
        stored.pillars.set(pillars)
    lists = {"participations": participations, "sectors": sectors, "budgets": budgets, "transactions": transactions}
    _write_children(user=user, action=stored, lists=lists, reason=comment or _("Changed with the action"), rates=rates)
    if participations is not None:
        join_as_participant(user=user, action=stored)
    _answer_updated(user=user, action=stored, rounds=asked_in)
    return stored


@transaction.atomic
def delete_action(*, user, action, comment=""):
    """Delete an action with its rows, recorded with the user and the comment. A donor or
    implementer deletes its own actions while no response to them is confirmed; the Secretariat
    any. Raises NotAllowed."""
    stored = Action.objects.select_for_update().get(pk=action.pk)
    if not can(user, Verb.DELETE, stored):
        raise NotAllowed(
            _("You may not delete “%(action)s”: it is not your organisation's, or a response to it is confirmed.")
            % {"action": stored}
        )
    merged = stored.absorbed.first()
    if merged is not None:
        raise InvalidTransition(
            _("“%(action)s” cannot be deleted: “%(merged)s” was merged into it and lives on in it.")
            % {"action": stored, "merged": merged}
        )
    record_deletion(stored, user=user, reason=clean_comment(comment) or _("Deleted"))


# The rows of an action


def _write_children(*, user, action, lists, reason, rates):
    for kind, rows in lists.items():
        if rows is not None:
            _replace(user=user, action=action, kind=kind, rows=rows, reason=reason, rates=rates)


def _replace(*, user, action, kind, rows, reason, rates):
    """Make the action's rows of `kind` exactly `rows`: each row is checked first, then the rows not
    listed are deleted, then the new and changed ones saved (so a row may take the place of one it
    replaces). A row without an id that names a row the action holds by its natural key (a sector's
    code, an organisation's role) is that row."""
    existing = {row.pk: row for row in CHILDREN[kind].objects.filter(action=action)}
    planned, errors = _planned_rows(user=user, action=action, kind=kind, rows=rows, existing=existing, rates=rates)
    if errors:
        raise ValidationError(errors)
    kept = {row.pk for row, _changed in planned if row.pk is not None}
    for pk, row in existing.items():
        if pk not in kept:
            record_deletion(row, user=user, reason=reason)
    for row, changed in planned:
        if changed:
            record(row, user=user, reason=reason)


def _planned_rows(*, user, action, kind, rows, existing, rates, clean=True):
    """The rows of `kind` _replace writes for `action` that holds `existing` ({pk: row}): [(row,
    changed)] and the errors by position ("budgets[2].value"). With `clean` False the rows are not
    yet checked by their model (full_clean) nor given their EUR figure: create_actions does both
    for the rows of all its actions at once (_checked_rows)."""
    model = CHILDREN[kind]
    fields = CHILD_FIELDS[model]
    by_key = {_natural_key(row): row for row in existing.values() if _natural_key(row) is not None}
    claimed = {values.get("id") for values in rows if values.get("id") is not None}
    planned, seen, errors = [], {}, {}
    for index, values in enumerate(rows):
        values = dict(values)
        pk = values.pop("id", None)
        unknown = set(values) - set(fields)
        if unknown:
            raise ValueError(f"Not fields of a {model._meta.verbose_name}: {', '.join(sorted(unknown))}.")
        if pk is not None and pk not in existing:
            errors[f"{kind}[{index}].id"] = [
                _("The action has no %(row)s %(id)s.") % {"row": model._meta.verbose_name, "id": pk}
            ]
            continue
        if pk is None:
            named = by_key.get(_natural_key(model(action=action, **values)))
            if named is not None and named.pk not in claimed:
                pk = named.pk
                claimed.add(pk)
        row = existing[pk] if pk is not None else model(action=action)
        changed = bool(apply_changes(row, values)) or row.pk is None
        try:
            _prepare(row, action, rates, clean=clean)
        except ValidationError as error:
            errors.update({f"{kind}[{index}].{field}": messages for field, messages in error.message_dict.items()})
            continue
        if changed and isinstance(row, ActionOrganisation):
            refuse_funder(user=user, row=row)
        key = _natural_key(row)
        if key is not None and key in seen:
            errors[f"{kind}[{index}]"] = [_("The same row is also at position %(index)s.") % {"index": seen[key]}]
            continue
        seen[key] = index
        planned.append((row, changed))
    return planned, errors


def _natural_key(row):
    """What two rows of one action may not share (the tables' unique constraints)."""
    if isinstance(row, ActionOrganisation):
        return (row.organisation_id, row.role)
    if isinstance(row, ActionSector):
        return (row.vocabulary, row.code)
    return None


def _prepare(row, action, rates=None, *, clean=True):
    """Check a child row as the table will hold it: money takes the action's default currency when
    it names none (IATI: the value's own currency, else the activity's) and its EUR figure. With
    `clean` False only the currency is given: the caller checks and converts (_checked_rows)."""
    row.action = action
    if isinstance(row, Money) and not row.currency:
        row.currency = action.default_currency or ""
    if clean:
        row.full_clean(exclude=_unchecked(row))
        _fill_eur(row, rates)


def _unchecked(row):
    """What a child row's check leaves out: its action, set by the service, and its EUR figure,
    worked out once the row is checked."""
    return ["action", *Money.EUR_FIELDS] if isinstance(row, Money) else ["action"]


def _fill_eur(row, rates):
    if isinstance(row, Money):
        row.fill_eur(rates)
        row._eur_filled = True


@transaction.atomic
def save_row(*, user, row, comment=""):
    """Add or change one row of an action (a participation, a sector, a budget, a transaction) on
    its own, as its own back-office form does: checked like the rows update_action writes, and
    the action takes a new version, so that a form of the action opened before conflicts; like
    update_action, it counts as an update in the open response-mapping rounds.
    Raises NotAllowed, ValidationError."""
    action = Action.objects.select_for_update().get(pk=row.action_id)
    refuse_change(user=user, action=action)
    asked_in = rounds_of(action)
    _prepare(row, action)
    if isinstance(row, ActionOrganisation):
        stored = ActionOrganisation.objects.filter(pk=row.pk).first() if row.pk else None
        if stored is None or _natural_key(stored) != _natural_key(row):
            refuse_funder(user=user, row=row)
    if _natural_key(row) is not None:
        others = type(row).objects.filter(action=action).exclude(pk=row.pk)
        if any(_natural_key(other) == _natural_key(row) for other in others):
            raise ValidationError(_("The action already has this %(row)s.") % {"row": row._meta.verbose_name})
    reason = clean_comment(comment) or (_("Changed") if row.pk else _("Added"))
    record(row, user=user, reason=reason)
    record(action, user=user, reason=_("%(row)s: %(reason)s") % {"row": row._meta.verbose_name, "reason": reason})
    _answer_updated(user=user, action=action, rounds=asked_in)
    return row


@transaction.atomic
def delete_row(*, user, row, comment=""):
    """Delete one row of an action on its own; the action takes a new version and counts as updated
    in the open response-mapping rounds (see save_row). Raises NotAllowed."""
    action = Action.objects.select_for_update().get(pk=row.action_id)
    refuse_change(user=user, action=action)
    asked_in = rounds_of(action)
    reason = clean_comment(comment) or _("Deleted")
    record_deletion(row, user=user, reason=reason)
    record(action, user=user, reason=_("%(row)s: %(reason)s") % {"row": row._meta.verbose_name, "reason": reason})
    _answer_updated(user=user, action=action, rounds=asked_in)


# Responses


@transaction.atomic
def propose_response(*, user, action, need, coverage=Coverage.PARTIAL, comment=""):
    """Propose that `action` responds to `need` (fully or partially), for the Secretariat to
    confirm. A donor or implementer of the action, or the Secretariat. Returns the response.

    Raises NotAllowed (not the user's action, or a need the user may not see), InvalidTransition
    (a need still with its partner, or rejected), DuplicateResponse (the action already responds
    to the need), WorkflowError (a coverage other than full or partial).
    """
    if coverage not in Coverage.values:
        raise WorkflowError(_("The coverage is full or partial."))
    comment = clean_comment(comment)
    response = Response(
        action=action, need=need, coverage=coverage, status=ResponseStatus.PROPOSED, proposed_by=user, comment=comment
    )
    if not can(user, Verb.ADD, response):
        raise NotAllowed(_("Only a donor or implementer of “%(action)s” proposes its responses.") % {"action": action})
    if not can(user, Verb.VIEW, need):
        raise NotAllowed(_("You may not see this need."))
    if need.status in CLOSED_TO_RESPONSES:
        raise InvalidTransition(
            _("%(reference)s is %(status)s: no response can be proposed to it.")
            % {"reference": need.reference, "status": need.get_status_display().lower()}
        )
    if action.merged_into_id is not None:
        raise InvalidTransition(
            _("“%(action)s” was merged into “%(into)s”: propose the response of that action.")
            % {"action": action, "into": action.merged_into}
        )
    existing = Response.objects.filter(action=action, need=need).first()
    if existing is not None:
        raise DuplicateResponse(
            _("“%(action)s” already responds to %(reference)s (%(status)s).")
            % {"action": action, "reference": need.reference, "status": existing.get_status_display().lower()}
        )
    try:
        with transaction.atomic():
            record(response, user=user, reason=comment or _("Proposed"))
    except IntegrityError:  # proposed at the same moment by someone else
        raise DuplicateResponse(
            _("“%(action)s” already responds to %(reference)s.") % {"action": action, "reference": need.reference}
        ) from None
    announce(Step.RESPONSE_PROPOSED, target=response, actor=user, comment=comment)
    return response


def _locked_response(response):
    return Response.objects.select_for_update(of=("self",)).select_related("need", "action").get(pk=response.pk)


@transaction.atomic
def change_response(*, user, response, coverage, comment=""):
    """Change how much a response covers its need (full or partial). Its donor or implementer
    while it is proposed; the Secretariat at any time. Its status moves only by confirm_response
    and reject_response. Raises NotAllowed, WorkflowError."""
    if coverage not in Coverage.values:
        raise WorkflowError(_("The coverage is full or partial."))
    response = _locked_response(response)
    if not can(user, Verb.CHANGE, response):
        raise NotAllowed(
            _("The response is %(status)s: only the Secretariat changes it now.")
            % {"status": response.get_status_display().lower()}
        )
    comment = clean_comment(comment)
    if response.coverage == coverage and not comment:
        return response
    response.coverage = coverage
    if comment:
        response.comment = comment
    record(response, user=user, reason=comment or _("Coverage: %(coverage)s") % {"coverage": Coverage(coverage).label})
    return response


@transaction.atomic
def withdraw_response(*, user, response, comment=""):
    """Withdraw (delete) a response: its donor or implementer while it is proposed, the
    Secretariat any. Recorded in its history. Raises NotAllowed."""
    response = _locked_response(response)
    if not can(user, Verb.DELETE, response):
        raise NotAllowed(_("Only the Secretariat withdraws a response once it is reviewed."))
    record_deletion(response, user=user, reason=clean_comment(comment) or _("Withdrawn"))


def _decide(*, user, response, status, comment):
    response = _locked_response(response)
    if not can(user, Verb.REVIEW, response):
        raise NotAllowed(_("Only the Secretariat confirms or rejects responses."))
    if response.status == status:
        raise InvalidTransition(
            _("The response of “%(action)s” to %(reference)s is already %(status)s.")
            % {
                "action": response.action,
                "reference": response.need.reference,
                "status": response.get_status_display().lower(),
            }
        )
    response.status = status
    if status == ResponseStatus.CONFIRMED:
        response.confirmed_by = user
        response.confirmed_at = timezone.now()
    else:
        response.confirmed_by = None
        response.confirmed_at = None
    record(response, user=user, reason=comment or ResponseStatus(status).label)
    return response


@transaction.atomic
def confirm_response(*, user, response, comment=""):
    """Confirm a proposed (or earlier rejected) response: it now counts in the analysis, with who
    confirmed it and when. Secretariat only (the review verb).
    Raises NotAllowed, InvalidTransition (already confirmed)."""
    comment = clean_comment(comment)
    response = _decide(user=user, response=response, status=ResponseStatus.CONFIRMED, comment=comment)
    announce(Step.RESPONSE_CONFIRMED, target=response, actor=user, comment=comment)
    return response


@transaction.atomic
def reject_response(*, user, response, comment):
    """Reject a proposed (or earlier confirmed) response, saying why; it no longer counts.
    Secretariat only (the review verb).
    Raises NotAllowed, CommentRequired, InvalidTransition (already rejected)."""
    comment = clean_comment(comment)
    if not comment and can(user, Verb.REVIEW, response):
        raise CommentRequired(_("Say why the response is rejected."))
    response = _decide(user=user, response=response, status=ResponseStatus.REJECTED, comment=comment)
    announce(Step.RESPONSE_REJECTED, target=response, actor=user, comment=comment)
    return response


# The annual response-mapping round


def _answer_updated(*, user, action, rounds):
    """Record `action` as updated by `user` in each round of `rounds` and in each open round that asks
    about it now (its change may have brought it into one)."""
    now = timezone.now()
    for cycle in {cycle.pk: cycle for cycle in [*rounds, *rounds_of(action)]}.values():
        RoundAnswer.objects.update_or_create(
            cycle=cycle,
            action=action,
            defaults={"answer": RoundAnswerKind.UPDATED, "answered_by": user, "answered_at": now},
        )


@transaction.atomic
def confirm_unchanged(*, user, action, cycle):
    """Answer for `action` in the response-mapping round `cycle` that it has not changed: one click by
    whoever may change the action (a donor or implementer of it, or the Secretariat), while the
    round is open and the action is one it asks about. The answer keeps who and when, and the
    action's history the reason ("Confirmed unchanged for the 2026 response mapping") without a new
    version: nothing in it changed, so a form opened on it stays good. Returns the RoundAnswer.

    Raises NotAllowed (the user may not change the action), CycleClosed (the round is not open),
    InvalidTransition (not a response mapping, an action the round does not ask about, or one
    already answered for in it).
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    stored = Action.objects.select_for_update().get(pk=action.pk)
    refuse_change(user=user, action=stored)
    if cycle.kind != CycleKind.RESPONSE:
        raise InvalidTransition(_("%(cycle)s is not a response mapping.") % {"cycle": cycle})
    if cycle.status != CycleStatus.OPEN:
        raise CycleClosed(
            _("%(cycle)s is %(status)s: actions are no longer confirmed for it.")
            % {"cycle": cycle, "status": cycle.get_status_display().lower()}
        )
    if not round_actions(cycle).filter(pk=stored.pk).exists():
        raise InvalidTransition(
            _("“%(action)s” is not asked about in %(cycle)s: it is not active in %(year)s.")
            % {"action": stored, "cycle": cycle, "year": cycle.first_year}
        )
    existing = RoundAnswer.objects.filter(cycle=cycle, action=stored).select_related("answered_by").first()
    if existing is not None:
        raise InvalidTransition(
            _("“%(action)s” is already answered for in %(cycle)s: %(answer)s.")
            % {"action": stored, "cycle": cycle, "answer": existing.get_answer_display().lower()}
        )
    answer = RoundAnswer.objects.create(
        cycle=cycle, action=stored, answer=RoundAnswerKind.CONFIRMED, answered_by=user, answered_at=timezone.now()
    )
    reason = _("Confirmed unchanged for the %(year)s response mapping") % {"year": cycle.first_year}
    insert_history(Action, [stored], "~", user=user, reason=reason)
    return answer


# Merging an entered action into an imported one

# How far a response got, for a merge that finds both actions responding to the same need: a
# reviewed response beats a proposal, and a confirmed one a rejected one.
RESPONSE_PROGRESS = {ResponseStatus.PROPOSED: 0, ResponseStatus.REJECTED: 1, ResponseStatus.CONFIRMED: 2}


@transaction.atomic
def merge_actions(*, user, keep, absorb, comment, keep_version=None, absorb_version=None):
    """Merge `absorb`, an action people entered (a form, a workbook), into `keep`, the action an IATI
    file gave for the same project (iisg.analysis.quality.likely_duplicates proposes such pairs):
    the Secretariat's decision, saying why in `comment`. In one transaction:

    - the responses of `absorb` move to `keep`; where both respond to the same need, the one further
      along stays (RESPONSE_PROGRESS; `keep`'s when they are as far) and the other is deleted, its
      history saying so;
    - its answers in the response-mapping rounds move to `keep`; where both answered in a round, the
      later answer stands, as a later answer replaces an earlier one;
    - its pillars are added to those of `keep` (an import never sets pillars);
    - `absorb` is marked merged into `keep`, not deleted: it keeps its own rows and its history, and
      counts nowhere any more (ActionQuerySet.standing).

    What a re-import of `keep` replaces is not moved, since the next import of its file would
    delete it: its organisations, sectors, budgets and transactions, and its beneficiary partners
    (iisg.iati.importer.children.REPLACED). Both actions take a new version, and the history of each
    records the merge with the user and the comment. `keep_version` and `absorb_version`, when
    given, are the versions the person saw. Returns `keep`.

    Raises NotAllowed (not the Secretariat), CommentRequired, MergeRefused (the same action twice,
    `keep` not imported or withdrawn from its file, `absorb` not entered, or merged already), and
    EditConflict (an action changed since the person saw it).
    """
    if not (can(user, Verb.REVIEW, keep) and can(user, Verb.REVIEW, absorb)):
        raise NotAllowed(_("Only the Secretariat merges actions."))
    comment = clean_comment(comment)
    if not comment:
        raise CommentRequired(_("Say why the two actions are one project."))
    if keep.pk == absorb.pk:
        raise MergeRefused(_("“%(action)s” cannot be merged with itself.") % {"action": keep})
    # Locked in the order of their ids, so two merges of overlapping pairs wait for each other.
    locked = {
        action.pk: action
        for action in Action.objects.select_for_update().filter(pk__in=[keep.pk, absorb.pk]).order_by("pk")
    }
    keep, absorb = locked[keep.pk], locked[absorb.pk]
    _refuse_merge(keep=keep, absorb=absorb)
    for action, version in ((keep, keep_version), (absorb, absorb_version)):
        if version is not None:
            claim_version(action, version)
    moved = _("Moved from “%(action)s”, merged into this action: %(comment)s") % {"action": absorb, "comment": comment}
    _merge_responses(user=user, keep=keep, absorb=absorb, moved=moved, comment=comment)
    _merge_round_answers(keep=keep, absorb=absorb)
    absorb.merged_into = keep
    record(absorb, user=user, reason=_("Merged into “%(action)s”: %(comment)s") % {"action": keep, "comment": comment})
    record(
        keep, user=user, reason=_("“%(action)s” merged into it: %(comment)s") % {"action": absorb, "comment": comment}
    )
    pillars = list(absorb.pillars.exclude(pk__in=keep.pillars.values("pk")))
    if pillars:
        keep.pillars.add(*pillars)
    return keep


def _refuse_merge(*, keep, absorb):
    if absorb.merged_into_id is not None:
        raise MergeRefused(
            _("“%(action)s” is already merged into “%(into)s”.") % {"action": absorb, "into": absorb.merged_into}
        )
    if keep.source != ActionSource.IATI or absorb.source == ActionSource.IATI:
        raise MergeRefused(
            _(
                "An action people entered is merged into one imported from an IATI file, not “%(absorb)s” "
                "(%(absorb_source)s) into “%(keep)s” (%(keep_source)s)."
            )
            % {
                "absorb": absorb,
                "absorb_source": absorb.get_source_display().lower(),
                "keep": keep,
                "keep_source": keep.get_source_display().lower(),
            }
        )
    if keep.withdrawn_at is not None:
        raise MergeRefused(
            _("“%(action)s” was withdrawn from its IATI file: merged into it, the project would count nowhere.")
            % {"action": keep}
        )


def _merge_responses(*, user, keep, absorb, moved, comment):
    """Move the responses of `absorb` to `keep`, one response per need (see merge_actions)."""
    responses = Response.objects.select_for_update(of=("self",)).select_related("need")
    held = {response.need_id: response for response in responses.filter(action=keep)}
    for response in responses.filter(action=absorb):
        other = held.get(response.need_id)
        if other is not None and RESPONSE_PROGRESS[response.status] <= RESPONSE_PROGRESS[other.status]:
            record_deletion(response, user=user, reason=_ended_by_merge(other, keep, comment))
            continue
        if other is not None:
            record_deletion(other, user=user, reason=_ended_by_merge(response, keep, comment))
        response.action = keep
        record(response, user=user, reason=moved)


def _ended_by_merge(standing, keep, comment):
    return _("Ended by a merge into “%(action)s”, whose %(status)s response to %(reference)s stands: %(comment)s") % {
        "action": keep,
        "status": standing.get_status_display().lower(),
        "reference": standing.need.reference,
        "comment": comment,
    }


def _merge_round_answers(*, keep, absorb):
    """Move the round answers of `absorb` to `keep`, one answer per round, the later standing."""
    held = {answer.cycle_id: answer for answer in RoundAnswer.objects.filter(action=keep)}
    for answer in RoundAnswer.objects.filter(action=absorb):
        other = held.get(answer.cycle_id)
        if other is not None and answer.answered_at <= other.answered_at:
            answer.delete()
            continue
        if other is not None:
            other.delete()
        answer.action = keep
        answer.save(update_fields=["action"])
