"""Replying in the conversation on a need or a response (iisg.workplace.threads)."""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from iisg.core.errors import WorkflowError
from iisg.core.permissions import visible

from .threads import reply

# The records that have a conversation.
THREADED = {"needs.need", "actions.response"}


def _back(request, target):
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    meta = target._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[target.pk])


@login_required
@require_POST
def reply_view(request, label, pk):
    if label not in THREADED:
        raise Http404
    model = apps.get_model(label)
    # A record the user may not read answers as if it did not exist.
    target = get_object_or_404(visible(request.user, model._default_manager.all()), pk=pk)
    try:
        reply(user=request.user, target=target, text=request.POST.get("text", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your reply was added to the conversation."))
    return redirect(f"{_back(request, target)}#thread")
