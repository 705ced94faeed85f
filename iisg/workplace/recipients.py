"""Who a workflow step concerns: one function per audience, each answering the active users of it
as one query (a queryset of users, by username). Inactive logins are told nothing: they cannot sign
in to read it.

The roles are those of iisg.core.permissions: a superuser counts as the Secretariat, a focal point
is a login with the focal point role and a person of a partner, a donor or implementer a login with
that role and a person of an organisation.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from iisg.actions.round import ANSWERING_ROLES, CALLED_ROLES
from iisg.core.choices import Role
from iisg.directory.models import Organisation


def _active():
    return get_user_model().objects.filter(is_active=True)


def _each_once(users):
    return users.distinct().order_by("username")


def secretariat():
    """The Secretariat: its role's users and the superusers."""
    return _each_once(_active().filter(Q(groups__name=Role.SECRETARIAT) | Q(is_superuser=True)))


def members():
    """The Board and Support Group members (the member role)."""
    return _each_once(_active().filter(groups__name=Role.MEMBER))


def focal_points(partners=None):
    """The focal points of `partners` (Partner objects, ids or a queryset), or of every partner."""
    users = _active().filter(groups__name=Role.FOCAL_POINT, person__partner__isnull=False)
    if partners is not None:
        users = users.filter(person__partner__in=partners)
    return _each_once(users)


def action_writers():
    """Every donor and implementer user who speaks for an organisation."""
    return _each_once(_active().filter(groups__name__in=ANSWERING_ROLES, person__organisation__isnull=False))


def organisation_users(organisations):
    """The donor and implementer users of `organisations` (objects, ids or a queryset): those who
    answer for each (iisg.actions.round.users_of), of many organisations at once."""
    return _each_once(_active().filter(groups__name__in=ANSWERING_ROLES, person__organisation__in=organisations))


def response_parties(response):
    """Who speaks for a response's action: the users of its funding and implementing
    organisations (the roles a response round calls), and whoever proposed the response."""
    called = Organisation.objects.filter(
        participations__action=response.action_id, participations__role__in=CALLED_ROLES
    )
    users = _active().filter(groups__name__in=ANSWERING_ROLES, person__organisation__in=called)
    if response.proposed_by_id:
        users = users | _active().filter(pk=response.proposed_by_id)
    return _each_once(users)


def users(ids):
    """The active users of `ids` (the one who started a run, the proposer of a response)."""
    return _each_once(_active().filter(pk__in=[pk for pk in ids if pk is not None]))
