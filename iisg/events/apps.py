from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "iisg.events"
    label = "events"

    def ready(self):
        from iisg.core.permissions import register

        from .rules import RULES

        register(RULES)
