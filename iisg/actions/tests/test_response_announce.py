"""Each step of a response is announced (iisg.core.events) once, after its transaction commits,
with the response, the actor and the comment; a refused step announces nothing."""

import pytest

from iisg.actions import services
from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.core.choices import Role, Step
from iisg.core.tests import factories as f
from iisg.needs.choices import NeedStatus
from iisg.needs.errors import CommentRequired, NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def austria():
    return f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")


@pytest.fixture
def donor(austria):
    return f.user_with(Role.DONOR, organisation=austria)


@pytest.fixture
def secretariat():
    return f.user_with(Role.SECRETARIAT)


@pytest.fixture
def action(austria):
    action = f.ActionFactory(title="Border police capacity building")
    f.ActionOrganisationFactory(action=action, organisation=austria, role=OrganisationRole.FUNDING)
    return action


@pytest.fixture
def need():
    return f.NeedFactory(status=NeedStatus.ADOPTED, reference="RS-WBBSi-001")


@pytest.fixture
def proposed(action, need):
    return f.ResponseFactory(action=action, need=need, status=ResponseStatus.PROPOSED)


def steps(events):
    return [(event.step, event.target, event.actor, event.comment) for event in events]


def test_proposing_a_response_announces_it_once_after_commit(
    donor, action, need, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = services.propose_response(user=donor, action=action, need=need, comment="Covers the training")
        assert announced == []

    assert steps(announced) == [(Step.RESPONSE_PROPOSED, response, donor, "Covers the training")]


def test_a_refused_proposal_announces_nothing(need, announced, django_capture_on_commit_callbacks):
    stranger = f.user_with(Role.DONOR, organisation=f.OrganisationFactory())
    theirs = f.ActionFactory()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        services.propose_response(user=stranger, action=theirs, need=need)

    assert announced == []


def test_confirming_a_response_announces_it_once_after_commit(
    secretariat, proposed, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = services.confirm_response(user=secretariat, response=proposed, comment="Checked with the donor")
        assert announced == []

    assert steps(announced) == [(Step.RESPONSE_CONFIRMED, response, secretariat, "Checked with the donor")]


def test_a_refused_confirmation_announces_nothing(donor, proposed, announced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        services.confirm_response(user=donor, response=proposed)

    assert announced == []


def test_rejecting_a_response_announces_it_once_after_commit_with_the_reason(
    secretariat, proposed, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = services.reject_response(user=secretariat, response=proposed, comment="Another area")
        assert announced == []

    assert steps(announced) == [(Step.RESPONSE_REJECTED, response, secretariat, "Another area")]


def test_a_rejection_without_a_reason_announces_nothing(
    secretariat, proposed, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommentRequired):
        services.reject_response(user=secretariat, response=proposed, comment=" ")

    assert announced == []
