"""Who may do what to which object: the one place that decides it.

`can(user, verb, target)` answers for one object (or, given a model class, for "some object of
this kind"); `visible(user, queryset)` and `permitted(user, verb, queryset)` narrow a queryset to
the rows `can` would allow. Admin, views, exports and the API all ask here.

Each model has one rule that states a verb both ways, as a predicate on an object and as a
`Q` filter; the tests check the two agree over the whole role × verb × own/other matrix.

The roles (DESIGN.md §3):
- public: the website, published events, adopted products, the directory;
- member (Board, Support Group): also reads needs beyond draft, actions, responses, cycles;
- partner focal point: a member who also writes its own partner's needs while the cycle is open;
- donor / implementer: a member who also writes its own organisation's actions and proposes
  responses to needs;
- Secretariat: everything, except changing what the Board adopted (adopted needs are frozen).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from iisg.actions.choices import ResponseStatus
from iisg.governance.choices import ProductStatus
from iisg.needs.choices import CycleStatus, NeedStatus

from .choices import Role, Verb

VIEW, ADD, CHANGE, DELETE, REVIEW = Verb.VIEW, Verb.ADD, Verb.CHANGE, Verb.DELETE, Verb.REVIEW
WRITE = {ADD, CHANGE, DELETE}

NOTHING = Q(pk__in=[])
EVERYTHING = Q()

# Needs in these statuses are work in progress of their partner: only it and the Secretariat see them.
PRIVATE_NEED_STATUSES = (NeedStatus.DRAFT, NeedStatus.RETURNED)


@dataclass(frozen=True)
class Viewer:
    """The rights of one user, read once per request."""

    user_id: int | None
    roles: frozenset
    partner_id: int | None = None
    organisation_id: int | None = None

    @property
    def is_secretariat(self):
        return Role.SECRETARIAT in self.roles

    @property
    def is_member(self):
        """Anyone signed in with a role reads what members read."""
        return bool(self.roles)

    @property
    def is_focal_point(self):
        return Role.FOCAL_POINT in self.roles and self.partner_id is not None

    @property
    def writes_actions(self):
        return bool(self.roles & {Role.DONOR, Role.IMPLEMENTER}) and self.organisation_id is not None


ANONYMOUS = Viewer(user_id=None, roles=frozenset())


def viewer_of(user):
    """The Viewer for a user, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_iisg_viewer", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        roles = frozenset({Role.SECRETARIAT})
    else:
        roles = frozenset(name for name in user.groups.values_list("name", flat=True) if name in Role.values)
    person = getattr(user, "person", None) if _has_person(user) else None
    viewer = Viewer(
        user_id=user.pk,
        roles=roles,
        partner_id=person.partner_id if person else None,
        organisation_id=person.organisation_id if person else None,
    )
    user._iisg_viewer = viewer
    return viewer


def _has_person(user):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        user.person  # noqa: B018 - a reverse one-to-one raises when there is none
    except ObjectDoesNotExist:
        return False
    return True


class Rule:
    """Default: everyone reads, only the Secretariat writes."""

    def allows(self, viewer, verb, obj):
        return self.q_allows(viewer, verb) is EVERYTHING

    def allows_any(self, viewer, verb):
        """May the viewer do `verb` to at least some object of this kind (admin menus, buttons)."""
        return self.q_allows(viewer, verb) != NOTHING

    def q_allows(self, viewer, verb):
        if verb == VIEW:
            return EVERYTHING
        return EVERYTHING if viewer.is_secretariat and verb in WRITE else NOTHING


class SecretariatOnly(Rule):
    """Private records (contact people): the Secretariat only, and the person themselves reads.

    A person does not edit their own record: it carries the scope of their rights (partner,
    organisation, login)."""

    def allows(self, viewer, verb, obj):
        if viewer.is_secretariat:
            return verb in WRITE | {VIEW}
        return verb == VIEW and obj.user_id is not None and obj.user_id == viewer.user_id

    def q_allows(self, viewer, verb):
        if viewer.is_secretariat:
            return EVERYTHING if verb in WRITE | {VIEW} else NOTHING
        if verb == VIEW and viewer.user_id:
            return Q(user_id=viewer.user_id)
        return NOTHING


class TokenRule(SecretariatOnly):
    """API tokens: the Secretariat manages them; a user reads their own (and gets it from the API)."""


class SecretariatWork(Rule):
    """The Secretariat's own working records (IATI imports): nobody else sees them."""

    def q_allows(self, viewer, verb):
        return EVERYTHING if viewer.is_secretariat and verb in WRITE | {VIEW} else NOTHING


class AccountRule(Rule):
    """Logins: the Secretariat manages them; everyone else only sees their own."""

    def allows(self, viewer, verb, obj):
        if viewer.is_secretariat:
            return verb in WRITE | {VIEW}
        return verb == VIEW and obj.pk is not None and obj.pk == viewer.user_id

    def q_allows(self, viewer, verb):
        if viewer.is_secretariat:
            return EVERYTHING if verb in WRITE | {VIEW} else NOTHING
        return Q(pk=viewer.user_id) if verb == VIEW and viewer.user_id else NOTHING


