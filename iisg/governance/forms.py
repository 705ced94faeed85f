from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ProductKind


class MaterialFilterForm(forms.Form):
    """The filters of the materials list; anything unknown is ignored rather than refused."""

    pillar = forms.ChoiceField(label=_("Pillar"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *ProductKind.choices])

    def __init__(self, *args, pillars, **kwargs):
        super().__init__(*args, **kwargs)
        self.pillars = {pillar.code: pillar for pillar in pillars}
        self.fields["pillar"].choices = [("", _("All pillars"))] + [(pillar.code, pillar.acronym) for pillar in pillars]

    def filters(self):
        """The valid filters as keyword arguments of `governance.selectors.materials`."""
        self.is_valid()  # an invalid field is left out of cleaned_data; the others still filter
        return {"pillar": self.pillars.get(self.cleaned_data.get("pillar")), "kind": self.cleaned_data.get("kind")}
