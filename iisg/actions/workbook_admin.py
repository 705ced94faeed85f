"""The actions workbook in the back office: download and upload pages on the actions change list."""

from django.utils.translation import gettext_lazy as _

from iisg.core.workbook_admin import WorkbookAdminMixin
from iisg.needs.forms import NeedsCycleChoiceForm

from . import workbook


class ActionsWorkbookForm(NeedsCycleChoiceForm):
    """The needs cycle whose needs the Responses sheet refers to."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["cycle"].label = _("Needs cycle")
        self.fields["cycle"].help_text = _("The Responses sheet links the actions to the needs of this cycle.")


def upload(*, user, data, cycle, progress=None):
    """The upload of the actions workbook, in the request or in the background (registered as
    "actions" in ActionsConfig.ready)."""
    return workbook.upload_workbook(user=user, cycle=cycle, data=data, progress=progress)


class ActionWorkbookAdmin(WorkbookAdminMixin):
    workbook_title = _("Actions workbook")
    workbook_name = "actions"
    choice_form = ActionsWorkbookForm

    def build_workbook(self, request, *, cycle):
        return workbook.build_workbook(user=request.user, cycle=cycle)

    def workbook_filename(self, *, cycle):
        return f"actions-needs-{cycle.first_year}-{cycle.last_year}.xlsx"
