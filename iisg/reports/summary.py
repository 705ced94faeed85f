"""The executive summary every report for the Board opens with, on one A4 page: the key figures of
the cycle (or year), the largest gaps, and the change since the previous cycle of the same kind (the
previous year for the response mapping report).

Every figure is read from iisg.analysis.selectors, as the dashboards read it: the support mapping
of the cycle in its year (`heatmap(...).total` for every analysed need, `breakdown` by status for
the adopted ones, `gaps` for the gaps) and, for the response report, the response mapping of the
year.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iisg.analysis import selectors
from iisg.analysis.tables import COUNT, MONEY, SHARE, Column, Table
from iisg.analysis.templatetags.analysis import money_short, share
from iisg.needs.choices import ANALYSED_STATUSES, NeedStatus, Priority
from iisg.needs.models import Cycle
from iisg.needs.selectors import earlier_cycle

from .document import Paragraph, Section

# At most this many of the high-priority gaps are named on the summary's page.
LARGEST_GAPS = 5

COVERAGE_COLUMNS = [
    Column("needs", gettext_lazy("Needs"), COUNT),
    Column("adopted", gettext_lazy("Adopted"), COUNT),
    Column("covered", gettext_lazy("Adopted and covered"), COUNT),
    Column("covered_share", gettext_lazy("Covered share"), SHARE),
    Column("gaps", gettext_lazy("Gaps"), COUNT),
    Column("high_priority_gaps", gettext_lazy("High-priority gaps"), COUNT),
    Column("overlaps", gettext_lazy("Overlaps"), COUNT),
]
MONEY_COLUMNS = [
    Column("committed", gettext_lazy("Committed (EUR)"), MONEY),
    Column("disbursed", gettext_lazy("Disbursed (EUR)"), MONEY),
]
ACTION_COLUMNS = [
    Column("actions", gettext_lazy("Actions active"), COUNT),
    Column("donors", gettext_lazy("Donors"), COUNT),
    Column("committed", gettext_lazy("Committed in the year (EUR)"), MONEY),
    Column("disbursed", gettext_lazy("Disbursed in the year (EUR)"), MONEY),
]


def coverage_figures(mapping):
    """The key figures of a support mapping, by column key: every analysed need, then the adopted
    ones, covered (an active confirmed response in the year), their share, the gaps, the
    high-priority gaps and the overlaps among them, and the money of the active responses."""
    total = selectors.heatmap(mapping).total
    adopted = selectors.breakdown(mapping, lambda need: need.status).get(NeedStatus.ADOPTED, selectors.Tally())
    return {
        "needs": total.needs,
        "adopted": adopted.needs,
        "covered": adopted.covered,
        "covered_share": adopted.covered_share,
        "gaps": adopted.gaps,
        "high_priority_gaps": adopted.high_priority_gaps,
        "overlaps": adopted.overlaps,
        "committed": total.committed,
        "disbursed": total.disbursed,
    }


def action_figures(mapping):
    """The key figures of a response mapping, by column key: the actions active in the year, their
    donors, and the money they committed and disbursed in the year."""
    return {
        "actions": len(mapping.actions),
        "donors": len({donor.pk for action in mapping.actions for donor in action.donors}),
        "committed": sum((action.committed_in_year for action in mapping.actions), selectors.ZERO),
        "disbursed": sum((action.disbursed_in_year for action in mapping.actions), selectors.ZERO),
    }


def largest_gaps(mapping):
    """The high-priority gaps of the mapping in the gaps table's order, and how many there are."""
    gaps = [need for need in selectors.sort_by_priority(mapping.gaps) if need.priority == Priority.HIGH]
    return gaps[:LARGEST_GAPS], len(gaps)


def needs_cycle_of(year):
    """The needs-mapping cycle a year's responses answer: the latest that began in or before it."""
    return Cycle.objects.needs_mapping().filter(first_year__lte=year).latest_first().first()


def cycle_summary(user, scope, *, with_money):
    """The executive summary of the needs mapping report (`with_money` False) and of the analysis
    report (True): the cycle's figures in the scope's year, compared with the previous needs-mapping
    cycle in its own last year."""
    mapping = selectors.support_mapping(user, scope)
    columns = COVERAGE_COLUMNS + (MONEY_COLUMNS if with_money else [])
    earlier = earlier_cycle(scope.cycle)
    then = None
    if earlier is not None:
        earlier_scope = selectors.Scope(cycle=earlier, year=selectors.default_year(earlier), pillar=scope.pillar)
        then = (str(earlier), coverage_figures(selectors.support_mapping(user, earlier_scope)))
    blocks = [
        Paragraph(_headline(str(scope.cycle), scope.year, coverage_figures(mapping), with_money)),
        _by_priority_and_status(mapping),
        _then_and_now(
            "key-figures",
            _("Key figures of the cycle, then and now"),
            _("Cycle"),
            columns,
            then,
            (str(scope.cycle), coverage_figures(mapping)),
        ),
        _largest_gaps_table(mapping),
    ]
    if earlier is None:
        blocks.append(Paragraph(_("No earlier needs-mapping cycle: there is no change to show.")))
    return Section(_("Executive summary"), blocks=blocks, anchor="executive-summary")


