"""What the directory shows the public: the members of the IISG bodies, never their contact people."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iisg.core.permissions import visible

from .choices import Body, OrganisationKind
from .models import Membership, Pillar

# How a Support Group reads on a pillar page: the EU, the partners, the states, the international and
# regional organisations, then anyone else. Every kind is in exactly one group.
MEMBER_GROUPS = (
    ("eu", _("European Union"), {OrganisationKind.EU_INSTITUTION, OrganisationKind.EU_AGENCY}),
    ("partners", _("Western Balkan partners"), {OrganisationKind.PARTNER_INSTITUTION}),
    (
        "states",
        _("EU member states and other states"),
        {OrganisationKind.EU_MEMBER_STATE, OrganisationKind.THIRD_STATE},
    ),
    (
        "organisations",
        _("International and regional organisations"),
        {OrganisationKind.INTERNATIONAL, OrganisationKind.REGIONAL},
    ),
    (
        "others",
        _("Other members"),
        {
            OrganisationKind.DEVELOPMENT_AGENCY,
            OrganisationKind.IISG,
            OrganisationKind.COMPANY,
            OrganisationKind.CIVIL_SOCIETY,
            OrganisationKind.OTHER,
        },
    ),
)
GROUP_OF_KIND = {kind: key for key, _label, kinds in MEMBER_GROUPS for kind in kinds}


@dataclass
class MemberGroup:
    key: str
    label: str
    members: list


def current_members(user, *, body, pillar=None, today=None):
    """The memberships of a body (of a pillar's Support Group when `pillar` is given) that hold
    today, in the body's order, with their organisation and its partner fetched."""
    today = today or timezone.localdate()
    memberships = Membership.objects.filter(body=body).filter(
        Q(since__isnull=True) | Q(since__lte=today), Q(until__isnull=True) | Q(until__gte=today)
    )
    if pillar is not None:
        memberships = memberships.filter(pillar=pillar)
    return list(
        visible(user, memberships).select_related("organisation__partner").order_by("order", "organisation__name")
    )


def support_group(user, pillar, *, today=None):
    """A pillar's current Support Group as non-empty MemberGroups, in the order of MEMBER_GROUPS;
    within a group, in the Support Group's own order."""
    groups = {key: MemberGroup(key=key, label=label, members=[]) for key, label, _kinds in MEMBER_GROUPS}
    for membership in current_members(user, body=Body.SUPPORT_GROUP, pillar=pillar, today=today):
        groups[GROUP_OF_KIND[membership.organisation.kind]].members.append(membership)
    return [group for group in groups.values() if group.members]


@dataclass
class Board:
    members: list
    chairs: list


def board(user, *, today=None):
    """The Board's current members, and those among them whose role names them chair."""
    members = current_members(user, body=Body.BOARD, today=today)
    return Board(members=members, chairs=[member for member in members if "chair" in member.role.lower()])


def pillars():
    """The pillars in their order."""
    return list(Pillar.objects.order_by("order", "code"))
