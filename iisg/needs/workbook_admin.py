"""The needs workbook in the back office: download and upload pages on the needs change list."""

from django.utils.translation import gettext_lazy as _

from iisg.core.workbook_admin import WorkbookAdminMixin

from . import workbook
from .forms import NeedsWorkbookForm


def upload(*, user, data, cycle, partner=None, progress=None):
    """The upload of the needs workbook, in the request or in the background (registered as "needs"
    in NeedsConfig.ready): the partner chosen narrows the download only."""
    return workbook.upload_workbook(user=user, cycle=cycle, data=data, progress=progress)


class NeedWorkbookAdmin(WorkbookAdminMixin):
    workbook_title = _("Needs workbook")
    workbook_name = "needs"
    choice_form = NeedsWorkbookForm

    def build_workbook(self, request, *, cycle, partner=None):
        return workbook.build_workbook(user=request.user, cycle=cycle, partner=partner)

    def workbook_filename(self, *, cycle, partner=None):
        scope = f"-{partner.code}" if partner else ""
        return f"needs-{cycle.first_year}-{cycle.last_year}{scope}.xlsx"
