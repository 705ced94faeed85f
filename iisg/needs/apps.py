from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "iisg.needs"
    label = "needs"

    def ready(self):
        from iisg.core.permissions import register
        from iisg.core.workbook import jobs
        from iisg.core.worklist import register as register_tasks

        from . import workbook, workbook_admin, worklist
        from .rules import RULES

        register(RULES)
        register_tasks(worklist.focal_point_tasks)
        register_tasks(worklist.secretariat_tasks)
        jobs.register("needs", workbook_admin.upload, sheets=[workbook.SHEET.name], model=self.get_model("Need"))
