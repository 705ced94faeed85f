"""The pages of the reports for their readers: the download of a generated report, and what changed
in the data since the Board adopted a report (its Board pack). Only to whoever may read them
(iisg.core.permissions)."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from iisg.core.choices import Verb
from iisg.core.permissions import can

from . import packs
from .models import BoardPack, Report
from .writers import CONTENT_TYPES


def _refused(request, obj):
    """The answer to someone who may not read `obj`: the sign-in page, or 403 once signed in."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def download(request, pk):
    report = get_object_or_404(Report, pk=pk)
    if not can(request.user, Verb.VIEW, report):
        return _refused(request, report)
    if report.status != Report.Status.DONE or not report.file:
        raise Http404
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=report.filename, content_type=CONTENT_TYPES[report.format]
    )
    patch_cache_control(response, private=True)
    return response


def pack_changes(request, pk):
    """What changed in the data since the Board adopted the report of Board pack `pk`."""
    pack = get_object_or_404(
        BoardPack.objects.select_related(
            "report__cycle", "report__pillar", "report__product_version__product", "report__requested_by"
        ),
        pk=pk,
    )
    if not can(request.user, Verb.VIEW, pack):
        return _refused(request, pack)
    try:
        kinds, damaged = packs.changes(pack), ""
    except packs.PackDamaged as error:
        kinds, damaged = [], str(error)
    response = render(
        request,
        "reports/pack_changes.html",
        {"pack": pack, "report": pack.report, "kinds": kinds, "damaged": damaged},
        status=500 if damaged else 200,
    )
    patch_cache_control(response, private=True)
    return response
