"""The actions workbook in the back office: download and upload pages on the actions change list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from iisg.core.permissions import visible
from iisg.core.workbook_admin import WorkbookAdminMixin
from iisg.needs.choices import CycleKind
from iisg.needs.models import Cycle
from iisg.needs.workbook_admin import default_cycle

from . import workbook


class ActionsWorkbookForm(forms.Form):
    """The needs cycle whose needs the Responses sheet refers to."""

    cycle = forms.ModelChoiceField(
        queryset=Cycle.objects.none(),
        label=_("Needs cycle"),
        help_text=_("The Responses sheet links the actions to the needs of this cycle."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cycles = visible(user, Cycle.objects.filter(kind=CycleKind.NEEDS))
        self.fields["cycle"].queryset = cycles
        self.fields["cycle"].initial = default_cycle(cycles)


class ActionWorkbookAdmin(WorkbookAdminMixin):
    workbook_title = _("Actions workbook")
    choice_form = ActionsWorkbookForm

    def build_workbook(self, request, *, cycle):
        return workbook.build_workbook(user=request.user, cycle=cycle)

    def upload_workbook(self, request, data, *, cycle):
        return workbook.upload_workbook(user=request.user, cycle=cycle, data=data)

    def workbook_filename(self, *, cycle):
        return f"actions-needs-{cycle.first_year}-{cycle.last_year}.xlsx"
