"""The CI step that fails while Django has a newer patch release (.ci/outdated.py), read from uv's
own words: no package index needed here."""

import importlib.util
from pathlib import Path

from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / ".ci" / "outdated.py"
spec = importlib.util.spec_from_file_location("outdated", SCRIPT)
outdated = importlib.util.module_from_spec(spec)
spec.loader.exec_module(outdated)

TREE = """Resolved 129 packages in 1ms
iisg-platform v0.1.0
├── django v5.2.19 (latest: v5.2.20)
├── django-axes v8.3.1
├── lxml v6.1.3 (latest: v6.2.1)
├── psycopg[binary] v3.3.9
└── playwright v1.65.2 (group: dev) (latest: v1.65.3)
"""


def test_the_outdated_direct_dependencies_are_listed_with_their_latest_release():
    assert outdated.outdated(TREE) == [
        ("django", "5.2.19", "5.2.20"),
        ("lxml", "6.1.3", "6.2.1"),
        ("playwright", "1.65.2", "1.65.3"),
    ]


def test_a_newer_django_patch_release_is_found_in_the_dry_run_of_the_lock():
    dry_run = "Resolved 129 packages in 1.49s\nUpdate django v5.2.19 -> v5.2.20\nUpdate playwright v1.65.2 -> v1.65.3\n"
    assert outdated.django_patch(dry_run) == ("5.2.19", "5.2.20")


def test_django_on_its_latest_patch_release_passes():
    assert outdated.django_patch("Resolved 129 packages in 1.26s\nUpdate playwright v1.65.2 -> v1.65.3\n") is None
    assert outdated.django_patch("Resolved 129 packages in 1.26s\nNo lockfile changes detected\n") is None
