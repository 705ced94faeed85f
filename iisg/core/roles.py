"""The roles exist wherever the database does: made after every migrate (and flush)."""

from .choices import Role


def create_roles(using="default", **kwargs):
    """Create the Django group of each role of DESIGN.md §3 that is missing."""
    from django.contrib.auth.models import Group

    for name in Role.values:
        Group.objects.using(using).get_or_create(name=name)
