"""The needs workbook in the back office: download and upload pages on the needs change list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from iisg.core.permissions import viewer_of, visible
from iisg.core.workbook_admin import WorkbookAdminMixin
from iisg.directory.models import Partner

from . import workbook
from .choices import CycleKind, CycleStatus
from .models import Cycle


def default_cycle(cycles):
    """The open cycle if there is one, else the latest."""
    return cycles.filter(status=CycleStatus.OPEN).first() or cycles.first()


class NeedsWorkbookForm(forms.Form):
    """The cycle of the workbook; for the Secretariat also, optionally, one partner."""

    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), label=_("Cycle"))
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.all(), label=_("Partner"), required=False, empty_label=_("All partners")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cycles = visible(user, Cycle.objects.filter(kind=CycleKind.NEEDS))
        self.fields["cycle"].queryset = cycles
        self.fields["cycle"].initial = default_cycle(cycles)
        if not viewer_of(user).is_secretariat:
            del self.fields["partner"]


class NeedWorkbookAdmin(WorkbookAdminMixin):
    workbook_title = _("Needs workbook")
    choice_form = NeedsWorkbookForm

    def build_workbook(self, request, *, cycle, partner=None):
        return workbook.build_workbook(user=request.user, cycle=cycle, partner=partner)

    def upload_workbook(self, request, data, *, cycle, partner=None):
        return workbook.upload_workbook(user=request.user, cycle=cycle, data=data)

    def workbook_filename(self, *, cycle, partner=None):
        scope = f"-{partner.code}" if partner else ""
        return f"needs-{cycle.first_year}-{cycle.last_year}{scope}.xlsx"
