from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplaceConfig(AppConfig):
    """The workplace: who is told what (notifications, mail, digests), what waits for whom, and the
    conversation on a need or a response. It sits above the domain apps and listens to the steps
    their services announce (iisg.core.events)."""

    name = "iisg.workplace"
    label = "workplace"
    verbose_name = _("Workplace")

    def ready(self):
        from iisg.core.events import step_done
        from iisg.core.permissions import register

        from . import receivers
        from .rules import RULES

        register(RULES)
        step_done.connect(receivers.step_done, dispatch_uid="iisg.workplace.step_done")
