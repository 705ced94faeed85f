from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    """The support mapping: coverage, gaps and overlaps derived from needs and responses, the
    dashboards that show them, and the matcher that proposes responses for a person to review."""

    name = "iisg.analysis"
    label = "analysis"
    verbose_name = _("Support mapping")

    def ready(self):
        from iisg.core.pagecache import data_changed
        from iisg.core.permissions import register
        from iisg.core.worklist import register as register_tasks

        from . import receivers, worklist
        from .rules import RULES

        register(RULES)
        register_tasks(worklist.matcher_run_tasks)
        register_tasks(worklist.quality_tasks)
        data_changed.connect(receivers.data_changed, dispatch_uid="iisg.analysis.data_changed")
