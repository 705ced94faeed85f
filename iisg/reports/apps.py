from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports for the Board (needs mapping, response mapping, analysis) as PDF, XLSX and DOCX,
    built from the same selectors as the pages."""

    name = "iisg.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from iisg.core.permissions import register
        from iisg.core.worklist import register as register_tasks

        from . import worklist
        from .rules import RULES

        register(RULES)
        register_tasks(worklist.report_tasks)
