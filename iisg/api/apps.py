from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "iisg.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self):
        from iisg.core.permissions import register

        from . import signals
        from .rules import RULES

        register(RULES)
        signals.connect()
