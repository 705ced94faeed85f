"""The IATI download of the actions a signed-in user may see."""

from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect

from . import export

ACTIONS_LIST = "admin:actions_action_changelist"


@login_required
def actions_xml(request):
    """/database/actions/iati.xml[?cycle=2022]: the actions the user may see, as IATI 2.03 XML,
    streamed an activity at a time. Nothing to export, or an unknown cycle: back to the actions
    list with a message saying why."""
    cycle = request.GET.get("cycle", "").strip()
    try:
        actions = export.exportable_actions(user=request.user, cycle=cycle)
    except export.UnknownCycle as error:
        messages.error(request, str(error))
        return redirect(ACTIONS_LIST)
    chunks = export.xml_chunks(actions)
    try:
        first = next(chunks)
    except export.NothingToExport as error:
        messages.warning(request, str(error))
        return redirect(ACTIONS_LIST)
    response = StreamingHttpResponse(chain([first], chunks), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.file_name(cycle)}"'
    return response
