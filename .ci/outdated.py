#!/usr/bin/env python3
"""List the direct dependencies that have a newer release, and fail when Django has a newer patch
release of the series the platform is on: Django's patch releases are its security fixes.

Asks the package index through uv (the Makefile's, pinned): `uv tree --outdated --depth 1` for the
list, and `uv lock --dry-run --upgrade-package django` for Django, which stays within the series
pyproject.toml allows (`django>=5.2.x,<5.3`) and so names the patch release to take even when a newer
series exists. Neither changes uv.lock. Run by .ci/run after the lint, and by `make outdated`.

Exit status: 0 when Django is current, 1 when a newer patch release is waiting (upgrade with
`uv lock --upgrade-package django`, raise the lower bound in pyproject.toml), 2 when uv fails.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = os.environ.get("UV", str(ROOT / ".tools" / "bin" / "uv"))

OUTDATED = re.compile(
    r"(?P<name>[A-Za-z0-9_.\-\[\]]+) v(?P<version>\S+)(?: \(group: \w+\))? \(latest: v(?P<latest>\S+)\)"
)
DJANGO_UPDATE = re.compile(r"^Update django v(?P<version>\S+) -> v(?P<latest>\S+)$", re.MULTILINE)


def outdated(tree):
    """[(name, locked version, latest version)] of the lines of `uv tree --outdated` that have a newer release."""
    return [match.group("name", "version", "latest") for match in OUTDATED.finditer(tree)]


def django_patch(dry_run):
    """(locked, newer) when `uv lock --dry-run --upgrade-package django` would take a newer Django
    of the allowed series, else None."""
    match = DJANGO_UPDATE.search(dry_run)
    return match.group("version", "latest") if match else None


def uv(*args):
    result = subprocess.run([UV, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit(2)
    # uv writes its report (the tree to stdout, the lock's changes to stderr) on both streams.
    return result.stdout + result.stderr


def main():
    for name, version, latest in outdated(uv("tree", "--frozen", "--outdated", "--depth", "1")):
        print(f"outdated: {name} {version} -> {latest}")
    patch = django_patch(uv("lock", "--dry-run", "--upgrade-package", "django"))
    if patch:
        print(
            f"Django {patch[0]} has a newer patch release, {patch[1]} (security fixes): run "
            f"`uv lock --upgrade-package django` and raise its lower bound in pyproject.toml.",
            file=sys.stderr,
        )
        return 1
    print("Django is on the latest patch release of its series.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
