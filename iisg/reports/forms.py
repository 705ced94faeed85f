"""The back office's forms of the reports for the Board: what to generate, and which Board decision
adopted a report that is published."""

from django import forms
from django.utils.translation import gettext_lazy as _

from iisg.directory.models import Pillar
from iisg.governance.choices import MeetingBody
from iisg.governance.models import Decision
from iisg.needs.choices import CycleKind
from iisg.needs.models import Cycle

from .content import KINDS
from .models import Format
from .services import FIRST_YEAR, LAST_YEAR, InvalidReport, check_arguments


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=list(KINDS.items()))
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.PDF)
    cycle = forms.ModelChoiceField(
        label=_("Needs-mapping cycle"),
        queryset=Cycle.objects.filter(kind=CycleKind.NEEDS),
        required=False,
        help_text=_("For the needs mapping and the analysis reports."),
    )
    year = forms.IntegerField(
        label=_("Year"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        required=False,
        help_text=_(
            "For the response mapping report; for the analysis report, a year of its cycle (empty: the "
            "dashboards' year)."
        ),
    )
    pillar = forms.ModelChoiceField(
        label=_("Pillar"),
        queryset=Pillar.objects.order_by("order"),
        required=False,
        empty_label=_("All pillars"),
        help_text=_("The needs mapping report may cover one pillar."),
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            check_arguments(
                kind=data["kind"],
                fmt=data["format"],
                cycle=data.get("cycle"),
                year=data.get("year"),
                pillar=data.get("pillar"),
            )
        except InvalidReport as refusal:
            self.add_error(refusal.field if refusal.field in self.fields else None, str(refusal))
        return data


class PublishForm(forms.Form):
    decision = forms.ModelChoiceField(
        label=_("Decision of the Board"),
        queryset=Decision.objects.filter(meeting__body=MeetingBody.BOARD).select_related("meeting__event"),
        help_text=_("The decision by which the Board adopted this report."),
    )
    title = forms.CharField(
        label=_("Title on the materials page"),
        max_length=300,
        required=False,
        help_text=_("Empty: the report's name and what it covers."),
    )
