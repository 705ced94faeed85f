from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "iisg.directory"
    label = "directory"

    def ready(self):
        from iisg.core.permissions import register

        from .rules import RULES

        register(RULES)
