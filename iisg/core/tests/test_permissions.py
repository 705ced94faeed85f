"""The permission matrix: each role × verb × own/other object, and the queryset rules agreeing with it."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import Action, Budget, Response
from iisg.api.tests.factories import token_key
from iisg.core.choices import Role, Verb
from iisg.core.permissions import RULES, can, permitted, visible
from iisg.directory.models import Person
from iisg.governance.choices import ProductStatus
from iisg.needs.choices import CycleStatus, NeedStatus
from iisg.needs.models import Need

from . import factories as f

V, A, C, D = Verb.VIEW, Verb.ADD, Verb.CHANGE, Verb.DELETE
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two partners, two organisations, one user per role, and objects each role owns or not."""
    albania = f.PartnerFactory(code="AL")
    serbia = f.PartnerFactory(code="RS")
    pillar = f.PillarFactory(code="wbbsi")
    austria = f.OrganisationFactory(name="Austria – Ministry of Interior", acronym="AT MoI")
    giz = f.OrganisationFactory(name="Deutsche Gesellschaft für Internationale Zusammenarbeit", acronym="GIZ")
    unodc = f.OrganisationFactory(name="United Nations Office on Drugs and Crime", acronym="UNODC")
    open_cycle = f.CycleFactory(first_year=2025, last_year=2026, status=CycleStatus.OPEN)
    adopted_cycle = f.CycleFactory(first_year=2021, last_year=2022, status=CycleStatus.ADOPTED)

    users = {"anonymous": AnonymousUser()}
    users["secretariat"] = f.UserFactory(roles=[Role.SECRETARIAT])
    users["member"] = f.UserFactory(roles=[Role.MEMBER])
    users["focal_point"] = f.UserFactory(roles=[Role.FOCAL_POINT])
    f.PersonFactory(user=users["focal_point"], partner=albania)
    users["donor"] = f.UserFactory(roles=[Role.DONOR])
    f.PersonFactory(user=users["donor"], organisation=austria)
    users["implementer"] = f.UserFactory(roles=[Role.IMPLEMENTER])
    f.PersonFactory(user=users["implementer"], organisation=giz)
    users["superuser"] = f.UserFactory(is_superuser=True)

    def need(partner, status, cycle=open_cycle):
        return f.NeedFactory(cycle=cycle, partner=partner, pillar=pillar, status=status)

    own_action = f.ActionFactory(title="Border police capacity building")
    f.ActionOrganisationFactory(action=own_action, organisation=austria, role=OrganisationRole.FUNDING)
    f.ActionOrganisationFactory(action=own_action, organisation=giz, role=OrganisationRole.IMPLEMENTING)
    other_action = f.ActionFactory(title="Countering illicit financial flows")
    f.ActionOrganisationFactory(action=other_action, organisation=unodc, role=OrganisationRole.IMPLEMENTING)
    needs = {
        "draft_own": need(albania, NeedStatus.DRAFT),
        "draft_other": need(serbia, NeedStatus.DRAFT),
        "returned_own": need(albania, NeedStatus.RETURNED),
        "submitted_own": need(albania, NeedStatus.SUBMITTED),
        "submitted_other": need(serbia, NeedStatus.SUBMITTED),
        "adopted_own": need(albania, NeedStatus.ADOPTED, adopted_cycle),
        "draft_own_closed_cycle": need(albania, NeedStatus.DRAFT, adopted_cycle),
        "rejected_other": f.NeedFactory(
            cycle=open_cycle, partner=serbia, pillar=pillar, status=NeedStatus.REJECTED, review_comment="Out of scope."
        ),
    }
    return {
        "users": users,
        "needs": needs,
        "albania": albania,
        "serbia": serbia,
        "pillar": pillar,
        "open_cycle": open_cycle,
        "own_action": own_action,
        "other_action": other_action,
        "own_response": f.ResponseFactory(action=own_action, need=needs["submitted_own"]),
        "other_response": f.ResponseFactory(action=other_action, need=needs["submitted_other"]),
    }


