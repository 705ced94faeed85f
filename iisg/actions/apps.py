from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "iisg.actions"
    label = "actions"

    def ready(self):
        from iisg.core.permissions import register

        from .rules import RULES

        register(RULES)
