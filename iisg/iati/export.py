"""Export the platform's actions as an IATI 2.03 activities document: the importer's inverse.

`activity_of(action)` maps an action and its rows back onto the `Activity` the importer reads;
`xml_chunks()` and `export_actions()` stream the actions through iisg.iati.writer, a chunk of
actions at a time with their rows prefetched in bulk: the number of queries depends on the number
of chunks, never on the number of actions, and memory on the chunk size, not on the export.

What the schema requires and an action may lack, decided the way a donor reading the file would
expect (every action that can be published truthfully is, none is padded with invented facts):

- Reporting organisation: the action's own (as imported). An action without one (entered in the
  platform, uploaded in a workbook) is reported by the platform as publisher, the IISG Secretariat:
  ref settings.IATI_PUBLISHER_REF, name IATI_PUBLISHER_NAME, type IATI_PUBLISHER_TYPE, and
  `secondary-reporter="1"`: the Secretariat reports what donors and implementers do, it does not
  own their actions. Its type defaults to 40 (multilateral): the IISG is a regional mechanism whose
  Board joins the Western Balkan governments and the European Commission, and its Secretariat is
  hosted by the Regional Cooperation Council, an intergovernmental body the export itself types 40
  (ORGANISATION_TYPES, regional organisations); the Secretariat is neither one government (10) nor
  one state's public body (15) nor an NGO (21), and 90 (other) would tell a reader nothing. The
  action's own funding, implementing… organisations stay its participating organisations. While
  IATI_PUBLISHER_REF is empty, such actions are left out with a reason naming the setting.
- IATI identifier: the action's own; an action without one takes the identifier the platform
  gives it (iisg.actions.identifiers.platform_identifier: `<IATI_PUBLISHER_REF>-<the action's
  number>`, which `manage.py assign_iati_identifiers` stores), unless another action already holds
  that identifier: then it is left out and says so.
- Title and description: the texts as published, unless the action's title or description was
  changed in the platform since, in which case the platform's text is written. An action without
  any description takes its title as its general description (the schema requires one; the
  title restates, it adds nothing).
- Participating organisations, activity dates: nothing can stand in for them; an action without
  a participating organisation or without any start or end date is left out and reported.
- Text: written through iisg.core.text.printable (see iisg.iati.writer): a control character a
  stored title still holds is dropped and reported; an identifier, ref or code holding one, or a
  language that is no language code, leaves the action out.
- last-updated-datetime: the publisher's (none when it gave none) for an action imported and not
  changed in the platform since; else when the action was last changed in the platform.
- Document links without a format, category or title are left out and reported (writer.left_out).
- Withdrawn actions (no longer in their source file) are never exported.

Every action is checked before the first byte is written (`review()`), so the document never stops
half-way: what cannot be written is left out of it and listed, with the reason, in the
ExportSummary, which the export_iati command prints and the download page shows.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from iisg.actions.choices import ActionSource
from iisg.actions.identifiers import platform_identifier, platform_identifiers_in_use
from iisg.actions.models import Action, ActionOrganisation, PlannedDisbursement, Transaction
from iisg.core.permissions import visible
from iisg.core.text import printable
from iisg.directory.choices import OrganisationKind
from iisg.needs.models import Cycle

from . import writer
from .activity import (
    Activity,
    Budget,
    DocumentLink,
    Narrative,
    Organisation,
    PolicyMarker,
    Recipient,
    RelatedActivity,
    Sector,
    Value,
    best_text,
)
from .activity import PlannedDisbursement as PlannedDisbursementOut
from .activity import Transaction as TransactionOut

CHUNK_SIZE = 200
# How far apart one save may stamp created_at and updated_at.
SAME_SAVE = timedelta(seconds=1)
# The IATI OrganisationType of each kind of organisation of the directory.
ORGANISATION_TYPES = {
    OrganisationKind.PARTNER_INSTITUTION: "10",
    OrganisationKind.EU_MEMBER_STATE: "10",
    OrganisationKind.THIRD_STATE: "10",
    OrganisationKind.DEVELOPMENT_AGENCY: "10",
    OrganisationKind.EU_INSTITUTION: "15",
    OrganisationKind.EU_AGENCY: "15",
    OrganisationKind.INTERNATIONAL: "40",
    OrganisationKind.REGIONAL: "40",
    OrganisationKind.CIVIL_SOCIETY: "21",
    OrganisationKind.COMPANY: "70",
}
OTHER_ORGANISATION_TYPE = "90"
_PERIOD = re.compile(r"(\d{4})(?:\s*[-–]\s*(\d{4}))?")


class UnknownCycle(ValueError):
    """The cycle asked for is neither a year, a period nor the name of a cycle."""


class NothingToExport(Exception):
    """No action can be exported: the schema requires at least one activity in a document."""

    def __init__(self, summary):
        self.summary = summary
        message = _("There is no action to export.")
        if summary.actions_left_out:
            first = summary.actions_left_out[0]
            message += " " + _("%(count)s actions lack what IATI requires, e.g. “%(title)s”: %(reasons)s.") % {
                "count": len(summary.actions_left_out),
                "title": first.title,
                "reasons": first.reason,
            }
        super().__init__(message)


@dataclass
class LeftOut:
    """An action the document does not hold, and why."""

    action_id: int
    title: str  # printable: as the page and the terminal can show it
    reasons: list

    @property
    def reason(self):
        return "; ".join(self.reasons)


@dataclass
class ExportSummary:
    """What an export writes: how many actions, the actions it leaves out (and why), and the
    parts of the written actions it leaves out or changes (and why)."""

    exported: int = 0
    actions_left_out: list = field(default_factory=list)  # LeftOut
    parts_left_out: list = field(default_factory=list)  # (IATI identifier, reason)

    def __str__(self):
        lines = [
            _("%(exported)s actions exported, %(actions)s left out, %(parts)s parts of actions left out or changed.")
            % {"exported": self.exported, "actions": len(self.actions_left_out), "parts": len(self.parts_left_out)}
        ]
        lines += [
            "  "
            + _("left out: #%(id)s “%(title)s”: %(reason)s") % {"id": a.action_id, "title": a.title, "reason": a.reason}
            for a in self.actions_left_out
        ]
        lines += [f"  {identifier}: {reason}" for identifier, reason in self.parts_left_out]
        return "\n".join(lines)


@dataclass
class Overview:
    """What the download page says: how many actions the viewer may see (in the cycle asked for),
    how many of them are withdrawn, and what the document does with the others (`summary`).
    may_see = summary.exported + len(summary.actions_left_out) + withdrawn, but for actions
    changed while the page is made."""

    may_see: int
    withdrawn: int
    summary: ExportSummary


# Which actions ------------------------------------------------------------------------------------


def actions_in_view(*, user=None, cycle=""):
    """The actions `user` may see (everyone's when None), withdrawn ones too; with a `cycle` (see
    cycle_years), those active at some time in its years by the one rule of the back office's
    "active in year" filter and of the analysis (ActionQuerySet.active_between). Raises
    UnknownCycle."""
    actions = Action.objects.all()
    if user is not None:
        actions = visible(user, actions)
    if cycle:
        first, last = cycle_years(cycle)
        actions = actions.active_between(date(first, 1, 1), date(last, 12, 31))
    return actions


def exportable_actions(*, user=None, cycle=""):
    """The actions an export holds: those of actions_in_view() that stand on their own (not
    withdrawn, not merged into another). Raises UnknownCycle."""
    return actions_in_view(user=user, cycle=cycle).standing()


def overview(*, user, cycle=""):
    """The Overview of the document `user` would download for `cycle`: every action checked, none
    written. Raises UnknownCycle."""
    actions = actions_in_view(user=user, cycle=cycle)
    return Overview(
        may_see=actions.count(),
        withdrawn=actions.filter(withdrawn_at__isnull=False).count(),
        summary=review(actions.standing()),
    )


def cycle_years(text):
    """(first year, last year) of a year ("2022"), a period ("2021-2022") or a cycle's name
    ("Response mapping 2022", "Needs mapping 2021–2022"). Raises UnknownCycle."""
    text = text.strip()
    match = _PERIOD.fullmatch(text)
    if match:
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last >= first:
            return first, last
    cycles = list(Cycle.objects.all())
    for cycle in cycles:
        if _plain(str(cycle)) == _plain(text):
            return cycle.first_year, cycle.last_year
    raise UnknownCycle(
        _("No cycle is called “%(name)s”. Give a year (2022), a period (2021-2022) or one of: %(cycles)s.")
        % {"name": text, "cycles": ", ".join(str(cycle) for cycle in cycles) or "-"}
    )


def _plain(name):
    return " ".join(name.replace("–", "-").casefold().split())


def file_name(cycle=""):
    suffix = "-" + re.sub(r"[^A-Za-z0-9]+", "-", cycle).strip("-").lower() if cycle else ""
    return f"iisg-actions{suffix}.xml"


# Writing -----------------------------------------------------------------------------------------


def with_children(actions):
    """`actions` with everything activity_of() reads, fetched in bulk."""
    return actions.select_related("reporting_organisation").prefetch_related(
        Prefetch("participations", queryset=ActionOrganisation.objects.select_related("organisation")),
        "sectors",
        "recipients",
        "budgets",
        Prefetch("planned_disbursements", queryset=PlannedDisbursement.objects.select_related("provider", "receiver")),
        Prefetch("transactions", queryset=Transaction.objects.select_related("provider", "receiver")),
        "document_links",
        "policy_markers",
        "related_activities",
    )


def review(actions, *, summary=None):
    """Check every action of the queryset `actions` as the export would write it, writing nothing:
    the ExportSummary of its document (`summary`, filled, when given)."""
    summary = summary if summary is not None else ExportSummary()
    _Review(summary).accepted(actions)
    return summary


def xml_chunks(actions, *, summary=None, generated=None):
    """Yield the bytes of the IATI document of the queryset `actions`, an activity at a time.

    Every action is checked first (review()); the actions that cannot be written truthfully are
    left out and listed in `summary` (an ExportSummary), so the document never stops half-way. An
    action changed between the check and its turn is checked again, and left out, if it must be,
    without a byte of it written. Raises NothingToExport, before yielding anything, when no action
    can be exported.
    """
    summary = summary if summary is not None else ExportSummary()
    checks = _Review(summary)
    accepted = checks.accepted(actions)
    if not accepted:
        raise NothingToExport(summary)
    try:
        yield from writer.chunks(checks.written(actions, accepted), generated=generated)
    except writer.EmptyDocument:
        raise NothingToExport(summary) from None


def export_actions(out, actions, *, generated=None):
    """Write the IATI document of the queryset `actions` to the binary file `out`; return the
    ExportSummary. Raises NothingToExport (nothing written) when no action can be exported."""
    summary = ExportSummary()
    for chunk in xml_chunks(actions, summary=summary, generated=generated):
        out.write(chunk)
    return summary


class _Review:
    """The checks of one export: which actions its document holds, and why the others are left out."""

    def __init__(self, summary):
        self.summary = summary
        self.in_use = platform_identifiers_in_use()

    def accepted(self, actions):
        """The ids of the actions that can be written; the summary counts them and lists the rest."""
        accepted = set()
        for action, activity in self._activities(actions):
            reasons = self.reasons(action, activity)
            if reasons:
                self.summary.actions_left_out.append(LeftOut(action.pk, printable(action.title), reasons))
                continue
            accepted.add(action.pk)
            self.summary.exported += 1
            self.summary.parts_left_out.extend(
                (printable(activity.identifier), reason) for reason in writer.left_out(activity)
            )
        return accepted

    def written(self, actions, accepted):
        """The activities of the `accepted` actions, each checked again as it is read."""
        for action, activity in self._activities(actions):
            if action.pk not in accepted:
                continue
            reasons = self.reasons(action, activity)
            if reasons:
                self.summary.exported -= 1
                self.summary.actions_left_out.append(LeftOut(action.pk, printable(action.title), reasons))
                continue
            yield activity

    def reasons(self, action, activity):
        """Why the action cannot be written truthfully (empty: it can)."""
        reasons = writer.missing(activity)
        if action.reporting_organisation_id is None and not settings.IATI_PUBLISHER_REF:
            by_platform = [str(writer.NO_IDENTIFIER), str(writer.NO_REPORTING_ORGANISATION)]
            reasons = [
                _(
                    "no reporting organisation of its own, and the platform reports none while the setting "
                    "IATI_PUBLISHER_REF (the IISG Secretariat's IATI organisation identifier) is empty"
                ),
                *(reason for reason in reasons if reason not in by_platform),
            ]
        elif not action.iati_identifier and activity.identifier in self.in_use:
            reasons.append(
                _("the IATI identifier %(identifier)s the platform gives it is already another action's")
                % {"identifier": activity.identifier}
            )
        return reasons

    def _activities(self, actions):
        for action in with_children(actions).order_by("pk").iterator(chunk_size=CHUNK_SIZE):
            yield action, activity_of(action)


# One action --------------------------------------------------------------------------------------


def activity_of(action):
    """The Activity of an action and its rows (read through `.all()`: prefetch them, see
    with_children()). What the action lacks stays empty; writer.missing() says what that means."""
    # An imported action without a language had none in its file: none is claimed for it.
    lang = action.language if action.source == ActionSource.IATI else action.language or settings.LANGUAGE_CODE
    participations = list(action.participations.all())
    own = action.reporting_organisation
    return Activity(
        identifier=action.iati_identifier or platform_identifier(action) or "",
        identifier_raw="",
        line=None,
        version=writer.VERSION,
        language=lang,
        default_currency=action.default_currency,
        last_updated=_last_updated(action),
        hierarchy=action.hierarchy,
        humanitarian=action.humanitarian,
        titles=_titles(action, lang),
        descriptions=_descriptions(action, lang),
        reporting_org=_organisation(own, fallback_type=OTHER_ORGANISATION_TYPE) if own else _publisher(),
        secondary_reporter=action.secondary_reporter if own else True,
        participating_orgs=[_organisation(p.organisation, role=str(p.role)) for p in participations],
        status=str(action.status),
        planned_start=action.planned_start,
        actual_start=action.actual_start,
        planned_end=action.planned_end,
        actual_end=action.actual_end,
        recipients=[Recipient(r.kind, r.code, r.vocabulary, r.percentage) for r in action.recipients.all()],
        sectors=[Sector(s.code, s.vocabulary, s.percentage) for s in action.sectors.all()],
        budgets=[
            Budget(b.period_start, b.period_end, _value(b), str(b.budget_type), str(b.status))
            for b in action.budgets.all()
        ],
        planned_disbursements=[
            PlannedDisbursementOut(
                period_start=p.period_start,
                value=_value(p),
                period_end=p.period_end,
                type=str(p.disbursement_type or ""),
                provider=_organisation(p.provider),
                receiver=_organisation(p.receiver),
            )
            for p in action.planned_disbursements.all()
        ],
        transactions=[_transaction(t) for t in action.transactions.all()],
        document_links=[
            DocumentLink(
                url=link.url,
                format=link.file_format,
                titles=[Narrative(language, text) for language, text in link.titles],
                categories=list(link.categories),
                languages=list(link.languages),
                document_date=link.document_date,
            )
            for link in action.document_links.all()
        ],
        policy_markers=[
            PolicyMarker(m.code, m.vocabulary, "" if m.significance is None else str(m.significance))
            for m in action.policy_markers.all()
        ],
        related_activities=[RelatedActivity(str(r.relation), r.ref) for r in action.related_activities.all()],
    )


def _publisher():
    """The platform as the reporting organisation of the actions without one of their own; None
    while it has no IATI organisation identifier."""
    if not settings.IATI_PUBLISHER_REF:
        return None
    return Organisation(
        ref=settings.IATI_PUBLISHER_REF,
        names=[Narrative("", settings.IATI_PUBLISHER_NAME)],
        type=settings.IATI_PUBLISHER_TYPE,
    )


def _organisation(organisation, *, role="", activity_id="", fallback_type=""):
    if organisation is None:
        return None
    return Organisation(
        ref=organisation.iati_identifier or "",
        names=[Narrative("", organisation.name)],
        type=ORGANISATION_TYPES.get(organisation.kind, fallback_type),
        role=role,
        activity_id=activity_id,
    )


def _titles(action, lang):
    """The published titles, unless the platform's title is none of them (changed since)."""
    titles = [Narrative(language, text) for language, text in action.titles if text]
    if _as_imported(best_text(titles), action.title, 500):
        return titles
    return [Narrative(lang, action.title)]