def allowed(world, role, verbs, target):
    user = world["users"][role]
    return "".join(v[0].upper() if can(user, v, target) else "-" for v in verbs)


CRUD = [V, A, C, D]

# Expected answers as view/add/change/delete letters, "-" where refused.
NEED_MATRIX = {
    # draft own, draft other, returned own, submitted own, submitted other, adopted own, closed draft own,
    # rejected other
    "anonymous": ["----", "----", "----", "----", "----", "----", "----", "----"],
    "member": ["----", "----", "----", "V---", "V---", "V---", "----", "V---"],
    "focal_point": ["VACD", "----", "V-C-", "VA--", "V---", "V---", "V---", "V---"],
    "donor": ["----", "----", "----", "V---", "V---", "V---", "----", "----"],
    "implementer": ["----", "----", "----", "V---", "V---", "V---", "----", "----"],
    "secretariat": ["VACD", "VACD", "VACD", "VACD", "VACD", "V---", "VACD", "VACD"],
    "superuser": ["VACD", "VACD", "VACD", "VACD", "VACD", "V---", "VACD", "VACD"],
}
NEED_KEYS = ["draft_own", "draft_other", "returned_own", "submitted_own", "submitted_other", "adopted_own"]
NEED_KEYS += ["draft_own_closed_cycle", "rejected_other"]


@pytest.mark.parametrize("role", list(NEED_MATRIX))
def test_need_matrix(world, role):
    got = [allowed(world, role, CRUD, world["needs"][key]) for key in NEED_KEYS]
    assert dict(zip(NEED_KEYS, got, strict=True)) == dict(zip(NEED_KEYS, NEED_MATRIX[role], strict=True))


def test_partner_focal_point_cannot_edit_other_partners_need(world):
    focal_point = world["users"]["focal_point"]
    serbian_draft = world["needs"]["draft_other"]
    assert not can(focal_point, V, serbian_draft)
    assert not can(focal_point, C, serbian_draft)
    assert serbian_draft not in visible(focal_point, Need.objects.all())


def test_partner_focal_point_may_add_a_need_only_for_its_partner_in_an_open_cycle(world):
    focal_point = world["users"]["focal_point"]
    new = Need(cycle=world["open_cycle"], partner=world["albania"], pillar=world["pillar"], status=NeedStatus.DRAFT)
    assert can(focal_point, A, new)
    new.partner = world["serbia"]
    assert not can(focal_point, A, new)
    assert can(focal_point, A, Need), "the add button shows: some need may be added"
    assert not can(world["users"]["donor"], A, Need)


@pytest.mark.parametrize("role", ["anonymous", "member", "donor", "implementer"])
def test_only_focal_points_and_the_secretariat_write_some_need(world, role):
    user = world["users"][role]
    assert [can(user, verb, Need) for verb in [A, C, D, Verb.REVIEW]] == [False] * 4


def test_only_the_secretariat_reviews_needs_and_never_an_adopted_one(world):
    submitted = world["needs"]["submitted_own"]
    assert can(world["users"]["secretariat"], Verb.REVIEW, submitted)
    for role in ["focal_point", "member", "donor", "anonymous"]:
        assert not can(world["users"][role], Verb.REVIEW, submitted), role
    assert not can(world["users"]["secretariat"], Verb.REVIEW, world["needs"]["adopted_own"])


ACTION_MATRIX = {
    #               own action, other action
    "anonymous": ["----", "----"],
    "member": ["V---", "V---"],
    "focal_point": ["V---", "V---"],
    "donor": ["VACD", "VA--"],
    "implementer": ["VACD", "VA--"],
    "secretariat": ["VACD", "VACD"],
}


@pytest.mark.parametrize("role", list(ACTION_MATRIX))
def test_action_matrix(world, role):
    got = [allowed(world, role, CRUD, world[key]) for key in ["own_action", "other_action"]]
    assert got == ACTION_MATRIX[role]


