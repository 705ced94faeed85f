"""The needs workbook: a cycle's needs downloaded to fill in, and uploaded back.

`build_workbook` writes the needs the user may write for a cycle (a focal point: its own partner's)
with the thematic areas and code lists that feed the drop-downs, and each need's version.
`upload_workbook` reads an uploaded workbook and checks every row before anything is written: the
values, the references, the rules of iisg.needs.services (refuse_creation, refuse_change: the same
reasons the back office and the API give) and the version, so that a row downloaded before someone
else changed the need is refused, naming who changed what, instead of overwriting their work. A
clean workbook is applied through the services (create_need, update_need) in one transaction, rows
keyed by the cycle and the reference; only the needs whose values changed are saved, so the same
file twice changes nothing.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iisg.core import workbook as wb
from iisg.core.choices import Verb
from iisg.core.concurrency import EditConflict, conflict
from iisg.core.permissions import can, viewer_of, visible
from iisg.directory.models import Organisation, Partner, Pillar

from . import services
from .choices import NeedStatus, NeedType, Perspective, Priority
from .errors import WorkflowError
from .models import Area, Need

SHEET = wb.Sheet(
    "Needs",
    (
        wb.Column(
            "reference",
            "Reference",
            "The need's reference in the cycle, e.g. RS-WBBSi-007 (partner code, pillar, number). It identifies "
            "the need: keep it to update a need; give a new one to add a need.",
            width=16,
            required=True,
            max_length=Need._meta.get_field("reference").max_length,
        ),
        wb.Column(
            "partner", "Partner", "The partner the need is of: its name or code.", 20, required=True, choices="Partners"
        ),
        wb.Column("pillar", "Pillar", "The pillar: WBCTi, WBCSCi or WBBSi.", 10, required=True, choices="Pillars"),
        wb.Column(
            "area",
            "Area code",
            "The code of the thematic area of the pillar, from the Areas sheet.",
            10,
            choices="Areas",
        ),
        wb.Column("need_type", "Type", "Legislative, institutional or operational.", 14, choices="Types"),
        wb.Column("perspective", "Perspective", "Prevention or response.", 13, choices="Perspectives"),
        wb.Column(
            "title", "Title", "A short title.", 40, required=True, max_length=Need._meta.get_field("title").max_length
        ),
        wb.Column("description", "Description", "What is needed.", 60),
        wb.Column("priority", "Priority", "High, medium or low.", 10, required=True, choices="Priorities"),
        wb.Column("justification", "Justification", "Why it is needed, and why with this priority.", 50),
        wb.Column(
            "responsible_institution",
            "Responsible institution",
            "The institution of the partner responsible for the need: its name or acronym.",
            30,
            choices="Institutions",
        ),
        wb.Column("status", "Status", "Where the need is in the review.", 14, read_only=True),
        wb.Column(
            "version",
            "Version",
            "The version of the need this workbook was made from. Keep it: a need changed by someone else since "
            "is then refused, not overwritten. Leave it empty for a new need.",
            9,
            kind=wb.WHOLE,
            locked=True,
        ),
    ),
)
UPLOAD_REASON = "Excel workbook upload"
# Said of any reference a row cannot take, never why: that it is another partner's draft is theirs.
UNUSABLE_REFERENCE = gettext_lazy("this reference cannot be used: choose another one")
AREAS_SHEET = "Areas"


def needs_in_scope(*, user, cycle, partner=None):
    """The needs of a cycle a user's workbook holds: a focal point's own partner's, the Secretariat's all
    (or one partner's), always within what `visible()` lets the user see."""
    needs = visible(user, Need.objects.filter(cycle=cycle))
    viewer = viewer_of(user)
    if viewer.is_focal_point and not viewer.is_secretariat:
        needs = needs.filter(partner_id=viewer.partner_id)
    elif partner is not None:
        needs = needs.filter(partner=partner)
    return needs.select_related("partner", "pillar", "area", "responsible_institution").order_by(
        "partner__order", "pillar__order", "reference"
    )


def _partners_for(user):
    viewer = viewer_of(user)
    partners = Partner.objects.all()
    if viewer.is_focal_point and not viewer.is_secretariat:
        partners = partners.filter(pk=viewer.partner_id)
    return list(partners)


def build_workbook(*, user, cycle, partner=None):
    """The needs workbook of a cycle for a user, as .xlsx bytes."""
    areas = list(Area.objects.filter(cycle=cycle).select_related("pillar", "parent").order_by("pillar__order", "code"))
    institutions = Organisation.objects.filter(partner__isnull=False).order_by("name")
    if viewer_of(user).is_focal_point and not viewer_of(user).is_secretariat:
        institutions = institutions.filter(partner_id=viewer_of(user).partner_id)
    workbook = wb.new_workbook()
    ranges = wb.add_code_lists(
        workbook,
        {
            "Partners": [partner.name for partner in _partners_for(user)],
            "Pillars": [pillar.acronym for pillar in Pillar.objects.all()],
            "Types": [str(label) for label in NeedType.labels],
            "Perspectives": [str(label) for label in Perspective.labels],
            "Priorities": [str(label) for label in Priority.labels],
            "Institutions": list(institutions.values_list("name", flat=True)),
        },
    )
    wb.write_reference_sheet(
        workbook,
        AREAS_SHEET,
        [_("Pillar"), _("Area code"), _("Area"), _("Objective")],
        [(a.pillar.acronym, a.code, a.name, a.parent.name if a.parent else "") for a in areas],
    )
    if areas:
        ranges["Areas"] = f"{AREAS_SHEET}!$B$2:$B${len(areas) + 1}"
    rows = [
        {
            "reference": need.reference,
            "partner": need.partner.name,
            "pillar": need.pillar.acronym,
            "area": need.area.code if need.area else None,
            "need_type": need.get_need_type_display() if need.need_type else None,
            "perspective": need.get_perspective_display() if need.perspective else None,
            "title": need.title,
            "description": need.description or None,
            "priority": need.get_priority_display(),
            "justification": need.justification or None,
            "responsible_institution": need.responsible_institution.name if need.responsible_institution else None,
            "status": need.get_status_display(),
            "version": need.version,
        }
        for need in needs_in_scope(user=user, cycle=cycle, partner=partner)
    ]
    wb.write_sheet(workbook, SHEET, rows, ranges, index=0)
    workbook.active = 0
    return wb.to_bytes(workbook)


class _Lookups:
    """Everything a row is checked against, read once for the whole workbook."""

    def __init__(self, cycle):
        partners = list(Partner.objects.all())
        self.partners = wb.Lookup(_("partner"), [(p, p.name, [p.code, p.display_name]) for p in partners])
        self.pillars = wb.Lookup(_("pillar"), [(p, p.acronym, [p.code, p.name]) for p in Pillar.objects.all()])
        self.types = wb.choices_lookup(_("type"), NeedType.choices)
        self.perspectives = wb.choices_lookup(_("perspective"), Perspective.choices)
        self.priorities = wb.choices_lookup(_("priority"), Priority.choices)
        self.institutions = wb.Lookup(
            _("institution"),
            [(o, o.name, [o.acronym, str(o)] if o.acronym else [str(o)]) for o in Organisation.objects.all()],
        )
        self.areas = {}
        for area in Area.objects.filter(cycle=cycle):
            self.areas.setdefault(area.pillar_id, []).append((area, area.code, [area.name]))
        self.areas = {pillar: wb.Lookup(_("area"), entries) for pillar, entries in self.areas.items()}


def upload_workbook(*, user, cycle, data, apply=True, progress=None):
    """Check an uploaded needs workbook as a whole and, if nothing is wrong and `apply`, write it.

    Returns an Outcome: the problems (then nothing was written), else how many needs were added,
    changed and left unchanged. Raises WorkbookRejected for a file that cannot be read at all.
    `progress`, when given, is told each phase ("reading", "checking", "applying") and, while the
    rows are checked, how many of them are done: progress(phase, done=None, total=None).
    """
    if progress:
        progress("reading")
    reading = wb.read_workbook(data, [SHEET])
    problems = wb.Problems(reading.problems)
    rows = reading.rows.get(SHEET.name, [])
    if not rows and not problems:
        problems.at(SHEET, None, None, "", _("the sheet holds no needs"))
    lookups = _Lookups(cycle)
    references = [row.values.get("reference") for row in rows if isinstance(row.values.get("reference"), str)]
    existing = {}
    for need in Need.objects.filter(cycle=cycle, reference__in=references):
        need.cycle = cycle
        existing[need.reference] = need
    seen = {}
    added, changed, unchanged = [], [], 0
    for done, row in enumerate(rows):
        if progress and done % PROGRESS_EVERY == 0:
            progress("checking", done=done, total=len(rows))
        reference = row.values.get("reference")
        if isinstance(reference, str):
            if reference in seen:
                problems.at(
                    SHEET,
                    row,
                    SHEET.column("reference"),
                    reference,
                    _("the reference is also on row %(row)s") % {"row": seen[reference]},
                )
                continue
            seen[reference] = row.number
        values = _resolve(row, lookups, problems)
        if values is None:
            continue
        stored = existing.get(reference)
        if stored is None:
            need = Need(cycle=cycle, reference=reference, status=NeedStatus.DRAFT, **values)
            if _refused(problems, row, lambda need=need: services.refuse_creation(user=user, need=need)):
                continue
            added.append((row, need))
            continue
        if not can(user, Verb.VIEW, stored):
            problems.at(
                SHEET,
                row,
                SHEET.column("reference"),
                reference,
                str(UNUSABLE_REFERENCE),
            )
            continue
        changes = {name: value for name, value in values.items() if _stored(stored, name) != _given(value)}
        if not changes:
            unchanged += 1
            continue
        version = row.values.get("version")
        if not _current(problems, row, stored, version):
            continue
        if _refused(problems, row, lambda s=stored, c=changes: services.refuse_change(user=user, need=s, changes=c)):
            continue
        changed.append((row, stored, changes, version))
    outcome = wb.Outcome(
        problems=wb.ordered(problems, [SHEET]), added=len(added), changed=len(changed), unchanged=unchanged
    )
    if outcome.ok and apply:
        if progress:
            progress("applying")
        _apply(user, added, changed, outcome)
    return outcome


# How many rows are checked between two reports of the progress: a report is a write to the cache.
PROGRESS_EVERY = 200


def _stored(need, name):
    return getattr(need, Need._meta.get_field(name).attname)


def _given(value):
    return value.pk if hasattr(value, "pk") else value


def _current(problems, row, stored, version):
    """Is the row's version the need's? Else report who changed the need since the download."""
    column = SHEET.column("version")
    if version is None or wb.is_bad(version):
        if version is None:
            problems.at(
                SHEET,
                row,
                column,
                "",
                _("%(reference)s already exists but the row has no version: download the workbook again")
                % {"reference": stored.reference},
            )
        return False
    if version == stored.version:
        return True
    problems.at(
        SHEET,
        row,
        column,
        version,
        conflict(stored, version).explained(
            after=_("this workbook was downloaded"),
            then=_("Download the workbook again and make your change there."),
        ),
    )
    return False


def _refused(problems, row, check):
    """Run a service's check; report its refusal on the row."""
    try:
        check()
    except WorkflowError as error:
        problems.at(SHEET, row, None, row.values.get("reference") or "", str(error))
        return True
    return False


def _resolve(row, lookups, problems):
    """The model values of a row by field name (related records as objects), or None when one of
    them is wrong (and reported)."""
    values = row.values
    ok = not (
        any(wb.is_bad(value) for value in values.values())
        or any(values.get(column.key) is None for column in SHEET.columns if column.required)
    )
    resolved = {}

    def find(key, lookup, field, empty):
        nonlocal ok
        value = values.get(key)
        if value is None or wb.is_bad(value):
            resolved[field] = empty
            return None
        try:
            found = lookup.find(value)
        except ValueError as error:
            problems.at(SHEET, row, SHEET.column(key), value, str(error))
            ok = False
            return None
        resolved[field] = found
        return found

    find("partner", lookups.partners, "partner", None)
    pillar = find("pillar", lookups.pillars, "pillar", None)
    resolved["area"] = None
    if values.get("area") is not None and not wb.is_bad(values["area"]) and pillar is not None:
        area_lookup = lookups.areas.get(pillar.pk)
        if area_lookup is None:
            problems.at(
                SHEET,
                row,
                SHEET.column("area"),
                values["area"],
                _("the cycle has no areas for %(pillar)s: leave the area empty") % {"pillar": pillar.acronym},
            )
            ok = False
        else:
            find("area", area_lookup, "area", None)
    find("need_type", lookups.types, "need_type", "")
    find("perspective", lookups.perspectives, "perspective", "")
    find("priority", lookups.priorities, "priority", "")
    find("responsible_institution", lookups.institutions, "responsible_institution", None)
    for key in ("title", "description", "justification"):
        value = values.get(key)
        resolved[key] = "" if value is None or wb.is_bad(value) else value
    return resolved if ok else None


def _apply(user, added, changed, outcome):
    """Write the checked rows through the services, all or nothing. Something that changed between
    the check and the write (a need saved, the cycle closed) is reported on its row, and nothing
    is written."""
    steps = [
        (row, partial(services.create_need, user=user, need=need, comment=UPLOAD_REASON)) for row, need in added
    ] + [
        (
            row,
            partial(
                services.update_need, user=user, need=stored, changes=changes, version=version, comment=UPLOAD_REASON
            ),
        )
        for row, stored, changes, version in changed
    ]
    problems = wb.Problems()
    current = None
    try:
        with transaction.atomic():
            for current, step in steps:  # noqa: B007 - `current` names the row a refusal is reported on
                step()
    except EditConflict as error:
        problems.at(SHEET, current, SHEET.column("version"), current.values.get("version"), str(error))
    except WorkflowError as error:
        problems.at(SHEET, current, None, current.values.get("reference") or "", str(error))
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            column = next((c for c in SHEET.columns if c.key == field), None)
            reason = str(UNUSABLE_REFERENCE) if field == "reference" else " ".join(messages)
            problems.at(SHEET, current, column, current.values.get(field, ""), reason)
    if problems:
        outcome.problems = wb.ordered(problems, [SHEET])
        outcome.added = outcome.changed = outcome.unchanged = 0
