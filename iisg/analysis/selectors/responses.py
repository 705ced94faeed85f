"""The response mapping of a year: the actions active in it, with their money and the needs they
respond to, seen from the actions rather than from the needs."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import Action, ActionOrganisation, Response, Transaction
from iisg.core.permissions import visible
from iisg.directory.models import Organisation, Partner, Pillar
from iisg.needs.models import Need

from .scope import COMMITMENT_TYPES, DISBURSEMENT_TYPES, YEAR_OF_DATE, ZERO


@dataclass
class ActionYear:
    """An action active in a year, with its money in that year and over its life (EUR), and the
    needs it responds to (confirmed responses)."""

    id: int
    title: str
    start: datetime.date | None
    end: datetime.date | None
    partners: tuple = ()
    pillars: tuple = ()
    donors: tuple = ()
    implementers: tuple = ()
    committed_in_year: Decimal = ZERO
    disbursed_in_year: Decimal = ZERO
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO
    responses: list = field(default_factory=list)  # (need reference, need title, coverage)


@dataclass
class ResponseMapping:
    year: int
    actions: list
    transactions_without_eur: int


def response_mapping(user, year):
    """The actions of the mission the user may see that are active in `year` (the rules of
    ActionQuerySet.in_mission and active_in), with their money and responses, in a constant
    number of queries."""
    chosen = visible(user, Action.objects.in_mission()).active_in(year)
    rows = {
        pk: ActionYear(id=pk, title=title, start=start, end=end)
        for pk, title, start, end in chosen.with_dates()
        .order_by("title", "pk")
        .values_list("pk", "title", "start_on", "end_on")
    }
    partners = {partner.pk: partner for partner in Partner.objects.all()}
    pillars = {pillar.pk: pillar for pillar in Pillar.objects.all()}
    links = defaultdict(lambda: ([], []))
    for action_id, partner_id in Action.partners.through.objects.filter(action__in=chosen).values_list(
        "action_id", "partner_id"
    ):
        links[action_id][0].append(partners[partner_id])
    for action_id, pillar_id in Action.pillars.through.objects.filter(action__in=chosen).values_list(
        "action_id", "pillar_id"
    ):
        links[action_id][1].append(pillars[pillar_id])
    roles = defaultdict(lambda: ([], []))
    organisation_ids = set()
    participations = list(
        ActionOrganisation.objects.filter(
            action__in=chosen, role__in=(OrganisationRole.FUNDING, OrganisationRole.IMPLEMENTING)
        )
        .order_by()
        .values_list("action_id", "organisation_id", "role")
    )
    organisation_ids = {organisation_id for _, organisation_id, _ in participations}
    organisations = {org.pk: org for org in Organisation.objects.filter(pk__in=organisation_ids)}
    for action_id, organisation_id, role in participations:
        roles[action_id][0 if role == OrganisationRole.FUNDING else 1].append(organisations[organisation_id])
    without_eur = 0
    for action_id, kind, when, value, missing in (
        Transaction.objects.filter(action__in=chosen, transaction_type__in=COMMITMENT_TYPES + DISBURSEMENT_TYPES)
        .order_by()
        .annotate(year=YEAR_OF_DATE)
        .values("action_id", "transaction_type", "year")
        .annotate(eur=Sum("value_eur"), missing=Count("pk", filter=Q(value_eur__isnull=True)))
        .values_list("action_id", "transaction_type", "year", "eur", "missing")
    ):
        row, value = rows[action_id], value or ZERO
        if kind in COMMITMENT_TYPES:
            row.committed += value
            row.committed_in_year += value if when == year else ZERO
        else:
            row.disbursed += value
            row.disbursed_in_year += value if when == year else ZERO
        without_eur += missing if when == year else 0
    responses = visible(user, Response.objects.filter(action__in=chosen, status=ResponseStatus.CONFIRMED)).order_by(
        "need__reference"
    )
    needs = visible(user, Need.objects.filter(pk__in=responses.values("need")))
    seen = {pk: (reference, title) for pk, reference, title in needs.order_by().values_list("pk", "reference", "title")}
    for action_id, need_id, coverage in responses.values_list("action_id", "need_id", "coverage"):
        if need_id in seen:
            rows[action_id].responses.append((*seen[need_id], coverage))
    for pk, row in rows.items():
        row.partners, row.pillars = tuple(links[pk][0]), tuple(links[pk][1])
        row.donors, row.implementers = tuple(roles[pk][0]), tuple(roles[pk][1])
    return ResponseMapping(year=year, actions=list(rows.values()), transactions_without_eur=without_eur)
