"""The review list of a run of the matcher: its undecided proposals, highest score first, confirmed or
rejected many at once by the Secretariat, each batch all or nothing through the actions' services."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from iisg.actions.choices import ResponseStatus
from iisg.actions.services import confirm_response
from iisg.analysis import admin as analysis_admin
from iisg.analysis.models import MatcherRun
from iisg.analysis.selectors.runs import undecided_proposals
from iisg.analysis.services import confirm_proposals, reject_proposals, reject_proposals_below
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.needs.errors import CommentRequired, InvalidTransition, NotAllowed, WorkflowError

pytestmark = pytest.mark.django_db

OTHER_ROLES = [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER]


@pytest.fixture
def secretariat():
    return f.UserFactory(roles=[Role.SECRETARIAT])


@pytest.fixture
def run(secretariat):
    return MatcherRun.objects.create(cycle=f.CycleFactory(), created_by=secretariat, status=MatcherRun.Status.DONE)


def proposal(
    run, score, *, reference=None, title=None, partner=None, pillar=None, donor=None, terms=("border police",)
):
    """A response `run` proposed, scoring `score`, for a need of its cycle and an action of `donor`."""
    named = {"reference": reference} if reference else {}
    need = f.NeedFactory(
        cycle=run.cycle,
        partner=partner or f.PartnerFactory(code="ME"),
        pillar=pillar or f.PillarFactory(code="wbbsi"),
        **named,
    )
    action = f.ActionFactory(**({"title": title} if title else {}))
    f.ActionOrganisationFactory(action=action, organisation=donor or f.OrganisationFactory())
    response = f.ResponseFactory(
        need=need,
        action=action,
        status=ResponseStatus.PROPOSED,
        matcher_score=Decimal(score),
        matched_terms=list(terms),
    )
    run.proposals.add(response)
    return response


def review(run):
    return reverse("admin:analysis_matcherrun_review", args=[run.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def statuses(*responses):
    for response in responses:
        response.refresh_from_db()
    return [response.status for response in responses]


# The list


def test_the_review_list_shows_the_runs_undecided_proposals_highest_score_first(client, run):
    login(client, Role.SECRETARIAT)
    kosovo = f.PartnerFactory(code="XK")
    low = proposal(run, "0.2100", reference="XK-BS-2", title="Sniffer dogs", partner=kosovo)
    high = proposal(
        run,
        "0.8700",
        reference="XK-BS-1",
        title="Patrol boats on Lake Skadar",
        partner=kosovo,
        donor=f.OrganisationFactory(name="Austrian Development Agency", acronym="ADA"),
        terms=("patrol boats", "skadar"),
    )
    decided = proposal(run, "0.9900", reference="XK-BS-3")
    confirm_response(user=run.created_by, response=decided)
    other_run = MatcherRun.objects.create(cycle=run.cycle, status=MatcherRun.Status.DONE)
    elsewhere = proposal(other_run, "0.9500", reference="XK-BS-4")

    page = client.get(review(run)).content.decode()

    assert page.index("XK-BS-1") < page.index("XK-BS-2"), "highest score first"
    assert "XK-BS-3" not in page, "a decided proposal is not listed"
    assert elsewhere.need.reference not in page, "another run's proposal is not listed"
    row = page[page.index(f'id="proposal-{high.pk}"') : page.index("</tr>", page.index(f'id="proposal-{high.pk}"'))]
    assert "Patrol boats on Lake Skadar" in row
    assert high.need.title in row
    assert "Kosovo*" in row
    assert f"{high.need.area.code} {high.need.area.name}" in row
    assert "ADA" in row
    assert "0.8700" in row
    assert "patrol boats, skadar" in row
    assert 'id="designation-footnote"' in page
    assert f'id="proposal-{low.pk}"' in page
    assert "2 proposals of this run wait for a decision" in page


def test_the_review_list_is_paginated(client, run, monkeypatch):
    monkeypatch.setattr(analysis_admin, "REVIEW_PAGE_SIZE", 2)
    login(client, Role.SECRETARIAT)
    responses = [proposal(run, f"0.{90 - n}") for n in range(3)]

    first, second = client.get(review(run)).content.decode(), client.get(review(run) + "?page=2").content.decode()

    assert f'id="proposal-{responses[0].pk}"' in first
    assert f'id="proposal-{responses[2].pk}"' not in first
    assert f'id="proposal-{responses[2].pk}"' in second
    assert f'id="proposal-{responses[0].pk}"' not in second
    assert "Proposals 1–2 of 3" in first
    assert 'rel="next" href="?page=2"' in first


def test_the_review_list_makes_as_many_queries_for_many_proposals_as_for_few(
    client, run, django_assert_max_num_queries
):
    login(client, Role.SECRETARIAT)
    proposal(run, "0.5")
    client.get(review(run))  # the session, the content types: warm

    # 12, and 6 for why each proposal was made (learning.reasons): decisions, needs, the needs'
    # accepted sectors, the actions' sectors, organisations and years of the page's pairs.
    with django_assert_max_num_queries(18) as few:
        assert client.get(review(run)).status_code == 200
    for n in range(25):
        proposal(run, f"0.{n + 10}", donor=f.OrganisationFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(review(run)).status_code == 200


# Deciding from the list


def test_the_secretariat_confirms_the_selected_proposals(client, run):
    user = login(client, Role.SECRETARIAT)
    first, second, third = proposal(run, "0.9"), proposal(run, "0.8"), proposal(run, "0.7")

    response = client.post(review(run), {"decision": "confirm", "responses": [first.pk, second.pk], "comment": ""})

    assert response.status_code == 302
    assert response["Location"] == review(run)
    assert statuses(first, second, third) == [ResponseStatus.CONFIRMED, ResponseStatus.CONFIRMED, "proposed"]
    assert first.confirmed_by == user
    assert first.history.first().history_user == user
    assert messages_of(response) == ["2 proposals confirmed."]


def test_rejecting_the_selected_proposals_takes_one_comment_for_all(client, run):
    login(client, Role.SECRETARIAT)
    first, second = proposal(run, "0.9"), proposal(run, "0.8")

    refused = client.post(review(run), {"decision": "reject", "responses": [first.pk, second.pk], "comment": " "})
    assert refused.status_code == 200
    assert "Say why they are rejected." in refused.content.decode()
    assert statuses(first, second) == ["proposed", "proposed"]

    response = client.post(
        review(run), {"decision": "reject", "responses": [first.pk, second.pk], "comment": "Another area."}
    )

    assert statuses(first, second) == [ResponseStatus.REJECTED, ResponseStatus.REJECTED]
    assert [r.history.first().history_change_reason for r in (first, second)] == ["Another area."] * 2
    assert messages_of(response) == ["2 proposals rejected."]


def test_a_decision_needs_a_selection(client, run):
    login(client, Role.SECRETARIAT)
    waiting = proposal(run, "0.9")

    page = client.post(review(run), {"decision": "confirm", "comment": ""})

    assert page.status_code == 200
    assert "Select at least one proposal." in page.content.decode()
    assert statuses(waiting) == ["proposed"]


def test_the_secretariat_rejects_all_below_a_score_with_a_comment(client, run):
    login(client, Role.SECRETARIAT)
    kept, low, lower = proposal(run, "0.4000"), proposal(run, "0.2999"), proposal(run, "0.1")

    refused = client.post(review(run), {"decision": "reject_below", "below-score": "0.3", "below-comment": ""})
    assert "Say why they are rejected." in refused.content.decode()
    out_of_range = client.post(
        review(run), {"decision": "reject_below", "below-score": "1.5", "below-comment": "Too weak."}
    )
    assert "Ensure this value is less than or equal to 1." in out_of_range.content.decode()
    assert statuses(kept, low, lower) == ["proposed"] * 3

    below = {"decision": "reject_below", "below-score": "0.3", "below-comment": "Too weak."}
    response = client.post(review(run), below)

    assert statuses(kept, low, lower) == ["proposed", ResponseStatus.REJECTED, ResponseStatus.REJECTED]
    assert low.history.first().history_change_reason == "Too weak."
    assert messages_of(response) == ["2 proposals scoring below 0.3 rejected."]
    assert messages_of(client.post(review(run), below))[-1] == "No undecided proposal scores below 0.3."


def test_a_proposal_decided_meanwhile_refuses_the_whole_batch(client, run, secretariat):
    login(client, Role.SECRETARIAT)
    first, second = proposal(run, "0.9"), proposal(run, "0.8")
    confirm_response(user=secretariat, response=second)

    page = client.post(review(run), {"decision": "confirm", "responses": [first.pk, second.pk], "comment": ""})

    assert "A selected proposal was decided meanwhile" in page.content.decode()
    assert statuses(first) == ["proposed"]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_may_not_open_or_post_the_review_list(client, run, role):
    waiting = proposal(run, "0.9")
    login(client, role, partner=waiting.need.partner)

    assert client.get(review(run)).status_code == 403
    assert client.post(review(run), {"decision": "confirm", "responses": [waiting.pk]}).status_code == 403
    assert statuses(waiting) == ["proposed"]


def test_the_review_list_of_an_unknown_run_is_not_found(client):
    login(client, Role.SECRETARIAT)
    assert client.get(reverse("admin:analysis_matcherrun_review", args=[999])).status_code == 404


# The services


def test_a_batch_is_all_or_nothing_and_names_the_first_refused(run, secretariat):
    first = proposal(run, "0.9", reference="ME-BS-1")
    second = proposal(run, "0.8", reference="ME-BS-2", title="Sniffer dogs")
    third = proposal(run, "0.7", reference="ME-BS-3")
    confirm_response(user=secretariat, response=second)

    with pytest.raises(InvalidTransition) as refused:
        confirm_proposals(user=secretariat, run=run, responses=[first, second, third])

    assert str(refused.value).startswith("Nothing was decided: “Sniffer dogs” for ME-BS-2 was refused.")
    assert "already confirmed" in str(refused.value)
    assert statuses(first, third) == ["proposed", "proposed"], "the first, decided before the refusal, is undone"


def test_a_response_the_run_did_not_propose_is_refused(run, secretariat):
    own = proposal(run, "0.9")
    stranger = f.ResponseFactory(status=ResponseStatus.PROPOSED, matcher_score=Decimal("0.95"))

    with pytest.raises(WorkflowError, match="not a proposal of this run"):
        reject_proposals(user=secretariat, run=run, responses=[own, stranger], comment="No.")

    assert statuses(own, stranger) == ["proposed", "proposed"]


def test_rejecting_without_a_comment_is_refused(run, secretariat):
    waiting = proposal(run, "0.9")
    with pytest.raises(CommentRequired):
        reject_proposals(user=secretariat, run=run, responses=[waiting], comment="  ")
    with pytest.raises(CommentRequired):
        reject_proposals_below(user=secretariat, run=run, score=Decimal(1), comment="")
    assert statuses(waiting) == ["proposed"]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_the_secretariat_decides_proposals(run, role):
    waiting = proposal(run, "0.9")
    user = f.UserFactory(roles=[role])
    with pytest.raises(NotAllowed):
        confirm_proposals(user=user, run=run, responses=[waiting])
    with pytest.raises(NotAllowed):
        reject_proposals_below(user=user, run=run, score=Decimal(1), comment="No.")
    assert statuses(waiting) == ["proposed"]


def test_rejecting_below_a_score_leaves_the_others_and_answers_how_many(run, secretariat):
    kept, low = proposal(run, "0.3000"), proposal(run, "0.2999")

    assert reject_proposals_below(user=secretariat, run=run, score=Decimal("0.3"), comment="Too weak.") == 1

    assert statuses(kept, low) == ["proposed", ResponseStatus.REJECTED]
    assert list(undecided_proposals(run)) == [kept]
