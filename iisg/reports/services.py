"""Reports for the Board as business operations: asking for one (a queued Report that the worker
generates, iisg.reports.tasks) and publishing a generated one as an adopted product of the materials
page, frozen as the Board adopted it (DESIGN.md §7)."""

import os
import tempfile

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from iisg.analysis import selectors
from iisg.core.choices import Verb
from iisg.core.permissions import can, viewer_of
from iisg.core.storage import file_sha256
from iisg.directory.models import Pillar
from iisg.governance.choices import MeetingBody, ProductKind, ProductStatus
from iisg.governance.models import Product, ProductVersion
from iisg.needs.choices import CycleKind
from iisg.needs.errors import NotAllowed, WorkflowError

from . import packs
from .content import KINDS
from .models import BoardPack, Format, Report
from .tasks import generate_report

FIRST_YEAR, LAST_YEAR = 2000, 2100


class InvalidReport(WorkflowError):
    """What was asked does not make a report; `field` names the argument at fault, if one is."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.field = field


def check_arguments(*, kind, fmt, cycle=None, year=None, pillar=None):
    """Raise InvalidReport unless `kind` in `fmt` can be made of these arguments: the needs report
    needs a needs-mapping cycle (a pillar narrows it), the response report a year, the analysis
    report a needs-mapping cycle (and a year within it, if one is given)."""
    if kind not in KINDS:
        raise InvalidReport(_("Choose one of the reports: %(kinds)s.") % {"kinds": ", ".join(KINDS)}, field="kind")
    if fmt not in Format.values:
        raise InvalidReport(_("Choose PDF, XLSX or DOCX."), field="format")
    if kind in ("needs", "analysis"):
        if cycle is None:
            raise InvalidReport(_("The %(report)s needs a needs-mapping cycle.") % _report(kind), field="cycle")
        if cycle.kind != CycleKind.NEEDS:
            raise InvalidReport(
                _("The %(report)s needs a needs-mapping cycle, not a %(cycle)s.") % {**_report(kind), "cycle": cycle},
                field="cycle",
            )
    elif cycle is not None:
        raise InvalidReport(_("The %(report)s covers a year, not a cycle.") % _report(kind), field="cycle")
    if kind == "response" and year is None:
        raise InvalidReport(_("The %(report)s needs a year.") % _report(kind), field="year")
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidReport(
            _("The year must be between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field="year",
        )
    if kind == "analysis" and year is not None and not cycle.first_year <= year <= cycle.last_year:
        raise InvalidReport(
            _("The year of the analysis must be within its cycle (%(period)s).") % {"period": cycle.period},
            field="year",
        )
    if kind == "needs" and year is not None:
        raise InvalidReport(_("The %(report)s covers its cycle: leave the year empty.") % _report(kind), field="year")
    if pillar is not None and kind != "needs":
        raise InvalidReport(_("Only the needs mapping report is made for one pillar."), field="pillar")


def _report(kind):
    return {"report": str(KINDS[kind]).lower()}


@transaction.atomic
def request_report(*, user, kind, fmt, cycle=None, year=None, pillar=None):
    """Record a queued Report of `kind` in `fmt` asked for by `user`, and have the worker generate it
    once this transaction is committed, with the user's rights. The analysis report without a year
    covers the dashboards' default year of its cycle. Raises NotAllowed unless the user may generate
    reports (the Secretariat), InvalidReport when the arguments do not make a report."""
    if not can(user, Verb.ADD, Report):
        raise NotAllowed(_("Only the Secretariat generates reports for the Board."))
    check_arguments(kind=kind, fmt=fmt, cycle=cycle, year=year, pillar=pillar)
    if kind == "analysis" and year is None:
        year = selectors.default_year(cycle)
    report = Report(kind=kind, format=fmt, cycle=cycle, year=year, pillar=pillar, requested_by=user)
    report._history_user = user
    report._change_reason = _("Requested")
    report.save()
    transaction.on_commit(lambda: generate_report.enqueue(report.pk))
    return report


@transaction.atomic
def publish_report(*, user, report, decision, title=None):
    """Publish the generated `report` on the materials page as adopted by the Board's `decision`: a
    product of kind report (the one of the same name, or a new one), adopted, for the report's pillar
    or all pillars, with a new version holding a copy of the file, which does not change when the
    data does, nor when the report is generated again. What the report was built from is frozen
    with it as its Board pack (a BoardPack, iisg.reports.packs), from which it can be made again and
    compared with the data of any later day. All of it or nothing: a failure leaves no record and
    no file.

    Raises NotAllowed unless the user may publish (the Secretariat), InvalidReport when the report is
    not done, already published, or the decision is not the Board's. Answers the product.
    """
    if not can(user, Verb.ADD, Report) or not can(user, Verb.ADD, Product):
        raise NotAllowed(_("Only the Secretariat publishes reports for the Board."))
    report = Report.objects.select_for_update(of=("self",)).select_related("cycle", "pillar").get(pk=report.pk)
    if report.status != Report.Status.DONE or not report.file:
        raise InvalidReport(_("Only a generated report can be published."))
    if report.product_version_id is not None:
        raise InvalidReport(_("This report is already published as %(version)s.") % {"version": report.product_version})
    if decision is None or decision.meeting.body != MeetingBody.BOARD:
        raise InvalidReport(_("Choose the decision of the Board that adopted the report."), field="decision")
    reason = _("Published from the report generated on %(date)s") % {
        "date": timezone.localtime(report.finished_at).strftime("%Y-%m-%d %H:%M")
    }

    product = Product.objects.filter(kind=ProductKind.REPORT, slug=_slug(report)).first()
    if product is None:
        product = Product(kind=ProductKind.REPORT, slug=_unique_slug(_slug(report)))
    product.title = title or product.title or str(report)
    product.status = ProductStatus.ADOPTED
    product.adopted_by = decision
    _save(product, user, reason)
    product.pillars.set([report.pillar] if report.pillar_id else Pillar.objects.all())

    version = ProductVersion(
        product=product,
        version=_next_version(product),
        published_on=timezone.localdate(),
        notes=_("%(report)s, generated on %(date)s; SHA-256 %(sha256)s.")
        % {
            "report": report,
            "date": timezone.localtime(report.finished_at).strftime("%Y-%m-%d"),
            "sha256": report.sha256,
        },
    )
    stored = []
    try:
        with report.file.open("rb") as handle:
            version.file.save(os.path.basename(report.file.name), ContentFile(handle.read()), save=False)
        stored.append(version.file)
        _save(version, user, reason)

        report.product_version = version
        _save(report, user, _("Published as %(version)s") % {"version": version})
        pack = _freeze(report, user=user, reason=reason)
        stored.append(pack.file)
    except BaseException:
        for file in stored:
            file.delete(save=False)
        raise
    return product


def _freeze(report, *, user, reason):
    """The Board pack of `report` (iisg.reports.packs): written, stored with its size and SHA-256,
    and recorded. The pack is built for the viewer the report was generated for."""
    with tempfile.TemporaryDirectory(prefix="iisg-pack-") as folder:
        path = os.path.join(folder, "pack.sqlite3")
        tables = packs.write_pack(path, report=report, viewer=viewer_of(report.requested_by))
        pack = BoardPack(report=report, format_version=packs.FORMAT_VERSION, tables=tables)
        pack.size, pack.sha256 = os.path.getsize(path), file_sha256(path)
        with open(path, "rb") as handle:
            pack.file.save("pack.sqlite3", File(handle), save=False)
    try:
        _save(pack, user, reason)
    except BaseException:
        pack.file.delete(save=False)
        raise
    return pack


def _save(obj, user, reason):
    obj._history_user = user
    obj._change_reason = reason
    obj.save()


def _slug(report):
    """The product a report is a version of: one per report and scope (its name, without the date)."""
    return slugify(report.name or str(report))[:120]


def _unique_slug(slug):
    if not Product.objects.filter(slug=slug).exists():
        return slug
    number = 2
    while Product.objects.filter(slug=f"{slug[:115]}-{number}").exists():
        number += 1
    return f"{slug[:115]}-{number}"


def _next_version(product):
    numbers = [int(v) for v in product.versions.values_list("version", flat=True) if v.isdigit()]
    return str(max(numbers, default=0) + 1)
