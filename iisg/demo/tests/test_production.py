"""The production mode refuses demo logins, which share a published password; the demo content is
then written by the demo loader, an account that cannot sign in."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from iisg.actions.choices import ResponseStatus
from iisg.actions.models import Response
from iisg.demo.actors import LOADER_USERNAME
from iisg.events.models import Event
from iisg.needs.models import Need

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
    (loader,) = User.objects.all()
    assert loader.username == LOADER_USERNAME
    assert not loader.has_usable_password()
    assert (loader.is_staff, loader.is_superuser) == (False, False)
    confirmed = Response.objects.filter(status=ResponseStatus.CONFIRMED)
    assert confirmed.exists()
    assert not confirmed.exclude(confirmed_by=loader).exists()
    assert {record.history_user for record in Need.history.all()} == {loader}