def year_summary(user, year):
    """The executive summary of the response mapping report: the actions and money of the year and
    the coverage of the needs-mapping cycle they answer, compared with the previous year."""
    cycle = needs_cycle_of(year)
    actions_now = action_figures(selectors.response_mapping(user, year))
    earlier = selectors.response_mapping(user, year - 1)
    actions_then = (str(year - 1), action_figures(earlier)) if earlier.actions else None
    blocks = [Paragraph(_actions_headline(year, actions_now))]
    blocks.append(
        _then_and_now(
            "key-figures",
            _("Actions and money, then and now"),
            _("Year"),
            ACTION_COLUMNS,
            actions_then,
            (str(year), actions_now),
        )
    )
    if cycle is not None:
        mapping = selectors.support_mapping(user, selectors.Scope(cycle=cycle, year=year))
        earlier_cycle_of_year = needs_cycle_of(year - 1)
        coverage_then = None
        if actions_then and earlier_cycle_of_year is not None:
            earlier_scope = selectors.Scope(cycle=earlier_cycle_of_year, year=year - 1)
            coverage_then = (str(year - 1), coverage_figures(selectors.support_mapping(user, earlier_scope)))
        figures = coverage_figures(mapping)
        blocks += [
            Paragraph(_headline(str(cycle), year, figures, with_money=False)),
            _by_priority_and_status(mapping),
            _then_and_now(
                "coverage-figures",
                _("Coverage of the needs, then and now"),
                _("Year"),
                COVERAGE_COLUMNS,
                coverage_then,
                (str(year), figures),
            ),
            _largest_gaps_table(mapping),
        ]
    if actions_then is None:
        blocks.append(
            Paragraph(_("No action was active in %(year)s: there is no change to show.") % {"year": year - 1})
        )
    return Section(_("Executive summary"), blocks=blocks, anchor="executive-summary")


def _headline(label, year, figures, with_money):
    text = _(
        "%(label)s: %(needs)s needs, of which %(adopted)s adopted. %(covered)s adopted needs (%(share)s) have an "
        "active confirmed response in %(year)s; %(gaps)s are gaps, %(high)s of them of high priority, and "
        "%(overlaps)s are overlaps of two or more donors."
    ) % {
        "label": label,
        "needs": figures["needs"],
        "adopted": figures["adopted"],
        "covered": figures["covered"],
        "share": share(figures["covered_share"]),
        "year": year,
        "gaps": figures["gaps"],
        "high": figures["high_priority_gaps"],
        "overlaps": figures["overlaps"],
    }
    if with_money:
        text += " " + _("The actions responding to the needs committed %(committed)s and disbursed %(disbursed)s.") % {
            "committed": money_short(figures["committed"]),
            "disbursed": money_short(figures["disbursed"]),
        }
    return text


def _actions_headline(year, figures):
    return _(
        "In %(year)s, %(actions)s actions of %(donors)s donors were active; they committed %(committed)s and "
        "disbursed %(disbursed)s in the year."
    ) % {
        "year": year,
        "actions": figures["actions"],
        "donors": figures["donors"],
        "committed": money_short(figures["committed"]),
        "disbursed": money_short(figures["disbursed"]),
    }


def _by_priority_and_status(mapping):
    """Needs per priority (rows) and status (columns), with totals both ways."""
    counts = selectors.breakdown(mapping, lambda need: (need.priority, need.status))
    statuses = [status for status in ANALYSED_STATUSES if any(s == status for _p, s in counts)]
    rows = []
    for priority in Priority:
        cells = [counts[priority, status].needs if (priority, status) in counts else 0 for status in statuses]
        rows.append([priority.label, *cells, sum(cells)])
    totals = [_("Total"), *(sum(row[index] for row in rows) for index in range(1, len(statuses) + 2))]
    return Table(
        name="needs-by-priority-and-status",
        title=_("Needs per priority and status"),
        columns=[
            Column("priority", _("Priority")),
            *(Column(status, NeedStatus(status).label, COUNT) for status in statuses),
            Column("total", _("Total"), COUNT),
        ],
        rows=rows,
        totals=totals,
    )


def _then_and_now(name, title, heading, columns, then, now):
    """A table of the figures `then` and `now` (each a (label, figures) pair; `then` may be None)
    with the change between them; numbers not shared by both are left blank in the change."""
    rows = [[label, *(figures[column.key] for column in columns)] for label, figures in filter(None, [then, now])]
    notes = []
    if then is not None:
        rows.append([_("Change"), *(_difference(then[1][column.key], now[1][column.key]) for column in columns)])
        if any(column.kind == SHARE for column in columns):
            notes.append(_("The change of a share is in percentage points."))
    return Table(name=name, title=title, columns=[Column("label", heading), *columns], rows=rows, notes=notes)


def _difference(then, now):
    return None if then is None or now is None else now - then


def _largest_gaps_table(mapping):
    gaps, count = largest_gaps(mapping)
    return Table(
        name="largest-gaps",
        title=_("The largest gaps: high-priority adopted needs without an active response in %(year)s")
        % {"year": mapping.scope.year},
        columns=[
            Column("reference", _("Reference")),
            Column("title", _("Need")),
            Column("partner", _("Partner")),
            Column("pillar", _("Pillar")),
        ],
        rows=[[need.reference, need.title, need.partner, need.pillar.acronym] for need in gaps],
        notes=[_("%(shown)s of %(count)s high-priority gaps.") % {"shown": len(gaps), "count": count}]
        if count > len(gaps)
        else [],
    )
