from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "iisg.events"
    label = "events"
