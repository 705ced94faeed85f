from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "iisg.governance"
    label = "governance"

    def ready(self):
        from iisg.core.permissions import register

        from .rules import RULES

        register(RULES)
