from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "iisg.actions"
    label = "actions"
