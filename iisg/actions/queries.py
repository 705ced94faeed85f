"""The rules of the response mapping that more than one part of the platform asks, stated once:
the back office's and the API's filters, the analysis, the reports and the IATI export ask these,
and a test holds the query and the predicate of "active" to the same answers.
"""

import datetime

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from .choices import ActivityStatus

# An action's dates are its actual ones, else its planned ones.
START = Coalesce("actual_start", "planned_start")
END = Coalesce("actual_end", "planned_end")
# An action works for the needs unless it is still in the pipeline, cancelled or suspended, was
# withdrawn from the IATI file it came from, or was merged into another (see ActionQuerySet.standing).
INACTIVE_STATUSES = (ActivityStatus.PIPELINE, ActivityStatus.CANCELLED, ActivityStatus.SUSPENDED)
# The IATI recipient regions that are the Western Balkans as a region (vocabulary 1, OECD DAC:
# 88 "States Ex-Yugoslavia unspecified"); "Europe, regional" (89) reaches far beyond it.
WESTERN_BALKAN_REGIONS = ("88",)
# Region vocabularies other than the OECD DAC's (an empty one is taken as the DAC's, IATI's default).
NON_DAC_REGION_VOCABULARIES = ("2", "99")


def is_active(*, status, start, end, withdrawn, first, last, merged=None):
    """Whether an action works at some time between the days `first` and `last`: not withdrawn nor
    merged into another (`merged`: the id of the action it was merged into, if any), not in an
    inactive status, started (actual, else planned start) on or before `last`, and not ended
    (actual, else planned end) before `first`; no end means it goes on. An action with no start
    date is active at no time: nobody can say when it works, so it is counted nowhere. The same
    rule as ActionQuerySet.active_between."""
    if withdrawn or merged or status in INACTIVE_STATUSES or start is None:
        return False
    return start <= last and (end is None or end >= first)


def year_span(year):
    """The first and the last day of `year`."""
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


class ActionQuerySet(models.QuerySet):
    def standing(self):
        """The actions that stand on their own: not withdrawn from the IATI file they came from, nor
        merged into another (an entered action found to be an imported one, whose responses moved
        there: iisg.actions.services.merge_actions). Every figure and list asks this, through
        counted() and active_between(); the others are kept, with their history, and count nowhere."""
        return self.filter(withdrawn_at__isnull=True, merged_into__isnull=True)

    def with_dates(self):
        """Annotated with `start_on` and `end_on`: the actual dates, else the planned ones."""
        return self.annotate(start_on=START, end_on=END)

    def active_between(self, first, last):
        """The actions working at some time between the days `first` and `last` (see is_active)."""
        return (
            self.standing()
            .exclude(status__in=INACTIVE_STATUSES)
            .alias(start_on=START, end_on=END)
            .filter(start_on__isnull=False, start_on__lte=last)
            .filter(Q(end_on__isnull=True) | Q(end_on__gte=first))
        )

    def active_in(self, year):
        """The actions working at some time in `year` (see is_active)."""
        return self.active_between(*year_span(year))

    def active_on(self, day):
        """The actions working on the day `day` (see is_active)."""
        return self.active_between(day, day)

    def in_mission(self):
        """The actions of the IISG's mission: benefiting one of the Western Balkan partners, or the
        Western Balkans as a region (WESTERN_BALKAN_REGIONS). Imported actions outside it are
        kept, but no figure counts them."""
        partners = self.model.partners.through.objects.filter(action=OuterRef("pk"))
        recipient = self.model._meta.get_field("recipients").related_model
        region = recipient.objects.filter(
            action=OuterRef("pk"), kind=recipient.Kind.REGION, code__in=WESTERN_BALKAN_REGIONS
        ).exclude(vocabulary__in=NON_DAC_REGION_VOCABULARIES)
        return self.filter(Exists(partners) | Exists(region))

    def counted(self):
        """The actions figures count: of the mission and standing on their own (not withdrawn, not
        merged)."""
        return self.in_mission().standing()
