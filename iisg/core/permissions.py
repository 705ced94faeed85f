"""Who may do what to which object: the one place that decides it.

`can(user, verb, target)` answers for one object (or, given a model class, for "some object of
this kind"); `visible(user, queryset)` and `permitted(user, verb, queryset)` narrow a queryset to
the rows `can` would allow. Admin, views, exports and the API all ask here.

Each model has one rule that states a verb both ways, as a predicate on an object and as a
`Q` filter; the tests check the two agree over the whole role × verb × own/other matrix. This
module holds the machinery and the rules that know no domain; each app states the rules of its
own models in its `rules.py` and registers them here from its `AppConfig.ready()`, so the bottom
layer imports no app above it.

The roles (DESIGN.md §3):
- public: the website, published events, adopted products, the directory;
- member (Board, Support Group): also reads needs beyond draft, actions, responses, cycles;
- partner focal point: a member who also writes its own partner's needs while the cycle is open;
- donor / implementer: a member who also writes its own organisation's actions and proposes
  responses to needs;
- Secretariat: everything, except changing what the Board adopted (adopted needs are frozen).
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from .choices import Role, Verb

VIEW, ADD, CHANGE, DELETE, REVIEW = Verb.VIEW, Verb.ADD, Verb.CHANGE, Verb.DELETE, Verb.REVIEW
WRITE = {ADD, CHANGE, DELETE}

NOTHING = Q(pk__in=[])
EVERYTHING = Q()


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


# Model label → its rule. Empty until start-up: each app registers the rules of its own models
# from its AppConfig.ready() (they live in the app's rules.py), so this module knows no domain.
RULES = {}


def register(rules):
    """Govern each model of `rules`, a mapping of model (or "app_label.model_name") to its Rule.

    Called from an app's AppConfig.ready(). A label that names no installed model raises
    LookupError at start-up, and a model given a second, different rule raises
    ImproperlyConfigured: one model, one rule. Registering the same rule again does nothing.
    """
    for model, rule in rules.items():
        if isinstance(model, str):
            model = apps.get_model(model)
        label = model._meta.label_lower
        registered = RULES.setdefault(label, rule)
        if registered is not rule:
            raise ImproperlyConfigured(
                f"Two permission rules for {model._meta.label}: {type(registered).__name__} and {type(rule).__name__}"
            )


def rule_for(model):
    """The rule of a model (class or instance); LookupError naming the model if it has none."""
    try:
        return RULES[model._meta.label_lower]
    except KeyError:
        raise LookupError(f"No permission rule for {model._meta.label}: register one in its app's rules.py") from None


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
