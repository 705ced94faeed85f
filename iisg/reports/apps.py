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

        from .rules import RULES

        register(RULES)
