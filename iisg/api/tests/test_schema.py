"""The OpenAPI description, its Swagger UI, and a property-based run of every operation against it.

The run (schemathesis) sends generated requests (valid by the description: ids of any size, any text) to each
operation, anonymous and with a Secretariat token, and checks every answer: no server error, a
documented status code and content type, and a body that matches the description. A second run
sends requests the description rules out, each of which must be refused with a 4xx. Both are
bounded (a few examples per operation, derandomised) so that they are quick and repeat in CI.
"""

import json
import re

import lxml.html
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from iisg.analysis import selectors
from iisg.analysis.tests import world as analysis_world
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.wsgi import application

from .factories import token_key

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 3
# Requests aimed at an existing record of each `{id}` address, on top of the generated ids.
AIMED = 1


def test_schema_is_served_as_openapi_3(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/needs/", "/api/actions/{id}/", "/api/coverage/", "/api/token/"} <= schema["paths"].keys()


def test_swagger_ui_has_no_inline_script_and_loads_nothing_from_another_host(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    scripts = page.xpath("//script")
    assert scripts
    for script in scripts:
        assert script.get("src"), "inline script"
        assert not (script.text or "").strip()
    addresses = [*page.xpath("//script/@src"), *page.xpath("//link/@href"), *page.xpath("//img/@src")]
    assert addresses
    assert all(address.startswith("/") and not address.startswith("//") for address in addresses), addresses
    # The split view serves its start-up script from our own address, as a file.
    init = next(src for src in page.xpath("//script/@src") if src.startswith("/api/docs/"))
    script = client.get(init)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert not re.search(r"https?://", script.content.decode())


@pytest.fixture
def fuzz_world(db):
    """Something behind every kind of address: the analysis world, an open cycle with drafts, events
    and products, and the first id of each resource to aim some of the requests at."""
    selectors.forget_computed()
    w = analysis_world.build()
    open_cycle = f.CycleFactory(first_year=2025, last_year=2026)
    f.NeedFactory(cycle=open_cycle, partner=w["albania"], pillar=w["borders"], status="draft", reference="AL-1")
    f.EventFactory()
    f.ProductVersionFactory(product=f.ProductFactory(status="adopted"))
    f.MembershipFactory(pillar=w["borders"], organisation=w["d1"])
    f.DecisionFactory()
    return w


def run(operation, *, headers, mode, examples, path_parameters=None, checks=CHECKS):
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    check()


def first_ids(schema_paths):
    """The id of an existing record for each `/api/<resource>/{id}/…` path."""
    from django.urls import resolve

    found = {}
    for path in schema_paths:
        if "{id}" not in path:
            continue
        view = resolve(path.replace("{id}", "1")).func
        model = view.cls.queryset.model
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            found[path] = first.pk
    return found


@pytest.fixture(scope="module")
def schema():
    """The description /api/schema/ serves (test_schema_is_served_as_openapi_3), made once."""
    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = application
    return loaded


@pytest.fixture
def one_connection():
    """Keep the test's database connection (and its transaction) across the WSGI requests, as
    Django's test client does: the handler would otherwise close it at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def headers_of(who, world):
    """No credentials, or the token of a Secretariat login or of a donor's (world's first donor)."""
    if who == "anonymous":
        return {}
    user = f.UserFactory(roles=[Role.SECRETARIAT if who == "secretariat" else Role.DONOR])
    if who == "donor":
        f.PersonFactory(user=user, organisation=world["d1"])
    return {"Authorization": f"Token {token_key(user)}"}


@pytest.mark.parametrize("who", ["anonymous", "secretariat", "donor"])
def test_every_operation_answers_as_described(schema, fuzz_world, one_connection, who):
    headers = headers_of(who, fuzz_world)
    existing = first_ids(schema.raw_schema["paths"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    # Deletions last, so that the other operations still find the records they aim at.
    operations.sort(key=lambda operation: operation.method.lower() == "delete")
    for operation in operations:
        run(operation, headers=headers, mode=GenerationMode.POSITIVE, examples=EXAMPLES)
        if operation.path in existing:
            aimed = {"id": existing[operation.path]}
            run(operation, headers=headers, mode=GenerationMode.POSITIVE, examples=AIMED, path_parameters=aimed)


NEGATIVE_CHECKS = [not_a_server_error, negative_data_rejection, content_type_conformance]
NEGATIVE_EXAMPLES = 2


@pytest.mark.parametrize("who", ["anonymous", "secretariat", "donor"])
def test_invalid_input_is_refused_with_a_client_error(schema, fuzz_world, one_connection, who):
    """Requests the description rules out (wrong types, missing fields, out-of-range values, in
    the body, the query and the address), anonymous and with a token (the Secretariat's reaches
    every write): each must be refused with a 4xx, never accepted and never a server error."""
    headers = headers_of(who, fuzz_world)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda operation: operation.method.lower() == "delete")
    fuzzed = []
    for operation in operations:
        try:
            run(operation, headers=headers, mode=GenerationMode.NEGATIVE, examples=NEGATIVE_EXAMPLES,
                checks=NEGATIVE_CHECKS)  # fmt: skip
        except Unsatisfiable:
            continue  # nothing in it can be invalid (no body, no parameter but a path id)
        fuzzed.append(f"{operation.method.upper()} {operation.path}")
    # Every list (its filters and paging), every body and the coverage filters: 27 operations today.
    assert len(fuzzed) >= 25, fuzzed
