"""The production mode refuses demo logins, which share a published password."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Response
from iisg.events.models import Event

pytestmark = pytest.mark.django_db


def test_production_mode_refuses_demo_logins_before_writing_anything(settings):
    settings.MODE = "production"
    with pytest.raises(CommandError, match="embedded mode"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.exists()
    assert not Event.objects.exists()


def test_production_mode_loads_the_demo_content_without_logins(settings):
    settings.MODE = "production"
    call_command("load_demo", "--no-logins", stdout=StringIO())
    assert Event.objects.count() == 37
    assert not User.objects.exists()
    confirmed = Response.objects.filter(status=ResponseStatus.CONFIRMED)
    assert confirmed.exists()
    assert not confirmed.filter(confirmed_by__isnull=False).exists()
