from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "iisg.actions"
    label = "actions"

    def ready(self):
        from iisg.core import worklist
        from iisg.core.permissions import register
        from iisg.core.workbook import jobs

        from . import workbook, workbook_admin
        from .rules import RULES
        from .worklist import response_tasks, round_tasks

        register(RULES)
        worklist.register(round_tasks)
        worklist.register(response_tasks)
        jobs.register(
            "actions",
            workbook_admin.upload,
            sheets=[sheet.name for sheet in workbook.SHEETS],
            model=self.get_model("Action"),
        )
