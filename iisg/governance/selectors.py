"""What the website reads of the governance: Board meetings with their decisions, and products.

Every read takes the user who looks and narrows with `visible()`: the public sees adopted products
and meetings of published events; members also see products in process.
"""

from dataclasses import dataclass

from django.db.models import F, Prefetch

from iisg.core.choices import Verb
from iisg.core.permissions import can, visible
from iisg.directory.models import Membership
from iisg.events.models import Event
from iisg.needs.choices import CycleStatus
from iisg.needs.models import Cycle

from .choices import DecisionKind, MeetingBody, ProductStatus
from .models import Decision, Meeting, Product, ProductVersion

IN_PROCESS_STATUSES = (ProductStatus.IN_PROCESS, ProductStatus.PROPOSED)


@dataclass
class Admission:
    """An organisation a decision admitted, with the bodies it joined."""

    organisation: object
    memberships: list


def _versions(user):
    return visible(user, ProductVersion.objects.all()).order_by(F("published_on").desc(nulls_last=True), "-version")


def _decisions(user):
    """Decisions in their order, each with what it concerns fetched: `products` it adopted,
    `memberships` it admitted, `cycles` it adopted and its `pillars`.

    A cycle record is for members only, but the name of a mapping the Board adopted ("Needs mapping
    2021–2022") is part of the Board's public decision, so adopted and archived cycles are named to
    everyone; their content stays behind `visible()` wherever it is shown.
    """
    return Decision.objects.order_by("number").prefetch_related(
        "pillars",
        Prefetch("adopted_products", queryset=visible(user, Product.objects.order_by("title")), to_attr="products"),
        Prefetch(
            "admitted_memberships",
            queryset=visible(user, Membership.objects.all())
            .select_related("organisation", "pillar")
            .order_by("organisation__name", "pillar__order"),
            to_attr="memberships",
        ),
        Prefetch(
            "adopted_cycles",
            queryset=Cycle.objects.filter(status__in=[CycleStatus.ADOPTED, CycleStatus.ARCHIVED]).order_by(
                "first_year", "kind"
            ),
            to_attr="cycles",
        ),
    )


def _attach_admissions(decisions):
    """Group each decision's admitted memberships by organisation, as `decision.admissions`."""
    for decision in decisions:
        admissions = {}
        for membership in decision.memberships:
            admissions.setdefault(
                membership.organisation_id, Admission(organisation=membership.organisation, memberships=[])
            ).memberships.append(membership)
        decision.admissions = list(admissions.values())


def _with_admissions(meetings):
    for meeting in meetings:
        _attach_admissions(meeting.decision_list)
    return meetings


def _meetings(user):
    return (
        Meeting.objects.filter(event__in=visible(user, Event.objects.all()))
        .select_related("event", "chair", "pillar")
        .prefetch_related(Prefetch("decisions", queryset=_decisions(user), to_attr="decision_list"))
        .order_by(F("event__start_date").desc(nulls_last=True), F("number").desc(nulls_last=True))
    )


def board_meetings(user):
    """The Board meetings whose event the user may see, newest first, each with its decisions
    (`decision_list`) and what each decision adopted or admitted (`products`, `admissions`, `cycles`)."""
    return _with_admissions(list(_meetings(user).filter(body=MeetingBody.BOARD)))


def latest_board_meeting(user):
    """The most recent Board meeting the user may see, or None."""
    return _meetings(user).filter(body=MeetingBody.BOARD).prefetch_related(None).first()


def meeting(user, slug):
    """The meeting of the event with this slug, with its decisions as in `board_meetings`, or None
    when there is none or the user may not see its event."""
    found = list(_meetings(user).filter(event__slug=slug))
    return _with_admissions(found)[0] if found else None


def materials(user, *, pillar=None, kind=None):
    """The products the user may see, by title, optionally of one pillar and one kind, each with its
    `pillars`, its versions (`version_list`, newest first) and the decision that adopted it."""
    products = visible(user, Product.objects.all())
    if pillar is not None:
        products = products.filter(pillars=pillar)
    if kind:
        products = products.filter(kind=kind)
    return list(
        products.select_related("adopted_by__meeting__event")
        .prefetch_related("pillars", Prefetch("versions", queryset=_versions(user), to_attr="version_list"))
        .order_by("title")
    )


def product(user, slug):
    """The product with this slug as `materials` gives it, or None when the user may not see it."""
    found = list(
        visible(user, Product.objects.filter(slug=slug))
        .select_related("adopted_by__meeting__event")
        .prefetch_related("pillars", Prefetch("versions", queryset=_versions(user), to_attr="version_list"))
    )
    return found[0] if found else None


def downloadable_version(user, *, slug, pk):
    """The version `pk` of the product `slug` if the user may see it and it has a file, else None."""
    return (
        visible(user, ProductVersion.objects.filter(product__slug=slug, pk=pk))
        .exclude(file="")
        .select_related("product")
        .first()
    )


@dataclass
class PillarProducts:
    accomplished: list
    in_process: list
    materials: list


def pillar_products(user, pillar):
    """A pillar's products as its page shows them.

    `accomplished`: the adopted products the user may see, with their versions. `in_process`: the
    products in process or proposed; their titles are part of the pillar's public work programme,
    but each carries `readable`, and only a reader who may see the product gets a link to it.
    `materials`: the versions with a file of the accomplished products, newest first.
    """
    products = Product.objects.filter(pillars=pillar).order_by("title")
    accomplished = list(
        visible(user, products.filter(status=ProductStatus.ADOPTED))
        .select_related("adopted_by__meeting__event")
        .prefetch_related(Prefetch("versions", queryset=_versions(user).exclude(file=""), to_attr="version_list"))
    )
    in_process = list(products.filter(status__in=IN_PROCESS_STATUSES).only("title", "slug", "status"))
    for item in in_process:
        item.readable = can(user, Verb.VIEW, item)
    documents = [version for item in accomplished for version in item.version_list]
    documents.sort(key=lambda version: (version.published_on is not None, version.published_on), reverse=True)
    return PillarProducts(accomplished=accomplished, in_process=in_process, materials=documents)


def member_admissions(user, *, limit=5):
    """The latest decisions that admitted members, newest meeting first, each with its meeting's
    event and its `admissions`, as `board_meetings` gives them."""
    decisions = list(
        _decisions(user)
        .filter(kind=DecisionKind.ADMIT_MEMBER, meeting__event__in=visible(user, Event.objects.all()))
        .select_related("meeting__event")
        .order_by(F("meeting__event__start_date").desc(nulls_last=True), "number")[:limit]
    )
    _attach_admissions(decisions)
    return decisions
