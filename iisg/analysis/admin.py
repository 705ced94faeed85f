"""The analysis in the back office: the matcher's step on the needs cycles."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Response
from iisg.core.admin import report
from iisg.core.choices import Verb
from iisg.core.permissions import can
from iisg.needs.admin import CycleAdmin
from iisg.needs.errors import WorkflowError

from .services import start_matching


@admin.action(description=_("Propose responses with the matcher"), permissions=["match"])
def propose_responses_selected(model_admin, request, queryset):
    """Start the matcher on each selected cycle (a background job); its proposals then wait in the
    proposed responses for the Secretariat."""
    for cycle in queryset:
        try:
            start_matching(cycle=cycle, user=request.user)
        except WorkflowError as error:
            report(model_admin, request, str(cycle), error)
        else:
            query = urlencode({"status__exact": ResponseStatus.PROPOSED, "need__cycle__id__exact": cycle.pk})
            model_admin.message_user(
                request,
                format_html(
                    _(
                        "The matcher is proposing responses to the needs of {cycle} in the background. "
                        'Review them in the <a href="{url}">proposed responses</a> when it is done.'
                    ),
                    cycle=cycle,
                    url=f"{reverse('admin:actions_response_changelist')}?{query}",
                ),
                messages.SUCCESS,
            )


def has_match_permission(model_admin, request):
    return can(request.user, Verb.REVIEW, Response)


# The cycles' admin belongs to the needs app, which knows nothing of the analysis: the step is added
# to it from here.
CycleAdmin.actions = [*CycleAdmin.actions, propose_responses_selected]
CycleAdmin.has_match_permission = has_match_permission
