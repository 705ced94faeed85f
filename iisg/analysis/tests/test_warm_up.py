"""Once a change is committed, the job worker computes the support mappings visitors will ask for
and keeps them in the shared cache: the next visitor's request computes nothing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from iisg.analysis import selectors
from iisg.analysis.selectors import Scope, mapping
from iisg.analysis.tasks import warm_support_mappings_job
from iisg.core.choices import Role
from iisg.core.tests import factories as f

from . import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_cache(settings, tmp_path):
    """A cache the web processes and the job worker share (files), as in production; the tests'
    own memory cache queues no warm-up."""
    settings.SUPPORT_MAPPING_WARM_UP = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }


@pytest.fixture
def computations(monkeypatch):
    """The scopes of the support mappings computed from here on (not read from a cache)."""
    computed = []
    compute = mapping._compute

    def counted(user, scope, **kwargs):
        computed.append(scope)
        return compute(user, scope, **kwargs)

    monkeypatch.setattr(mapping, "_compute", counted)
    return computed


def _queued_warm_ups():
    return DBTaskResult.objects.filter(task_path=warm_support_mappings_job.module_path)


@pytest.mark.django_db(transaction=True)
def test_committed_writes_queue_one_warm_up_job_when_the_cache_is_shared(shared_cache):
    w = world.build()  # every save commits at once here
    world._confirm(w["actions"]["a3"], w["needs"]["N6"])
    assert _queued_warm_ups().count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_queues_no_warm_up_job_when_the_cache_is_the_process_own(settings):
    settings.SUPPORT_MAPPING_WARM_UP = True
    w = world.build()
    world._confirm(w["actions"]["a3"], w["needs"]["N6"])
    assert not _queued_warm_ups().exists()


@pytest.mark.django_db(transaction=True)
def test_a_write_after_the_warm_up_started_queues_the_next_one_when_the_cache_is_shared(shared_cache):
    w = world.build()
    warm_support_mappings_job.call()
    world._confirm(w["actions"]["a3"], w["needs"]["N6"])
    assert _queued_warm_ups().count() == 2


def test_the_next_dashboard_computes_nothing_and_shows_the_change_when_the_warm_up_has_run(
    shared_cache, computations, client
):
    w = world.build()
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    scope = Scope(cycle=w["cycle"], year=selectors.default_year(w["cycle"]))
    assert sorted(need.reference for need in selectors.support_mapping(AnonymousUser(), scope).gaps) == [
        "N3",
        "N4",
        "N6",
    ]
    world._confirm(w["actions"]["a3"], w["needs"]["N6"])
    assert warm_support_mappings_job.call() == 2  # the public's and the Secretariat's
    selectors.forget_computed(keep_shared=True)  # a web process that computed nothing itself
    computations.clear()

    response = client.get(reverse("analysis:dashboard"))
    client.force_login(secretariat)
    signed_in = client.get(reverse("analysis:dashboard"))

    assert computations == []
    assert sorted(need.reference for need in response.context["mapping"].gaps) == ["N3", "N4"]
    assert sorted(need.reference for need in signed_in.context["mapping"].gaps) == ["N3", "N4"]


def test_a_focal_point_computes_a_mapping_of_its_own_when_the_warm_up_has_run(shared_cache, computations):
    w = world.build()
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    focal_point = f.user_with(Role.FOCAL_POINT, partner=w["kosovo"])
    scope = Scope(cycle=w["cycle"], year=selectors.default_year(w["cycle"]))
    world._confirm(w["actions"]["a3"], w["needs"]["N6"])
    warm_support_mappings_job.call()
    full_rights = selectors.support_mapping(secretariat, scope)
    selectors.forget_computed(keep_shared=True)
    computations.clear()

    seen = selectors.support_mapping(focal_point, scope)

    assert computations == [scope]
    assert seen is not full_rights
    assert {need.id for need in seen.needs} == {need.id for need in selectors.analysed_needs(focal_point, scope)}


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_queues_no_warm_up_job_when_the_warm_up_is_turned_off(shared_cache, settings):
    settings.SUPPORT_MAPPING_WARM_UP = False
    w = world.build()
    world._confirm(w["actions"]["a3"], w["needs"]["N6"])
    assert not _queued_warm_ups().exists()
