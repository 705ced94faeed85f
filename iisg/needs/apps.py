from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "iisg.needs"
    label = "needs"

    def ready(self):
        from iisg.core.permissions import register
        from iisg.core.workbook import jobs

        from . import workbook, workbook_admin
        from .rules import RULES

        register(RULES)
        jobs.register("needs", workbook_admin.upload, sheets=[workbook.SHEET.name], model=self.get_model("Need"))
