from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "iisg.directory"
    label = "directory"