class RolesRule(Rule):
    """The roles are fixed by the migrations: the Secretariat reads them and assigns them to logins."""

    def q_allows(self, viewer, verb):
        return EVERYTHING if verb == VIEW and viewer.is_secretariat else NOTHING


class MembersRead(Rule):
    """Members read, the Secretariat writes (cycles, areas)."""

    def q_allows(self, viewer, verb):
        if verb == VIEW:
            return EVERYTHING if viewer.is_member else NOTHING
        return super().q_allows(viewer, verb)


class ReportRule(MembersRead):
    """Reports for the Board: members read and download them; only the Secretariat generates and
    publishes them. A report is the record of what was generated: nobody changes or deletes it."""

    def q_allows(self, viewer, verb):
        if verb in {CHANGE, DELETE}:
            return NOTHING
        return super().q_allows(viewer, verb)


class EventRule(Rule):
    def allows(self, viewer, verb, obj):
        if verb == VIEW and not viewer.is_secretariat:
            return obj.is_published
        return super().allows(viewer, verb, obj)

    def q_allows(self, viewer, verb):
        if verb == VIEW and not viewer.is_secretariat:
            return Q(is_published=True)
        return super().q_allows(viewer, verb)


class ProductRule(Rule):
    """The public sees adopted products; members also read those in process, to review them."""

    def __init__(self, path=""):
        self.path = path

    def _status(self, obj):
        return (obj.product if self.path else obj).status

    def allows(self, viewer, verb, obj):
        if verb == VIEW and not viewer.is_member:
            return self._status(obj) == ProductStatus.ADOPTED
        return super().allows(viewer, verb, obj)

    def q_allows(self, viewer, verb):
        if verb == VIEW and not viewer.is_member:
            return Q(**{f"{self.path}status": ProductStatus.ADOPTED})
        return super().q_allows(viewer, verb)


class NeedRule(Rule):
    """Drafts and returned needs stay with their partner and the Secretariat; adopted needs are frozen."""

    def allows(self, viewer, verb, obj):
        own = viewer.is_focal_point and obj.partner_id == viewer.partner_id
        private = obj.status in PRIVATE_NEED_STATUSES
        frozen = obj.status == NeedStatus.ADOPTED
        cycle_open = obj.cycle_id is not None and obj.cycle.status == CycleStatus.OPEN
        if verb == VIEW:
            return viewer.is_secretariat or own or (viewer.is_member and not private)
        if frozen:
            return False
        if viewer.is_secretariat:
            return verb in WRITE | {REVIEW}
        if not (own and cycle_open):
            return False
        if verb == ADD:
            return obj.status in {NeedStatus.DRAFT, NeedStatus.SUBMITTED}
        if verb == CHANGE:
            return private
        if verb == DELETE:
            return obj.status == NeedStatus.DRAFT
        return False

    def allows_any(self, viewer, verb):
        if verb == ADD:
            return viewer.is_secretariat or viewer.is_focal_point
        return super().allows_any(viewer, verb)

    def q_allows(self, viewer, verb):
        own = Q(partner_id=viewer.partner_id) if viewer.is_focal_point else NOTHING
        not_frozen = ~Q(status=NeedStatus.ADOPTED)
        if verb == VIEW:
            if viewer.is_secretariat:
                return EVERYTHING
            if viewer.is_member:
                return own | ~Q(status__in=PRIVATE_NEED_STATUSES)
            return NOTHING
        if viewer.is_secretariat:
            return not_frozen if verb in WRITE | {REVIEW} else NOTHING
        if not viewer.is_focal_point:
            return NOTHING
        writable = own & Q(cycle__status=CycleStatus.OPEN)
        if verb == ADD:
            return writable & Q(status__in=[NeedStatus.DRAFT, NeedStatus.SUBMITTED])
        if verb == CHANGE:
            return writable & Q(status__in=PRIVATE_NEED_STATUSES)
        if verb == DELETE:
            return writable & Q(status=NeedStatus.DRAFT)
        return NOTHING


