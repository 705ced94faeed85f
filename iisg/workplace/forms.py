from django import forms
from django.utils.translation import gettext_lazy as _

from iisg.core.choices import Step

from .choices import Delivery
from .notify import DEFAULT_DELIVERY


class PreferencesForm(forms.Form):
    """How a user hears of each kind of notification by e-mail: one choice per step."""

    def __init__(self, *args, deliveries, **kwargs):
        super().__init__(*args, **kwargs)
        for step in Step:
            self.fields[step.value] = forms.ChoiceField(
                label=step.label,
                choices=Delivery.choices,
                initial=deliveries[step],
                help_text=_("Default: %(delivery)s") % {"delivery": DEFAULT_DELIVERY[step].label},
            )

    def deliveries(self):
        """The choices made, step → Delivery."""
        return {Step(name): Delivery(value) for name, value in self.cleaned_data.items()}
