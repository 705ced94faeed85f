"""The rules registry: each app registers the rules of its own models at start-up, one rule a model."""

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from simple_history.models import HistoricalChanges

from iisg.core.choices import Verb
from iisg.core.permissions import RULES, Rule, can, register, rule_for
from iisg.needs import rules as needs_rules
from iisg.needs.models import Need
from iisg.needs.rules import NeedRule


def test_every_model_of_the_platform_has_its_rule_once_the_apps_are_ready():
    platform = [config for config in apps.get_app_configs() if config.name.startswith("iisg.")]
    models = [m for config in platform for m in config.get_models() if not issubclass(m, HistoricalChanges)]
    ungoverned = []
    for model in models:
        try:
            rule_for(model)
        except LookupError:
            ungoverned.append(model._meta.label)
    assert models
    assert ungoverned == []
    for label in ["auth.user", "auth.group"]:
        assert isinstance(rule_for(apps.get_model(label)), Rule)


def test_a_model_without_a_rule_is_refused_naming_it():
    with pytest.raises(LookupError, match=r"No permission rule for sessions\.Session"):
        rule_for(Session)
    with pytest.raises(LookupError, match=r"sessions\.Session"):
        can(None, Verb.VIEW, Session())


def test_a_second_rule_for_a_model_is_refused():
    registered = RULES["needs.need"]
    with pytest.raises(ImproperlyConfigured, match=r"Two permission rules for needs\.Need: NeedRule and Rule"):
        register({"needs.need": Rule()})
    with pytest.raises(ImproperlyConfigured, match=r"needs\.Need"):
        register({Need: NeedRule()})
    assert RULES["needs.need"] is registered


def test_registering_an_apps_rules_again_changes_nothing():
    """Django may run AppConfig.ready() twice; the rules module, imported once, gives the same rules."""
    before = dict(RULES)
    register(needs_rules.RULES)
    register({Need: needs_rules.RULES["needs.need"]})
    assert before == RULES


def test_a_rule_for_a_model_that_does_not_exist_is_refused():
    with pytest.raises(LookupError, match="wish"):
        register({"needs.wish": Rule()})
    assert "needs.wish" not in RULES