class ActionRule(Rule):
    """Members read actions; a donor or implementer writes the actions its organisation takes part in.

    `path` reaches the action from a child record (budgets, transactions, sectors, participations),
    which follow their action: whoever may change the action may add, change and delete them.
    """

    def __init__(self, path=""):
        self.path = path

    def _takes_part(self, viewer, action):
        if action is None or action.pk is None:
            return False
        # A change form asks this for the action and each of its inlines, several times over:
        # the participants are read once per action object (which lives for one request).
        participants = getattr(action, "_iisg_participants", None)
        if participants is None:
            participants = frozenset(action.participations.values_list("organisation_id", flat=True))
            action._iisg_participants = participants
        return viewer.organisation_id in participants

    def allows(self, viewer, verb, obj):
        if verb == VIEW:
            return viewer.is_member
        if verb not in WRITE:
            return False
        if viewer.is_secretariat:
            return True
        if not viewer.writes_actions:
            return False
        if self.path:
            return self._takes_part(viewer, obj.action if obj.action_id else None)
        if verb == ADD:
            return True  # a new action: the form makes the user's organisation take part in it
        if verb == DELETE and self._has_confirmed_responses(obj):
            return False
        return self._takes_part(viewer, obj)

    def _has_confirmed_responses(self, action):
        return action.pk is not None and action.responses.filter(status=ResponseStatus.CONFIRMED).exists()

    def allows_any(self, viewer, verb):
        if verb in WRITE:
            return viewer.is_secretariat or viewer.writes_actions
        return super().allows_any(viewer, verb)

    def q_allows(self, viewer, verb):
        if verb == VIEW:
            return EVERYTHING if viewer.is_member else NOTHING
        if verb not in WRITE:
            return NOTHING
        if viewer.is_secretariat:
            return EVERYTHING
        if not viewer.writes_actions:
            return NOTHING
        own = Q(**{f"{self.path}participations__organisation_id": viewer.organisation_id})
        if verb == ADD and not self.path:
            return EVERYTHING
        if verb == DELETE and not self.path:
            from iisg.actions.models import Response

            confirmed = Response.objects.filter(action=OuterRef("pk"), status=ResponseStatus.CONFIRMED)
            return own & ~Exists(confirmed)
        return own


class ResponseRule(Rule):
    """Members read responses; a donor or implementer proposes them for its own actions and may
    change or withdraw them until the Secretariat reviews them (confirms or rejects), which only
    the Secretariat does."""

    def allows(self, viewer, verb, obj):
        if verb == VIEW:
            return viewer.is_member
        if viewer.is_secretariat:
            return verb in WRITE | {REVIEW}
        if verb not in WRITE or not viewer.writes_actions or obj.action_id is None:
            return False
        if obj.status != ResponseStatus.PROPOSED:
            return False
        return obj.action.participations.filter(organisation_id=viewer.organisation_id).exists()

    def allows_any(self, viewer, verb):
        if verb in WRITE:
            return viewer.is_secretariat or viewer.writes_actions
        return super().allows_any(viewer, verb)

    def q_allows(self, viewer, verb):
        if verb == VIEW:
            return EVERYTHING if viewer.is_member else NOTHING
        if viewer.is_secretariat:
            return EVERYTHING if verb in WRITE | {REVIEW} else NOTHING
        if verb not in WRITE or not viewer.writes_actions:
            return NOTHING
        return Q(action__participations__organisation_id=viewer.organisation_id, status=ResponseStatus.PROPOSED)


RULES = {
    "auth.user": AccountRule(),
    "auth.group": RolesRule(),
    "directory.partner": Rule(),
    "directory.pillar": Rule(),
    "directory.organisation": Rule(),
    "directory.membership": Rule(),
    "directory.person": SecretariatOnly(),
    "needs.cycle": MembersRead(),
    "needs.area": MembersRead(),
    "needs.need": NeedRule(),
    "actions.action": ActionRule(),
    "actions.actionorganisation": ActionRule("action__"),
    "actions.actionsector": ActionRule("action__"),
    "actions.budget": ActionRule("action__"),
    "actions.transaction": ActionRule("action__"),
    "actions.planneddisbursement": ActionRule("action__"),
    "actions.recipient": ActionRule("action__"),
    "actions.documentlink": ActionRule("action__"),
    "actions.policymarker": ActionRule("action__"),
    "actions.relatedactivity": ActionRule("action__"),
    "actions.exchangerate": Rule(),
    "actions.response": ResponseRule(),
    "iati.codelistentry": Rule(),
    "iati.importrun": SecretariatWork(),
    "events.event": EventRule(),
    "governance.meeting": Rule(),
    "governance.decision": Rule(),
    "governance.product": ProductRule(),
    "governance.productversion": ProductRule("product__"),
    "reports.report": ReportRule(),
    "authtoken.token": TokenRule(),
    "authtoken.tokenproxy": TokenRule(),
}


def rule_for(model):
    try:
        return RULES[model._meta.label_lower]
    except KeyError:
        raise LookupError(
            f"No permission rule for {model._meta.label}: add one to iisg.core.permissions.RULES"
        ) from None


def can(user, verb, target):
    """May `user` do `verb` to `target`?

    `target` is a model instance (saved, or unsaved for ADD) or a model class, which asks whether
    the user may do it to some object of that kind.
    """
    viewer = viewer_of(user)
    rule = rule_for(target)
    if isinstance(target, type):
        return rule.allows_any(viewer, verb)
    return rule.allows(viewer, verb, target)


def permitted(user, verb, queryset):
    """The rows of `queryset` the user may `verb`, as one query (no per-row checks)."""
    condition = rule_for(queryset.model).q_allows(viewer_of(user), verb)
    if condition == NOTHING:
        return queryset.none()
    if condition == EVERYTHING:
        return queryset
    return queryset.filter(condition).distinct()


def visible(user, queryset):
    """The rows of `queryset` the user may see."""
    return permitted(user, VIEW, queryset)
