from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    name = "iisg.website"
    label = "website"
