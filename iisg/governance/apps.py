from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "iisg.governance"
    label = "governance"
