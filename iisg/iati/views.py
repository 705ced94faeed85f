"""The IATI download of the actions a signed-in user may see: a page that says what the file holds
and what it leaves out (and why), and the file itself."""

from itertools import chain

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from iisg.actions.models import Action

from . import export


@login_required
def actions_download(request):
    """/database/actions/iati/[?cycle=2022]: how many actions the user may see (of the cycle), how
    many the IATI file holds, each one it leaves out with the reason, and the link to the file."""
    cycle = request.GET.get("cycle", "").strip()
    context = {
        **admin.site.each_context(request),
        "opts": Action._meta,
        "title": _("IATI download of the actions"),
        "cycle": cycle,
        "download_url": _with_cycle(reverse("iati:actions_xml"), cycle),
    }
    try:
        context["overview"] = export.overview(user=request.user, cycle=cycle)
    except export.UnknownCycle as error:
        context["cycle_error"] = str(error)
    return TemplateResponse(request, "admin/iati/actions_download.html", context)


@login_required
def actions_xml(request):
    """/database/actions/iati.xml[?cycle=2022]: the actions the user may see, as IATI 2.03 XML,
    streamed an activity at a time once every one has been checked. Nothing to export, or an
    unknown cycle: the download page, which says why."""
    cycle = request.GET.get("cycle", "").strip()
    page = _with_cycle(reverse("iati:actions_download"), cycle)
    try:
        actions = export.exportable_actions(user=request.user, cycle=cycle)
    except export.UnknownCycle:
        return redirect(page)
    chunks = export.xml_chunks(actions)
    try:
        first = next(chunks)
    except export.NothingToExport:
        return redirect(page)
    response = StreamingHttpResponse(chain([first], chunks), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.file_name(cycle)}"'
    return response


def _with_cycle(url, cycle):
    return f"{url}?{urlencode({'cycle': cycle})}" if cycle else url
