"""The download of a generated report: only to whoever may read it (iisg.core.permissions)."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control

from iisg.core.choices import Verb
from iisg.core.permissions import can

from .models import Report
from .writers import CONTENT_TYPES


def download(request, pk):
    report = get_object_or_404(Report, pk=pk)
    if not can(request.user, Verb.VIEW, report):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
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
