from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "iisg.needs"
    label = "needs"

    def ready(self):
        from iisg.core.permissions import register

        from .rules import RULES

        register(RULES)