@pytest.mark.parametrize("role", ["donor", "implementer"])
def test_donor_may_not_delete_its_action_once_a_response_is_confirmed(world, role):
    world["own_response"].status = ResponseStatus.CONFIRMED
    world["own_response"].confirmed_at = timezone.now()
    world["own_response"].save()
    user = world["users"][role]
    assert can(user, C, world["own_action"])
    assert not can(user, D, world["own_action"])
    assert world["own_action"] not in permitted(user, D, Action.objects.all())
    assert can(world["users"]["secretariat"], D, world["own_action"])


def test_budgets_follow_their_action(world):
    own = f.BudgetFactory(action=world["own_action"])
    other = f.BudgetFactory(action=world["other_action"])
    donor = world["users"]["donor"]
    assert allowed(world, "donor", CRUD, own) == "VACD"
    assert allowed(world, "donor", CRUD, other) == "V---"
    assert can(donor, A, Budget(action=world["own_action"]))
    assert not can(donor, A, Budget(action=world["other_action"]))
    assert allowed(world, "anonymous", CRUD, own) == "----"


RESPONSE_MATRIX = {
    #               own proposed, other proposed, own confirmed (view/add/change/delete/review)
    "anonymous": ["-----", "-----", "-----"],
    "member": ["V----", "V----", "V----"],
    "focal_point": ["V----", "V----", "V----"],
    "donor": ["VACD-", "V----", "V----"],
    "implementer": ["VACD-", "V----", "V----"],
    "secretariat": ["VACDR", "VACDR", "VACDR"],
}


