"""Reads of the IATI imports: what rolling back an import run would do, or why it may not."""

from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Action, Response
from iisg.core.concurrency import conflict

from .models import ImportChange, ImportRun

NAMED = 10  # the actions a refusal names; the others are counted
UNDONE_COUNTS = ("imported", "updated", "withdrawn")  # the summary's counts a run records changes for


@dataclass
class RollbackPlan:
    """What rolling back `run` does: the actions deleted (`created`, with their
    `proposed_responses`), put back as they were (`updated`) and counted again (`withdrawn`); or,
    in `refusals`, every reason it may not, as sentences a person reads."""

    run: ImportRun
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    proposed_responses: int = 0
    refusals: list = field(default_factory=list)

    @property
    def allowed(self):
        return not self.refusals


def import_label(run):
    """How a message names an import: “file.xml” of 7 December 2026."""
    return _("“%(file)s” of %(date)s") % {
        "file": run.source_name,
        "date": formats.date_format(timezone.localtime(run.created_at), "DATE_FORMAT"),
    }


def rollback_plan(run):
    """What rolling back `run` would do, with every reason it may not: the run is not done or was
    rolled back already; it ran before runs recorded their changes; a later import that is not
    rolled back touched the same actions (named: roll it back first); an action it touched was
    changed or deleted since (named with who changed it and when: a rollback would undo their
    work), counting an import rolled back since as no change; an action it created has confirmed
    responses (named). A fixed number of queries, plus a few for each action named as changed."""
    plan = RollbackPlan(run)
    if run.status == ImportRun.Status.ROLLED_BACK:
        who = run.rolled_back_by
        plan.refusals.append(
            _("This import was already rolled back by %(who)s on %(when)s.")
            % {
                "who": (who.get_full_name() or who.get_username()) if who else _("someone"),
                "when": formats.date_format(timezone.localtime(run.rolled_back_at), "DATETIME_FORMAT"),
            }
        )
        return plan
    if run.status != ImportRun.Status.DONE:
        plan.refusals.append(
            _("Only an import that is done can be rolled back; this one is “%(status)s”.")
            % {"status": run.get_status_display()}
        )
        return plan
    changes = list(
        run.changes.order_by("pk").values_list("pk", "action_id", "iati_identifier", "kind", "version_after")
    )
    counts = (run.summary or {}).get("counts") or {}
    if sum(counts.get(name, 0) for name in UNDONE_COUNTS) != len(changes):
        plan.refusals.append(_("This import ran before imports recorded what they changed: it cannot be rolled back."))
        return plan
    kinds = [kind for _pk, _action, _identifier, kind, _version in changes]
    plan.created = kinds.count(ImportChange.Kind.CREATED)
    plan.updated = kinds.count(ImportChange.Kind.UPDATED)
    plan.withdrawn = kinds.count(ImportChange.Kind.WITHDRAWN)
    created = Response.objects.filter(
        action__import_changes__run=run, action__import_changes__kind=ImportChange.Kind.CREATED
    )
    plan.proposed_responses = created.exclude(status=ResponseStatus.CONFIRMED).count()
    later = _later_changes(run, changes)
    plan.refusals += _later_imports(later)
    plan.refusals += _changed_since(run, changes, later)
    plan.refusals += _confirmed_responses(created.filter(status=ResponseStatus.CONFIRMED))
    return plan


def _later_changes(run, changes):
    """{action id: the changes of other runs to it after `run`'s, oldest first}."""
    mine = {action_id: pk for pk, action_id, _identifier, _kind, _version in changes if action_id is not None}
    later = {}
    others = (
        ImportChange.objects.filter(action__import_changes__run=run)
        .exclude(run=run)
        .order_by("pk")
        .select_related("run")
        .defer("before", "run__summary")
    )
    for change in others:
        if change.pk > mine[change.action_id]:
            later.setdefault(change.action_id, []).append(change)
    return later


