from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "iisg.needs"
    label = "needs"