@pytest.mark.parametrize("role", list(RESPONSE_MATRIX))
def test_response_matrix(world, role):
    confirmed = f.ResponseFactory(
        action=world["own_action"],
        need=world["needs"]["adopted_own"],
        status=ResponseStatus.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    verbs = [*CRUD, Verb.REVIEW]
    got = [allowed(world, role, verbs, r) for r in [world["own_response"], world["other_response"], confirmed]]
    assert got == RESPONSE_MATRIX[role]


def test_public_sees_published_events_and_adopted_products_only(world):
    anonymous, member = world["users"]["anonymous"], world["users"]["member"]
    published = f.EventFactory(is_published=True)
    draft_event = f.EventFactory(is_published=False)
    adopted = f.ProductFactory(status=ProductStatus.ADOPTED)
    in_process = f.ProductFactory(status=ProductStatus.IN_PROCESS)
    assert can(anonymous, V, published)
    assert not can(anonymous, V, draft_event)
    assert not can(member, V, draft_event)
    assert can(world["users"]["secretariat"], V, draft_event)
    assert can(anonymous, V, adopted)
    assert not can(anonymous, V, in_process)
    assert can(member, V, in_process)
    assert not can(anonymous, V, f.ProductVersionFactory(product=in_process))
    for role in ["anonymous", "member", "donor", "focal_point"]:
        assert allowed(world, role, [A, C, D], published) == "---", role
        assert allowed(world, role, [A, C, D], adopted) == "---", role
    assert allowed(world, "secretariat", [A, C, D], published) == "ACD"


def test_meetings_and_decisions_are_public_while_their_event_is_published(world):
    published = f.DecisionFactory()
    unpublished = f.DecisionFactory(meeting=f.MeetingFactory(event=f.EventFactory(is_published=False)))
    for role in ["anonymous", "member", "donor", "focal_point"]:
        assert allowed(world, role, CRUD, published.meeting) == "V---", role
        assert allowed(world, role, CRUD, published) == "V---", role
        assert allowed(world, role, CRUD, unpublished.meeting) == "----", role
        assert allowed(world, role, CRUD, unpublished) == "----", role
    assert allowed(world, "secretariat", CRUD, unpublished.meeting) == "VACD"
    assert allowed(world, "secretariat", CRUD, unpublished) == "VACD"


def test_contact_people_are_private(world):
    donor_person = world["users"]["donor"].person
    assert allowed(world, "anonymous", CRUD, donor_person) == "----"
    assert allowed(world, "member", CRUD, donor_person) == "----"
    assert allowed(world, "donor", CRUD, donor_person) == "V---", (
        "a person reads their own record, which carries their rights"
    )
    assert allowed(world, "secretariat", CRUD, donor_person) == "VACD"
    assert list(visible(world["users"]["member"], Person.objects.all())) == []


def test_directory_is_public_and_written_by_the_secretariat(world):
    for obj in [world["albania"], world["pillar"], world["own_action"].participations.first().organisation]:
        assert allowed(world, "anonymous", CRUD, obj) == "V---"
        assert allowed(world, "focal_point", CRUD, obj) == "V---"
        assert allowed(world, "secretariat", CRUD, obj) == "VACD"


def test_cycles_are_read_by_members_and_written_by_the_secretariat(world):
    cycle = world["open_cycle"]
    assert allowed(world, "anonymous", CRUD, cycle) == "----"
    assert allowed(world, "member", CRUD, cycle) == "V---"
    assert allowed(world, "secretariat", CRUD, cycle) == "VACD"


def test_an_inactive_user_has_no_rights(world):
    secretariat = world["users"]["secretariat"]
    secretariat.is_active = False
    secretariat.save()
    secretariat.refresh_from_db()
    assert not can(secretariat, V, world["needs"]["submitted_own"])


def test_a_role_without_its_scope_writes_nothing(world):
    """A focal point not tied to a partner, or a donor not tied to an organisation, only reads."""
    lost_focal_point = f.UserFactory(roles=[Role.FOCAL_POINT])
    lost_donor = f.UserFactory(roles=[Role.DONOR])
    assert not can(lost_focal_point, A, Need)
    assert not can(lost_focal_point, C, world["needs"]["draft_own"])
    assert not can(lost_donor, A, Action)
    assert can(lost_donor, V, world["own_action"])


def _iati_children(*, own, other):
    """One of each IATI child record, on both sides of the donor's scope, and the reference data."""
    from datetime import date

    from iisg.actions.models import (
        DocumentLink,
        ExchangeRate,
        PlannedDisbursement,
        PolicyMarker,
        Recipient,
        RelatedActivity,
    )
    from iisg.iati.models import CodelistEntry, ImportChange, ImportRun

    for action in (own, other):
        PlannedDisbursement.objects.create(action=action, period_start=date(2025, 1, 1), value=1, currency="EUR")
        Recipient.objects.create(action=action, kind=Recipient.Kind.COUNTRY, code="AL")
        DocumentLink.objects.create(action=action, url="https://example.org/report.pdf")
        PolicyMarker.objects.create(action=action, code="1", significance=1)
        RelatedActivity.objects.create(action=action, relation=1, ref="XM-DAC-41114-1")
    ExchangeRate.objects.create(currency="EUR", month=date(2025, 1, 1), value=1)
    CodelistEntry.objects.create(codelist="Sector", code="15210", name="Security system management and reform")
    run = ImportRun.objects.create(source_name="activities.xml")
    ImportChange.objects.create(run=run, action=own, iati_identifier="XM-DAC-41114-1", kind="created", version_after=1)


def _workplace_rows(users, *, about):
    """A notification, a preference and a mail of each user, and a comment on a response."""
    from iisg.workplace.models import Comment, Mail, Notification, Preference

    for user in users:
        if not user.is_authenticated:
            continue
        Notification.objects.create(recipient=user, step="commented", title="A reply", delivery="at_once")
        Preference.objects.create(user=user, step="commented", delivery="digest")
        Mail.objects.create(recipient=user, to=user.email or "x@example.org", subject="Hello", text="Hello")
        Comment.objects.create(target=about, author=user, text="Seen.")


def _quality_alerts(world):
    """A data-quality alert on each action and on a need of each partner, one of them silenced."""
    alert, silenced = apps.get_model("analysis", "Alert"), apps.get_model("analysis", "SilencedAlert")
    abouts = [{"action": world["own_action"]}, {"action": world["other_action"]}]
    abouts += [{"need": world["needs"]["submitted_own"]}, {"need": world["needs"]["submitted_other"]}]
    for about in abouts:
        (record,) = about.values()
        alert.objects.create(
            rule="ended",
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            label=str(record),
            reason="Ended",
            fix_url="/",
            found_at=timezone.now(),
            **about,
        )
    first = alert.objects.first()
    silenced.objects.create(rule=first.rule, content_type=first.content_type, object_id=first.object_id, reason="Known")


def _every_object_of(model):
    return list(model._default_manager.all())


@pytest.mark.parametrize("label", sorted(RULES))
def test_queryset_rules_agree_with_object_rules(world, label):
    """For every user, model and verb, permitted() returns exactly the objects can() allows."""
    model = apps.get_model(label)
    f.EventFactory(is_published=False)
    f.ProductVersionFactory(product=f.ProductFactory(status=ProductStatus.ADOPTED))
    f.ProductVersionFactory(product=f.ProductFactory(status=ProductStatus.IN_PROCESS))
    f.BudgetFactory(action=world["own_action"])
    f.TransactionFactory(action=world["other_action"])
    f.ActionSectorFactory(action=world["own_action"])
    _iati_children(own=world["own_action"], other=world["other_action"])
    f.DecisionFactory()
    f.DecisionFactory(meeting=f.MeetingFactory(event=f.EventFactory(is_published=False)))
    apps.get_model("actions", "RoundAnswer").objects.create(
        cycle=f.CycleFactory(kind="response", first_year=2022, last_year=2022),
        action=world["own_action"],
        answer="confirmed",
        answered_at=timezone.now(),
    )
    report = apps.get_model("reports", "Report").objects.create(kind="needs")
    apps.get_model("reports", "BoardPack").objects.create(
        report=report, file="packs/2022/pack.sqlite3", size=1, sha256="0" * 64, format_version=1
    )
    apps.get_model("analysis", "MatcherRun").objects.create(cycle=world["open_cycle"])
    apps.get_model("analysis", "MatcherModel").objects.create(version="test", classifier=b"", decisions=0, confirmed=0)
    need_sector = apps.get_model("needs", "NeedSector")
    for need in world["needs"].values():  # every status, own partner's and the other's
        need_sector.objects.create(need=need, code="15210")
    _quality_alerts(world)
    for uploader in (world["users"]["focal_point"], world["users"]["donor"]):
        apps.get_model("core", "WorkbookRun").objects.create(created_by=uploader, workbook="needs", source_name="x")
    f.MembershipFactory(pillar=world["pillar"])
    f.AreaFactory(pillar=world["pillar"])
    world["other_response"].status = ResponseStatus.CONFIRMED
    world["other_response"].confirmed_at = timezone.now()
    world["other_response"].save()
    for user in list(world["users"].values())[-2:]:
        token_key(user)
    _workplace_rows(world["users"].values(), about=world["other_response"])
    objects = _every_object_of(model)
    assert objects, f"the world has no {label}"
    for role, user in world["users"].items():
        for verb in [V, A, C, D, Verb.REVIEW]:
            # The stored key, not `.pk`: DRF's TokenProxy answers `.pk` with its user's id.
            key = model._meta.pk.attname
            expected = {getattr(o, key) for o in objects if can(user, verb, o)}
            got = set(permitted(user, verb, model._default_manager.all()).values_list(key, flat=True))
            assert got == expected, f"{role} {verb} {label}"


def test_visible_needs_are_one_query(world, django_assert_num_queries):
    focal_point = world["users"]["focal_point"]
    can(focal_point, V, Need)  # reads the user's roles once
    with django_assert_num_queries(1):
        list(visible(focal_point, Need.objects.all()))


def test_a_donor_can_only_propose_a_response_never_confirm_it(world):
    proposal = Response(action=world["own_action"], need=world["needs"]["submitted_own"])
    assert can(world["users"]["donor"], A, proposal)
    proposal.status = ResponseStatus.CONFIRMED
    assert not can(world["users"]["donor"], A, proposal)
    assert can(world["users"]["secretariat"], A, proposal)


def test_response_of_a_rejected_proposal_cannot_be_changed_by_its_donor(world):
    response = world["own_response"]
    response.status = ResponseStatus.REJECTED
    response.save()
    assert not can(world["users"]["donor"], C, response)
    assert not can(world["users"]["donor"], D, response)
    assert can(world["users"]["donor"], V, response)
