from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IatiConfig(AppConfig):
    name = "iisg.iati"
    label = "iati"
    verbose_name = _("IATI")

    def ready(self):
        from iisg.core.permissions import register
        from iisg.core.worklist import register as register_tasks

        from . import worklist
        from .rules import RULES

        register(RULES)
        register_tasks(worklist.import_run_tasks)