def _descriptions(action, lang):
    """The published descriptions; the platform's when it changed the general one; else the title."""
    published = [
        (item.get("type", ""), Narrative(item.get("lang", ""), item.get("text", "")))
        for item in action.descriptions
        if item.get("text")
    ]
    general = [narrative for kind, narrative in published if kind in writer.GENERAL_DESCRIPTION]
    if action.description and action.description != best_text(general or [n for _kind, n in published]):
        others = [(kind, narrative) for kind, narrative in published if kind not in writer.GENERAL_DESCRIPTION]
        return [("1", Narrative(lang, action.description)), *others]
    return published or [("1", Narrative(lang, action.title))]


def _as_imported(published, current, length):
    """Whether `current` is `published` as the importer stored it (clipped to `length`)."""
    return bool(published) and current in (published, published[: length - 1] + "…")


def _last_updated(action):
    """The publisher's stamp (or none, when it gave none) for an action as imported; else when the
    action was last changed in the platform."""
    if action.source == ActionSource.IATI and not _changed_here(action):
        return action.iati_last_updated
    return action.updated_at


def _changed_here(action):
    """Whether the action was saved in the platform after its last import: an import creates an
    action with updated_at as created_at and updates it without touching updated_at."""
    return action.updated_at > max(action.created_at + SAME_SAVE, action.last_imported_at or action.created_at)


def _value(money):
    return Value(amount=money.value, raw=money.value_raw, currency=money.currency, value_date=money.value_date)


def _transaction(row):
    sector = Sector(row.sector_code, row.sector_vocabulary or "1") if row.sector_code else None
    return TransactionOut(
        type=str(row.transaction_type),
        date=row.date,
        value=_value(row),
        reference=row.reference,
        description=row.description,
        provider=_organisation(row.provider, activity_id=row.provider_activity)
        or _activity_only(row.provider_activity),
        receiver=_organisation(row.receiver, activity_id=row.receiver_activity)
        or _activity_only(row.receiver_activity),
        humanitarian=row.humanitarian,
        sector=sector,
        recipient_country=row.recipient_country,
        recipient_region=row.recipient_region,
    )


def _activity_only(activity_id):
    """A provider or receiver known only by its activity's identifier."""
    return Organisation(activity_id=activity_id) if activity_id else None
