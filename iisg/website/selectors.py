"""What the public website reads: aggregated figures and published content only."""

from django.db.models import Count, Q
from django.utils import timezone

from iisg.actions.choices import OrganisationRole
from iisg.actions.models import Action
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.events.models import Event
from iisg.needs.choices import NeedStatus
from iisg.needs.models import Need

# The public sees needs once the Board adopted them, and only as counts.
PUBLIC_NEED_STATUSES = [NeedStatus.ADOPTED]


def headline_figures():
    """Counts for the home page: adopted needs, actions, partners, donors. Nothing private."""
    return {
        "needs": Need.objects.filter(status__in=PUBLIC_NEED_STATUSES).count(),
        "actions": Action.objects.count(),
        "partners": Partner.objects.count(),
        "donors": Organisation.objects.filter(participations__role=OrganisationRole.FUNDING).distinct().count(),
    }


def pillars_with_counts():
    """The pillars in order, each with its number of adopted needs and of published events."""
    return Pillar.objects.annotate(
        adopted_needs=Count("needs", filter=Q(needs__status__in=PUBLIC_NEED_STATUSES), distinct=True),
        published_events=Count("events", filter=Q(events__is_published=True), distinct=True),
    ).order_by("order", "code")  # Meta.ordering does not apply to aggregating queries


def _published_events():
    return Event.objects.filter(is_published=True).prefetch_related("pillars")


def upcoming_events(*, limit, today=None):
    """The next published events, soonest first."""
    today = today or timezone.localdate()
    return list(_published_events().filter(start_date__gte=today).order_by("start_date", "title")[:limit])


def latest_events(*, limit, today=None):
    """The most recent published events that have started, latest first."""
    today = today or timezone.localdate()
    return list(_published_events().filter(start_date__lt=today).order_by("-start_date", "title")[:limit])
