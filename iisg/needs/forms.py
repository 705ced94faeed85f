"""The forms of the needs mapping's back-office pages: opening and adopting a cycle, choosing the
cycle of a workbook."""

from django import forms
from django.utils.translation import gettext_lazy as _

from iisg.core.permissions import viewer_of, visible
from iisg.directory.models import Partner
from iisg.governance.choices import DecisionKind
from iisg.governance.models import Decision

from .models import Cycle


class OpenCycleForm(forms.Form):
    first_year = forms.IntegerField(label=_("first year"), min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label=_("last year"), min_value=2000, max_value=2100)
    copy_areas_from = forms.ModelChoiceField(
        label=_("copy the areas from"),
        queryset=Cycle.objects.needs_mapping(),
        required=False,
        empty_label=_("the latest needs cycle"),
    )
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AdoptCycleForm(forms.Form):
    decision = forms.ModelChoiceField(
        label=_("Board decision"),
        queryset=Decision.objects.filter(kind=DecisionKind.ADOPT_CYCLE).select_related("meeting__event"),
        help_text=_("A decision that adopted a mapping."),
    )
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class NeedsCycleChoiceForm(forms.Form):
    """The needs cycle a workbook is of, among those the user may see, opening on the one at work."""

    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), label=_("Cycle"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cycles = visible(user, Cycle.objects.needs_mapping())
        self.fields["cycle"].queryset = cycles
        self.fields["cycle"].initial = cycles.at_work()


class NeedsWorkbookForm(NeedsCycleChoiceForm):
    """The cycle of the needs workbook; for the Secretariat also, optionally, one partner."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.all(), label=_("Partner"), required=False, empty_label=_("All partners")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if not viewer_of(user).is_secretariat:
            del self.fields["partner"]
