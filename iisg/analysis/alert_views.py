"""The members' page "Data quality" at /database/quality/: the alerts each person must fix, by rule,
each with the link to fix it; the Secretariat silences or unsilences an alert with a reason, and
asks the job worker to run the rules again."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from iisg.core.errors import WorkflowError
from iisg.core.permissions import ADD, can, visible

from .alerts import alerts_for, last_checked, silence_alert, silences_for, unsilence_alert
from .models import Alert, SilencedAlert
from .tasks import check_data_quality_job
from .views import members_only


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=1000, widget=forms.TextInput(attrs={"size": 40}), required=True
    )


@members_only
def quality(request):
    """The alerts the user may see, by rule; for the Secretariat, the silenced ones too."""
    secretariat = can(request.user, ADD, SilencedAlert)
    return render(
        request,
        "analysis/quality.html",
        {
            "groups": alerts_for(request.user),
            "secretariat": secretariat,
            "silences": silences_for(request.user) if secretariat else [],
            "checked_at": last_checked(),
        },
    )


@require_POST
@members_only
def silence(request, pk):
    alert = get_object_or_404(visible(request.user, Alert.objects.all()), pk=pk)
    return _decide(
        request,
        lambda reason: silence_alert(user=request.user, alert=alert, reason=reason),
        _("The alert on “%(label)s” is silenced.") % {"label": alert.label},
    )


@require_POST
@members_only
def unsilence(request, pk):
    silenced = get_object_or_404(visible(request.user, SilencedAlert.objects.all()), pk=pk)
    return _decide(
        request,
        lambda reason: unsilence_alert(user=request.user, silence=silenced, reason=reason),
        _("The alert is shown again."),
    )


@require_POST
@members_only
def check_now(request):
    """Ask the job worker to run the rules now (the Secretariat)."""
    if not can(request.user, ADD, SilencedAlert):
        raise PermissionDenied
    check_data_quality_job.enqueue()
    messages.success(request, _("The checks will run in the background; reload the page in a minute."))
    return redirect("analysis:quality")


def _decide(request, step, done):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why."))
        return redirect("analysis:quality")
    try:
        step(form.cleaned_data["reason"])
    except WorkflowError as error:
        if isinstance(error, PermissionDenied):
            raise
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("analysis:quality")