def _later_imports(later):
    touched = {}
    for changes in later.values():
        for change in changes:
            if change.run.status != ImportRun.Status.ROLLED_BACK:
                touched.setdefault(change.run, set()).add(change.action_id)
    return [
        ngettext(
            "The later import %(import)s changed %(count)s action this one touched: roll it back first.",
            "The later import %(import)s changed %(count)s actions this one touched: roll it back first.",
            len(actions),
        )
        % {"import": import_label(other), "count": len(actions)}
        for other, actions in sorted(touched.items(), key=lambda item: item[0].pk, reverse=True)
    ]


def _changed_since(run, changes, later):
    """The refusals for actions changed or deleted since `run` (their version moved on)."""
    held = dict(Action.objects.filter(import_changes__run=run).values_list("pk", "version"))
    changed, deleted = [], []
    for _pk, action_id, identifier, kind, version_after in changes:
        if action_id is None:
            if kind != ImportChange.Kind.CREATED:  # a created action deleted since: nothing to undo
                deleted.append(identifier)
            continue
        after = later.get(action_id)
        if after and any(change.run.status != ImportRun.Status.ROLLED_BACK for change in after):
            continue  # refused for the later import already
        if after:
            # Imports rolled back since are no change: the first of them put back the version
            # this run left, as long as it found this run's version when it ran.
            first = after[0]
            unchanged = first.version_after - 1 == version_after and held[action_id] == first.version_restored
        else:
            unchanged = held[action_id] == version_after
        if not unchanged:
            changed.append((action_id, version_after))
    refusals = []
    if changed:
        named = Action.objects.in_bulk([action_id for action_id, _version in changed[:NAMED]])
        described = [_changed_by(named[action_id], version) for action_id, version in changed[:NAMED]]
        refusals.append(
            ngettext(
                "%(count)s action this import touched was changed since: %(actions)s. "
                "A rollback would undo that change.",
                "%(count)s actions this import touched were changed since: %(actions)s. "
                "A rollback would undo those changes.",
                len(changed),
            )
            % {"count": len(changed), "actions": _listed(described, len(changed))}
        )
    if deleted:
        refusals.append(
            ngettext(
                "%(count)s action this import updated or withdrew was deleted since (%(actions)s): "
                "it cannot be put back as it was.",
                "%(count)s actions this import updated or withdrew were deleted since (%(actions)s): "
                "they cannot be put back as they were.",
                len(deleted),
            )
            % {"count": len(deleted), "actions": _listed(deleted[:NAMED], len(deleted))}
        )
    return refusals


def _changed_by(action, version):
    """“Title” (identifier), changed by whom, when and which fields, after `version`."""
    edit = conflict(action, version)
    who = edit.changed_by
    text = _("“%(title)s” (%(identifier)s) by %(who)s") % {
        "title": action.title,
        "identifier": action.iati_identifier,
        "who": (who.get_full_name() or who.get_username()) if who else _("someone"),
    }
    if edit.changed_at is not None:
        text += " " + _("on %(when)s") % {
            "when": formats.date_format(timezone.localtime(edit.changed_at), "DATETIME_FORMAT")
        }
    if edit.changed:
        text += " (" + ", ".join(edit.changed) + ")"
    return text


def _confirmed_responses(responses):
    responses = list(responses.select_related("action", "need").order_by("action__title", "need__reference"))
    if not responses:
        return []
    described = [
        _("“%(action)s” to need %(need)s") % {"action": response.action.title, "need": response.need.reference}
        for response in responses[:NAMED]
    ]
    return [
        ngettext(
            "An action this import created has %(count)s confirmed response, which a rollback would delete "
            "with it: %(responses)s.",
            "Actions this import created have %(count)s confirmed responses, which a rollback would delete "
            "with them: %(responses)s.",
            len(responses),
        )
        % {"count": len(responses), "responses": _listed(described, len(responses))}
    ]


def _listed(named, count):
    """The named items, and how many more were not named."""
    text = "; ".join(named)
    if count > len(named):
        text += "; " + _("and %(count)s more") % {"count": count - len(named)}
    return text
