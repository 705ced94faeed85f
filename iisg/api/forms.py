import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken
from .services import latest_expiry

# A month, unless the longest lifetime allowed is shorter: a token the owner forgot should not
# outlive its use by much.
SUGGESTED_DAYS = 30


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for: the script or the machine that will use it."),
    )
    expires = forms.DateField(
        label=_("Works until"),
        help_text=_("The last day the token works."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today, latest = timezone.localdate(), latest_expiry()
        self.fields["expires"].initial = min(today + datetime.timedelta(days=SUGGESTED_DAYS), latest)
        self.fields["expires"].widget.attrs.update(min=today.isoformat(), max=latest.isoformat())
