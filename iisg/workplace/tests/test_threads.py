"""The conversation on a need or a response: status changes and replies in order, nothing
overwritten, read and written with the rights of whoever takes part."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from iisg.actions.choices import ResponseStatus
from iisg.actions.services import reject_response
from iisg.core.choices import Role, Step
from iisg.core.errors import CommentRequired, NotAllowed
from iisg.core.tests import factories as f
from iisg.needs.choices import NeedStatus
from iisg.needs.services import return_need, submit_need, validate_need
from iisg.workplace.models import Comment
from iisg.workplace.threads import reply, thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(albania, serbia):
    pillar = f.PillarFactory(code="wbbsi")
    cycle = f.CycleFactory(first_year=2025, last_year=2026)
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT], first_name="Sara", last_name="Secretariat")
    focal_point = f.user_with(Role.FOCAL_POINT, partner=albania)
    need = f.NeedFactory(cycle=cycle, partner=albania, pillar=pillar, status=NeedStatus.DRAFT, reference="AL-1")
    return {
        "need": need,
        "secretariat": secretariat,
        "focal_point": focal_point,
        "serbian_focal_point": f.user_with(Role.FOCAL_POINT, partner=serbia),
        "member": f.user_with(Role.MEMBER),
    }


def test_every_step_and_reply_is_kept_in_order_with_its_author(world):
    need, secretariat, focal_point = world["need"], world["secretariat"], world["focal_point"]
    submit_need(user=focal_point, need=need)
    return_need(user=secretariat, need=need, comment="Say which border crossings.")
    reply(user=focal_point, target=need, text="Kakavija and Qafë Botë; done.")
    need.refresh_from_db()
    submit_need(user=focal_point, need=need)
    return_need(user=secretariat, need=need, comment="And the budget, please.")

    entries = thread(need, user=secretariat)

    assert [(entry.status, entry.text) for entry in entries] == [
        ("Draft", ""),
        ("Submitted", ""),
        ("Returned for changes", "Say which border crossings."),
        ("", "Kakavija and Qafë Botë; done."),
        ("Submitted", ""),
        ("Returned for changes", "And the budget, please."),
    ], "the first return's comment is still there after the second"
    assert entries[2].author == "Sara Secretariat"
    assert entries[3].author == focal_point.username
    assert entries[3].is_reply


def test_a_reply_tells_the_others_once_committed(world, django_capture_on_commit_callbacks, announced):
    with django_capture_on_commit_callbacks(execute=True):
        reply(user=world["secretariat"], target=world["need"], text="Could you add a justification?")
    assert [(event.step, event.target, event.actor, event.comment) for event in announced] == [
        (Step.COMMENTED, world["need"], world["secretariat"], "Could you add a justification?")
    ]


def test_who_may_not_read_the_need_can_neither_read_nor_join_its_conversation(world):
    draft = world["need"]  # another partner's draft: only its own focal points and the Secretariat see it
    with pytest.raises(NotAllowed):
        thread(draft, user=world["serbian_focal_point"])
    with pytest.raises(NotAllowed):
        reply(user=world["serbian_focal_point"], target=draft, text="Hello")
    with pytest.raises(NotAllowed):
        reply(user=AnonymousUser(), target=draft, text="Hello")
    assert not Comment.objects.exists()


def test_members_join_the_review_of_a_submitted_need(world):
    need = submit_need(user=world["focal_point"], need=world["need"])
    reply(user=world["member"], target=need, text="The Support Group supports this need.")
    assert thread(need, user=world["focal_point"])[-1].text == "The Support Group supports this need."


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_an_empty_or_overlong_reply_is_refused_and_nothing_kept(world, text):
    with pytest.raises(CommentRequired):
        reply(user=world["secretariat"], target=world["need"], text=text)
    assert not Comment.objects.exists()


def test_the_conversation_on_a_response_keeps_its_rejection_and_the_donors_answer(world):
    submit_need(user=world["focal_point"], need=world["need"])
    validate_need(user=world["secretariat"], need=world["need"])
    donor_organisation = f.OrganisationFactory()
    donor = f.user_with(Role.DONOR, organisation=donor_organisation)
    action = f.ActionFactory()
    f.ActionOrganisationFactory(action=action, organisation=donor_organisation)
    response = f.ResponseFactory(action=action, need=world["need"], status=ResponseStatus.PROPOSED)
    reject_response(user=world["secretariat"], response=response, comment="The action ended in 2020.")
    reply(user=donor, target=response, text="It was extended to 2027; see the amendment.")

    entries = thread(response, user=world["secretariat"])
    assert [(entry.status, entry.text) for entry in entries][-2:] == [
        ("Rejected", "The action ended in 2020."),
        ("", "It was extended to 2027; see the amendment."),
    ]


def test_the_reply_form_posts_and_comes_back_to_the_conversation(world, client):
    submit_need(user=world["focal_point"], need=world["need"])
    client.force_login(world["focal_point"])
    change_page = reverse("admin:needs_need_change", args=[world["need"].pk])
    answer = client.post(
        reverse("threads:reply", args=["needs.need", world["need"].pk]),
        {"text": "We added the crossings.", "next": change_page},
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"{change_page}#thread"
    assert Comment.objects.get().text == "We added the crossings."


def test_the_reply_form_refuses_other_records_and_unseen_ones(world, client):
    client.force_login(world["serbian_focal_point"])
    assert (
        client.post(reverse("threads:reply", args=["needs.need", world["need"].pk]), {"text": "x"}).status_code == 404
    )
    assert client.post(reverse("threads:reply", args=["auth.user", 1]), {"text": "x"}).status_code == 404
    next_elsewhere = {"text": "Fine.", "next": "https://elsewhere.example/"}
    client.force_login(world["secretariat"])
    answer = client.post(reverse("threads:reply", args=["needs.need", world["need"].pk]), next_elsewhere)
    assert answer["Location"].startswith("/admin/needs/need/"), "never sent off the site"
