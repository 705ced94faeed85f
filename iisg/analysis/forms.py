import datetime
from decimal import Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import ActionOrganisation, Response
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.choices import CycleKind, Priority
from iisg.needs.models import Area, Cycle

from .selectors import Scope, default_cycle, default_year
from .services import MIN_SCORE


class ScopeForm(forms.Form):
    """The filters of every support-mapping page, read from the query string.

    A value that is unknown or does not fit (an area of another cycle) is ignored rather than
    refused, so an old bookmark still opens; the form then shows what it actually filtered on.
    The public sees no donor filter: donors' portfolios are member detail.
    """

    cycle = forms.ModelChoiceField(
        label=_("Needs mapping"), queryset=Cycle.objects.filter(kind=CycleKind.NEEDS), required=False, empty_label=None
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    pillar = forms.ModelChoiceField(
        label=_("Pillar"), queryset=Pillar.objects.all(), to_field_name="code", required=False, empty_label=_("All")
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.all(), to_field_name="code", required=False, empty_label=_("All")
    )
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All"))
    priority = forms.ChoiceField(label=_("Priority"), choices=[("", _("All")), *Priority.choices], required=False)
    donor = forms.ModelChoiceField(
        label=_("Donor"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All"),
    )

    def __init__(self, data, *, members, today=None):
        data = data.copy()
        super().__init__(data)
        self.today = today or datetime.date.today()
        self.cycle = self._chosen_cycle(data)
        if self.cycle is not None:
            # Shown as chosen: the form is always bound, so defaults go into its data.
            data["cycle"] = str(self.cycle.pk)
            data.setdefault("year", str(default_year(self.cycle, self.today)))
            first = min(self.cycle.first_year - 3, self.today.year)
            last = max(self.cycle.last_year + 3, self.today.year)
            self.fields["year"].choices = [(year, str(year)) for year in range(last, first - 1, -1)]
            self.fields["area"].queryset = Area.objects.filter(cycle=self.cycle).select_related("pillar")
            # The donors of the cycle's confirmed responses: the only ones the filter can find.
            # From the responses inward, never through the actions table (100,000 rows at 10x).
            responded = Response.objects.filter(status=ResponseStatus.CONFIRMED, need__cycle=self.cycle)
            self.fields["donor"].queryset = Organisation.objects.filter(
                pk__in=ActionOrganisation.objects.filter(
                    role=OrganisationRole.FUNDING, action_id__in=responded.order_by().values("action_id")
                ).values("organisation_id")
            )
            self.fields["area"].label_from_instance = lambda area: f"{area.pillar.acronym} {area.code} {area.name}"
        if not members:
            del self.fields["donor"]

    def _chosen_cycle(self, data):
        field = self.fields["cycle"]
        self.cycle_error = None
        try:
            return field.clean(data.get("cycle")) or default_cycle()
        except forms.ValidationError as error:
            self.cycle_error = error
            return default_cycle()

    def refusals(self):
        """What the pages ignore, for the API to refuse: {parameter: [messages]} for each value
        that is unknown or does not fit, and for each filter given more than once."""
        refused = {name: [_("Give one value.")] for name in self.fields if len(self.data.getlist(name)) > 1}
        if self.cycle_error is not None:
            refused["cycle"] = self.cycle_error.messages
        elif self.cycle is not None and not self.is_valid():
            refused |= {name: list(errors) for name, errors in self.errors.items() if name not in refused}
        return refused

    def scope(self):
        """The Scope the valid filters describe, or None when there is no needs-mapping cycle."""
        if self.cycle is None:
            return None
        self.is_valid()  # invalid fields drop out of cleaned_data; the others still filter
        data = self.cleaned_data
        return Scope(
            cycle=self.cycle,
            year=data.get("year") or default_year(self.cycle, self.today),
            pillar=data.get("pillar"),
            partner=data.get("partner"),
            area=data.get("area"),
            priority=data.get("priority") or "",
            donor=data.get("donor"),
        )


SCORE_FIELD = {"min_value": Decimal(0), "max_value": Decimal(1), "max_digits": 5, "decimal_places": 4}


class StartMatcherForm(forms.Form):
    """What the matcher is started with (iisg.analysis.services.start_matching)."""

    min_score = forms.DecimalField(
        label=_("Do not keep proposals scoring below"),
        required=False,
        help_text=format_lazy(_("A score from 0 to 1. Empty: the matcher's default ({default})."), default=MIN_SCORE),
        **SCORE_FIELD,
    )


class ReviewProposalsForm(forms.Form):
    """Confirm or reject the chosen proposals of a run of the matcher (`proposals`: those that may
    be chosen); rejecting takes one comment for all."""

    CONFIRM, REJECT = "confirm", "reject"

    decision = forms.ChoiceField(choices=[(CONFIRM, _("Confirm selected")), (REJECT, _("Reject selected"))])
    responses = forms.ModelMultipleChoiceField(
        label=_("Proposals"),
        queryset=Response.objects.none(),
        error_messages={
            "required": _("Select at least one proposal."),
            "invalid_choice": _("A selected proposal was decided meanwhile: look at the list again."),
        },
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Required to reject; kept with each response."),
    )

    def __init__(self, *args, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responses"].queryset = proposals

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REJECT and not data.get("comment", "").strip():
            self.add_error("comment", _("Say why they are rejected."))
        return data


class RejectBelowForm(forms.Form):
    """Reject every undecided proposal of a run of the matcher scoring below a score."""

    score = forms.DecimalField(label=_("Reject all below score"), **SCORE_FIELD)
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Why they are rejected; kept with each response."),
        error_messages={"required": _("Say why they are rejected.")},
    )
