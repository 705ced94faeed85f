"""core is the bottom layer: the domain apps import it, it imports none of them.

Each app registers its permission rules from its AppConfig.ready() instead, so a new import of a
domain app into core (even a lazy one inside a function) fails here rather than in review.
"""

import ast
from pathlib import Path

import iisg
import iisg.core

IISG = Path(iisg.__file__).parent
CORE = Path(iisg.core.__file__).parent
DOMAIN_APPS = frozenset(
    f"iisg.{package.name}"
    for package in IISG.iterdir()
    if package.name != "core" and (package / "__init__.py").exists()
)


def imported_modules(source, package):
    """Every module a module of `package` imports, relative imports resolved, at any depth."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            if module == "iisg":  # `from iisg import needs`, `from .. import needs`: the app itself
                yield from (f"iisg.{alias.name}" for alias in node.names)


def domain_imports(source, package):
    return sorted(
        {
            module
            for module in imported_modules(source, package)
            if any(module == app or module.startswith(f"{app}.") for app in DOMAIN_APPS)
        }
    )


def core_modules():
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE)
        if "tests" in relative.parts:
            continue
        parts = ("iisg", "core", *relative.parent.parts)
        yield path, ".".join(parts)


def test_core_imports_no_domain_app():
    offending = {
        str(path.relative_to(IISG.parent)): found
        for path, package in core_modules()
        if (found := domain_imports(path.read_text(encoding="utf-8"), package))
    }
    assert offending == {}


def test_the_walk_reads_every_module_of_core_but_its_tests():
    walked = {path.relative_to(CORE).as_posix() for path, _ in core_modules()}
    assert {"permissions.py", "admin.py", "management/commands/backup.py"} <= walked
    assert not any(name.startswith("tests/") for name in walked)
    assert {"iisg.needs", "iisg.actions", "iisg.governance", "iisg.api", "iisg.demo"} <= DOMAIN_APPS
    assert "iisg.core" not in DOMAIN_APPS


def test_a_domain_import_into_core_is_found_however_it_is_written():
    source = """
import iisg.events.models
from iisg.needs.choices import NeedStatus
from iisg import governance
from ..actions import models
from .. import reports


def lazily():
    from iisg.iati.models import ImportRun
"""
    assert domain_imports(source, "iisg.core") == [
        "iisg.actions",
        "iisg.events.models",
        "iisg.governance",
        "iisg.iati.models",
        "iisg.needs.choices",
        "iisg.reports",
    ]


def test_imports_within_core_and_of_django_are_allowed():
    source = """
from django.db.models import Q
from iisg.core.choices import Role
from .choices import Verb
from ...permissions import can
import iisg.core.text
"""
    assert domain_imports(source, "iisg.core.management.commands") == []
