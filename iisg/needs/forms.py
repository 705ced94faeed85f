"""The forms of the needs mapping's back-office pages: opening and adopting a cycle, choosing the
cycle of a workbook."""

from django import forms
from django.utils.translation import gettext_lazy as _

from iisg.core.permissions import viewer_of, visible
from iisg.directory.models import Partner
from iisg.governance.choices import DecisionKind
from iisg.governance.models import Decision

from .models import Cycle


class DateInput(forms.DateInput):
    """The browser's own date picker, no script needed."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class OpenCycleForm(forms.Form):
    first_year = forms.IntegerField(label=_("first year"), min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label=_("last year"), min_value=2000, max_value=2100)
    opens_on = forms.DateField(label=_("opens on"), required=False, widget=DateInput())
    closes_on = forms.DateField(
        label=_("submission deadline"),
        required=False,
        widget=DateInput(),
        help_text=_("The focal points submit their needs by this date; they are reminded 7 days and 1 day before."),
    )
    review_closes_on = forms.DateField(
        label=_("review deadline"),
        required=False,
        widget=DateInput(),
        help_text=_("The Secretariat validates, returns or rejects the submitted needs by this date."),
    )
    copy_areas_from = forms.ModelChoiceField(
        label=_("copy the areas from"),
        queryset=Cycle.objects.needs_mapping(),
        required=False,
        empty_label=_("the latest needs cycle"),
    )
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        opens_on, closes_on, review_closes_on = (
            data.get(name) for name in ("opens_on", "closes_on", "review_closes_on")
        )
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", _("The submission deadline cannot be before the cycle opens."))
        if closes_on and review_closes_on and review_closes_on < closes_on:
            self.add_error("review_closes_on", _("The review cannot close before the submission deadline."))
        return data


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
