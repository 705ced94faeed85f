"""The annual response-mapping round in the back office, on the actions list: the call of a donor or
implementer (its actions of the year, each confirmed unchanged in one click or updated through its
form), and the Secretariat's round page (who has answered, closing the round for review, recording
its adoption). The pages read iisg.actions.round and write through the services: confirm_unchanged
here, close_cycle_for_review and adopt_response_cycle of the needs mapping's cycles."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iisg.core.choices import Verb
from iisg.core.errors import WorkflowError
from iisg.core.permissions import can, viewer_of
from iisg.core.worklist import deadline
from iisg.directory.models import Organisation
from iisg.governance.choices import DecisionKind
from iisg.governance.models import Decision
from iisg.needs import services as cycles
from iisg.needs.choices import CycleStatus
from iisg.needs.models import Cycle

from . import round, services
from .models import Action

# The Secretariat follows a round until the Board adopted it.
ROUND_UNDER_WAY = (CycleStatus.OPEN, CycleStatus.IN_REVIEW)


class AdoptRoundForm(forms.Form):
    decision = forms.ModelChoiceField(
        label=gettext_lazy("Board decision"),
        queryset=Decision.objects.filter(kind=DecisionKind.ADOPT_CYCLE).select_related("meeting__event"),
        required=False,
        help_text=gettext_lazy("The decision that adopted the mapping; if none is on record, say why below."),
    )
    comment = forms.CharField(label=gettext_lazy("comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RoundAdminMixin:
    """The round's pages of the actions admin (see the module's docstring)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("round/<int:cycle_id>/", view(self.round_call_view), name="actions_action_round"),
            path(
                "round/<int:cycle_id>/confirm/<int:action_id>/",
                view(self.round_confirm_view),
                name="actions_action_round_confirm",
            ),
            path(
                "round/<int:cycle_id>/progress/", view(self.round_progress_view), name="actions_action_round_progress"
            ),
            path("round/<int:cycle_id>/close/", view(self.round_close_view), name="actions_action_round_close"),
            path("round/<int:cycle_id>/adopt/", view(self.round_adopt_view), name="actions_action_round_adopt"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "rounds": self.rounds_banner(request)}
        return super().changelist_view(request, extra_context)

    def rounds_banner(self, request):
        """The rounds the actions list points to: a donor's or implementer's calls in the open rounds,
        the Secretariat's round pages until adoption; none for other roles."""
        viewer = viewer_of(request.user)
        if viewer.is_secretariat:
            under_way = Cycle.objects.response_mapping().filter(status__in=ROUND_UNDER_WAY).latest_first()
            return [
                {
                    "cycle": cycle,
                    "url": reverse("admin:actions_action_round_progress", args=[cycle.pk]),
                    "label": _("Response mapping %(year)s: who has answered") % {"year": cycle.first_year},
                    "deadline": _deadline(cycle),
                }
                for cycle in under_way
            ]
        if viewer.writes_actions:
            return [
                {
                    "cycle": cycle,
                    "url": reverse("admin:actions_action_round", args=[cycle.pk]),
                    "label": _("Response mapping %(year)s — your actions") % {"year": cycle.first_year},
                    "deadline": _deadline(cycle),
                }
                for cycle in round.open_rounds()
            ]
        return []

    # A donor's or implementer's call

    def round_call_view(self, request, cycle_id):
        """The call of the user's organisation in the round; the Secretariat reads any organisation's
        (?organisation=<id>), and is sent to the round page without one."""
        cycle = _response_cycle(cycle_id)
        viewer = viewer_of(request.user)
        if viewer.is_secretariat:
            chosen = request.GET.get("organisation", "")
            if not chosen.isdigit():
                return HttpResponseRedirect(reverse("admin:actions_action_round_progress", args=[cycle.pk]))
            organisation = get_object_or_404(Organisation, pk=int(chosen))
            title = _("Response mapping %(year)s — actions of %(organisation)s") % {
                "year": cycle.first_year,
                "organisation": organisation,
            }
        elif viewer.writes_actions:
            organisation = get_object_or_404(Organisation, pk=viewer.organisation_id)
            title = _("Response mapping %(year)s — your actions") % {"year": cycle.first_year}
        else:
            raise PermissionDenied
        call = round.call_of(cycle, organisation)
        return self.round_page(
            request,
            "admin/actions/action/round_call.html",
            title,
            cycle=cycle,
            call=call,
            deadline=_deadline(cycle),
            is_open=cycle.status == CycleStatus.OPEN,
            chosen_organisation=organisation.pk if viewer.is_secretariat else None,
        )

    def round_confirm_view(self, request, cycle_id, action_id):
        """ "No change": confirm one action unchanged (services.confirm_unchanged), back to the call."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        cycle = _response_cycle(cycle_id)
        action = get_object_or_404(Action, pk=action_id)
        try:
            services.confirm_unchanged(user=request.user, action=action, cycle=cycle)
        except WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("“%(action)s” is confirmed unchanged for the %(year)s response mapping.")
                % {"action": action, "year": cycle.first_year},
                messages.SUCCESS,
            )
        url = reverse("admin:actions_action_round", args=[cycle.pk])
        organisation = request.POST.get("organisation", "")
        if organisation.isdigit():
            url += "?" + urlencode({"organisation": organisation})
        return HttpResponseRedirect(url)

    # The Secretariat's round page

    def round_progress_view(self, request, cycle_id):
        """Who has answered in the round, with the steps that follow: close for review, adoption."""
        cycle = _response_cycle(cycle_id)
        _refuse_unless_secretariat(request, cycle)
        return self.round_page(
            request,
            "admin/actions/action/round_progress.html",
            _("Response mapping %(year)s: who has answered") % {"year": cycle.first_year},
            cycle=cycle,
            progress=round.round_progress(cycle),
            deadline=_deadline(cycle),
            may_close=cycle.status == CycleStatus.OPEN,
            may_adopt=cycle.status in ROUND_UNDER_WAY,
            report_url=reverse("admin:reports_report_add"),
        )

    def round_close_view(self, request, cycle_id):
        """Close the round for review (services.close_cycle_for_review of the needs mapping)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        cycle = _response_cycle(cycle_id)
        try:
            cycles.close_cycle_for_review(user=request.user, cycle=cycle)
        except WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("%(cycle)s is closed for review.") % {"cycle": cycle}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:actions_action_round_progress", args=[cycle.pk]))

    def round_adopt_view(self, request, cycle_id):
        """Record the Board's adoption of the round (services.adopt_response_cycle)."""
        cycle = _response_cycle(cycle_id)
        _refuse_unless_secretariat(request, cycle)
        form = AdoptRoundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                cycles.adopt_response_cycle(user=request.user, cycle=cycle, **form.cleaned_data)
            except WorkflowError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, _("%(cycle)s is adopted.") % {"cycle": cycle}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:actions_action_round_progress", args=[cycle.pk]))
        return self.round_page(
            request,
            "admin/actions/action/round_adopt.html",
            _("Record the Board adoption of %(cycle)s") % {"cycle": cycle},
            cycle=cycle,
            form=form,
        )

    def round_page(self, request, template, title, **context):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **context}
        return TemplateResponse(request, template, context)


def _response_cycle(cycle_id):
    cycle = Cycle.objects.response_mapping().filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404(_("No response mapping with this number."))
    return cycle


def _refuse_unless_secretariat(request, cycle):
    if not can(request.user, Verb.CHANGE, cycle):
        raise PermissionDenied


def _deadline(cycle):
    return deadline(cycle.closes_on) if cycle.closes_on else ""
