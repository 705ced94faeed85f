"""When a website file and the curated tables disagree, the load stops and writes nothing, rather
than lose an event, a member or a date without a word."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from iisg.directory.models import Organisation
from iisg.events.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "published", "changed", "reported"),
    [
        (
            "events-2022.txt",
            "IISG meeting with RAI, in Sarajevo\n",
            "IISG meeting with RAI\n",
            "not found in the listing",
        ),
        (
            "events-2018-2019.txt",
            "Regional Risk Analysis Workshop\n",
            "Regional Risk Analysis Workshop 2018\n",
            "not found in the listing",
        ),
        ("pillar-wbbsi.txt", "Italy – Ministry of Interior;", "Italy – Ministry of the Interior;", "Support Group"),
        ("pillar-wbbsi.txt", "Communication Strategy and Action Plan;", "Communication Strategy;", "products"),
        (
            "pillar-wbbsi.txt",
            "Feb 08\n08 February 2024\n\nEuropean",
            "Feb 09\n09 February 2024\n\nEuropean",
            "is dated 09 February 2024",
        ),
        ("board-meeting-6th-2022.txt", "Monday, 20 June, 2022", "Tuesday, 21 June, 2022", "date line"),
    ],
)
def test_a_file_that_disagrees_with_the_tables_stops_the_load(settings, tmp_path, name, published, changed, reported):
    copy = tmp_path / "iisg-website"
    shared = Path(django_settings.SHARED_DATA_DIR)
    shutil.copytree(shared / "iisg-website", copy)
    for unchanged in ("fx", "iati"):  # the rates and codelists the load also reads
        (tmp_path / unchanged).symlink_to(shared / unchanged)
    text = (copy / name).read_text(encoding="utf-8")
    assert published in text
    (copy / name).write_text(text.replace(published, changed, 1), encoding="utf-8")
    settings.SHARED_DATA_DIR = tmp_path
    with pytest.raises(CommandError, match=reported):
        call_command("load_demo", "--no-logins", stdout=StringIO())
    assert not Event.objects.exists()
    assert not Organisation.objects.exists()
