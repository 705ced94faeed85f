"""The runs of the matcher as the Secretariat reviews them: what a run proposed, counted per partner
and pillar, and its proposals still waiting for a decision, best first.

A run's proposals are the responses it created (MatcherRun.proposals); a proposal is undecided while
its response is still proposed, neither confirmed nor rejected.
"""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from iisg.actions.choices import OrganisationRole, ResponseStatus
from iisg.actions.models import ActionOrganisation, Response
from iisg.directory.models import Partner

# Highest score first; the rest only makes the order stable from one page to the next.
REVIEW_ORDER = ("-matcher_score", "need__reference", "action__title", "pk")


def undecided_proposals(run):
    """The responses `run` proposed that are still undecided, highest score first, each with its
    need (partner, pillar, area), its action and the action's donors (`action.funding`, the
    funding participations with their organisation): a fixed number of queries however many."""
    funding = ActionOrganisation.objects.filter(role=OrganisationRole.FUNDING).select_related("organisation")
    return (
        Response.objects.filter(matcher_runs=run, status=ResponseStatus.PROPOSED)
        .select_related("need__partner", "need__pillar", "need__area", "action")
        .prefetch_related(Prefetch("action__participations", queryset=funding, to_attr="funding"))
        .order_by(*REVIEW_ORDER)
    )


@dataclass(frozen=True)
class CountRow:
    partner: Partner
    counts: list
    total: int


@dataclass(frozen=True)
class ProposalCounts:
    """How many responses a run proposed per partner (rows, the partners' order) and pillar
    (`pillars`, their acronyms in order), with the totals of each pillar, of all, and how many of
    them are still undecided."""

    pillars: list
    rows: list
    totals: list
    total: int
    undecided: int


def proposal_counts(run):
    """The ProposalCounts of `run`, from one grouped query."""
    grouped = (
        Response.objects.filter(matcher_runs=run)
        .order_by()
        .values(
            "need__partner__name",
            "need__partner__has_designation_footnote",
            "need__partner__order",
            "need__pillar__acronym",
            "need__pillar__order",
        )
        .annotate(made=Count("pk"), undecided=Count("pk", filter=Q(status=ResponseStatus.PROPOSED)))
    )
    cells, partners, pillars, undecided = {}, {}, {}, 0
    for row in grouped:
        name, pillar = row["need__partner__name"], row["need__pillar__acronym"]
        partners[name] = (row["need__partner__order"], row["need__partner__has_designation_footnote"])
        pillars[pillar] = row["need__pillar__order"]
        cells[name, pillar] = row["made"]
        undecided += row["undecided"]
    columns = sorted(pillars, key=lambda acronym: (pillars[acronym], acronym))
    rows = []
    for name in sorted(partners, key=lambda name: (partners[name][0], name)):
        counts = [cells.get((name, pillar), 0) for pillar in columns]
        rows.append(CountRow(Partner(name=name, has_designation_footnote=partners[name][1]), counts, sum(counts)))
    totals = [sum(cells.get((name, pillar), 0) for name in partners) for pillar in columns]
    return ProposalCounts(pillars=columns, rows=rows, totals=totals, total=sum(totals), undecided=undecided)
