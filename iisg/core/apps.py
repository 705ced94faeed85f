from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "iisg.core"
    label = "core"
    verbose_name = "Platform"
