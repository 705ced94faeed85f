from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "iisg.demo"
    label = "demo"
