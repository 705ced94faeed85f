"""What each report for the Board says, as a format-independent Document (iisg.reports.document).

Every figure comes from iisg.analysis.selectors, computed with the rights of the person who asks
for the report (DESIGN.md §7): the same numbers as the pages and their downloads.

- needs mapping report (`needs`, per cycle, all pillars or one): method, a summary of the needs per
  partner, pillar and priority, then per pillar, area and partner the needs with their priority and
  description, and an annex with the full list;
- response mapping report (`response`, per year): the actions active in the year per pillar and
  partner, their donors and implementers, the money committed and disbursed in EUR (with the rate
  note) and the responses to each need;
- analysis report (`analysis`, per cycle and year): coverage, gaps (high priority first), overlaps,
  donor concentration, priority without money and funding over time, with its chart.
"""

import re
from collections import defaultdict

from django.db.models import F
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iisg.actions.choices import Coverage, OrganisationRole
from iisg.analysis import charts, selectors, tables
from iisg.analysis.tables import COUNT, DATE, MONEY, SHARE, Column, Table
from iisg.analysis.templatetags.analysis import money
from iisg.core.permissions import viewer_of
from iisg.directory.models import KOSOVO_FOOTNOTE, Partner
from iisg.governance.choices import ProductKind, ProductStatus
from iisg.governance.models import Product
from iisg.needs.choices import NeedStatus, Priority
from iisg.needs.errors import NotAllowed

from . import summary
from .document import Chart, Document, Paragraph, Section

KINDS = {
    "needs": gettext_lazy("Needs mapping report"),
    "response": gettext_lazy("Response mapping report"),
    "analysis": gettext_lazy("Analysis report"),
}
# The adopted methodology each report follows, found by these words in its title.
METHODOLOGY_WORDS = {"needs": "needs mapping", "response": "response mapping", "analysis": "mapping support"}


def build(kind, *, user, cycle=None, year=None, pillar=None, now=None):
    """The Document of report `kind` for `user`. `needs` needs a needs-mapping `cycle` (and
    optionally a `pillar`), `response` a `year`, `analysis` a `cycle` and a `year` (default: the
    dashboards' default year). Raises NotAllowed for someone who is not a member: reports carry
    the detail of each need; the public reads adopted reports on the materials page."""
    if not viewer_of(user).is_member:
        raise NotAllowed(_("Reports for the Board are for members of the IISG."))
    now = now or timezone.now()
    if kind == "needs":
        document = _needs_report(user, cycle, pillar, now)
    elif kind == "response":
        document = _response_report(user, year, now)
    elif kind == "analysis":
        document = _analysis_report(user, cycle, year or selectors.default_year(cycle), now)
    else:
        raise ValueError(f"Unknown report {kind!r}: choose one of {', '.join(KINDS)}.")
    number_sections(document)
    if mentions_footnoted_partner(document):
        document.footnote = str(KOSOVO_FOOTNOTE)
    return document


def _document(kind, name, subtitle, scope, now):
    return Document(
        kind=kind,
        name=name,
        title=str(KINDS[kind]),
        subtitle=subtitle,
        generated_at=now,
        scope=scope,
    )


def number_sections(document):
    """Number the sections (1, 1.1, 1.1.1) and give each a unique anchor."""
    counters = [0, 0, 0]
    for section in document.sections:
        level = min(max(section.level, 1), 3)
        counters[level - 1] += 1
        counters[level:] = [0] * (3 - level)
        number = ".".join(str(n) for n in counters[:level])
        section.title = f"{number} {section.title}"
        section.anchor = f"s-{number.replace('.', '-')}"


def mentions_footnoted_partner(document):
    partners = [partner.display_name for partner in Partner.objects.filter(has_designation_footnote=True)]
    if not partners:
        return False
    texts = [document.title, document.subtitle, *document.scope]
    for section in document.sections:
        texts.append(section.title)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                texts.append(block.text)
    if any(name in text for name in partners for text in texts):
        return True
    return any(
        isinstance(cell, Partner) and cell.has_designation_footnote
        for _section, table in document.tables()
        for row in table.rows
        for cell in row
    )


def _method(kind, extra):
    """The method section: the adopted methodology the report follows, and how its figures are made."""
    words = METHODOLOGY_WORDS[kind]
    product = (
        Product.objects.filter(kind=ProductKind.METHODOLOGY, status=ProductStatus.ADOPTED, title__icontains=words)
        .select_related("adopted_by__meeting__event")
        .order_by("-updated_at")
        .first()
    )
    blocks = []
    if product is not None:
        adopted = product.adopted_by
        blocks.append(
            Paragraph(
                _("This report follows the %(title)s%(adopted)s.")
                % {
                    "title": product.title,
                    "adopted": _(", adopted by the decision “%(decision)s”") % {"decision": _quoted(adopted)}
                    if adopted
                    else "",
                }
            )
        )
        blocks += [Paragraph(text) for text in paragraphs_of(product.description)]
    blocks += [Paragraph(text) for text in extra]
    return Section(_("Method"), blocks=blocks)


def _quoted(decision):
    """The decision in full: its __str__ cuts the text for the back office's lists."""
    return f"{decision.meeting} – {decision.number}. {decision.text.strip()}"


def paragraphs_of(html):
    text = re.sub(r"</(p|li|h\d)>", "\n", html or "")
    return [" ".join(line.split()) for line in strip_tags(text).splitlines() if line.strip()]


# Needs mapping report ----------------------------------------------------------------------------


def _needs_report(user, cycle, pillar, now):
    scope = selectors.Scope(cycle=cycle, year=selectors.default_year(cycle), pillar=pillar)
    needs = list(
        selectors.analysed_needs(user, scope)
        .select_related("partner", "pillar", "area", "area__parent")
        # Needs without an area last, on every database.
        .order_by("pillar__order", F("area__code").asc(nulls_last=True), "partner__order", "reference")
    )
    name = f"iisg-needs-mapping-{cycle.first_year}-{cycle.last_year}" + (f"-{pillar.code}" if pillar else "")
    document = _document(
        "needs",
        name,
        str(cycle),
        [_("Cycle: %(cycle)s") % {"cycle": cycle}, _("Pillar: %(pillar)s") % {"pillar": pillar or _("all pillars")}],
        now,
    )
    statuses = sorted({str(NeedStatus(need.status).label) for need in needs})
    document.sections.append(summary.cycle_summary(user, scope, with_money=False))
    document.sections.append(
        _method(
            "needs",
            [
                _(
                    "Partner focal points submitted the needs; the Secretariat validated them, the Support "
                    "Groups proposed them and the Board adopted them. This report lists the needs of the cycle "
                    "in these statuses: %(statuses)s."
                )
                % {"statuses": ", ".join(statuses) or _("none")}
            ],
        )
    )
    document.sections.append(Section(_("Summary"), blocks=[_needs_summary(needs), _needs_by_priority_chart(needs)]))
    by_pillar = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for need in needs:
        by_pillar[need.pillar][need.area][need.partner].append(need)
    for need_pillar, areas in by_pillar.items():
        document.sections.append(
            Section(
                f"{need_pillar.acronym} – {need_pillar.name}",
                blocks=[Paragraph(need_pillar.objective)] if need_pillar.objective else [],
            )
        )
        for area, partners in areas.items():
            title = (
                _("Area %(code)s: %(name)s") % {"code": area.code, "name": area.name}
                if area
                else _("Needs without an area")
            )
            document.sections.append(
                Section(title, level=2, blocks=[Paragraph(area.description)] if area and area.description else [])
            )
            for partner, partner_needs in sorted(partners.items(), key=lambda item: item[0].order):
                blocks = []
                for need in partner_needs:
                    blocks.append(
                        Paragraph(f"{need.reference} – {need.title} ({Priority(need.priority).label.lower()} priority)")
                    )
                    if need.description:
                        blocks.append(Paragraph(need.description))
                document.sections.append(Section(partner.display_name, level=3, blocks=blocks))
    document.sections.append(Section(_("Annex: all needs"), blocks=[_needs_annex(needs)]))
    return document


def _needs_summary(needs):
    counts = defaultdict(lambda: defaultdict(int))
    for need in needs:
        counts[need.partner, need.pillar][need.priority] += 1
    priorities = list(Priority)
    rows = [
        [partner, pillar.acronym, *(by_priority.get(p, 0) for p in priorities), sum(by_priority.values())]
        for (partner, pillar), by_priority in sorted(counts.items(), key=lambda i: (i[0][0].order, i[0][1].order))
    ]
    return Table(
        name="needs-summary",
        title=_("Needs per partner, pillar and priority"),
        columns=[
            Column("partner", _("Partner")),
            Column("pillar", _("Pillar")),
            *(Column(p.value, p.label, COUNT) for p in priorities),
            Column("total", _("Total"), COUNT),
        ],
        rows=rows,
        totals=[_("Total"), "", *(sum(row[index] for row in rows) for index in range(2, len(priorities) + 3))],
    )


def _needs_by_priority_chart(needs):
    """Needs per priority, stacked by pillar, with the table of the same counts."""
    pillars = sorted({need.pillar for need in needs}, key=lambda pillar: pillar.order)
    counts = defaultdict(int)
    for need in needs:
        counts[need.priority, need.pillar] += 1
    priorities = list(Priority)
    rows = [
        [priority.label, *(counts[priority, pillar] for pillar in pillars), sum(counts[priority, p] for p in pillars)]
        for priority in priorities
    ]
    table = Table(
        name="needs-by-priority",
        title=_("Needs by priority and pillar"),
        columns=[
            Column("priority", _("Priority")),
            *(Column(pillar.code, pillar.acronym, COUNT) for pillar in pillars),
            Column("total", _("Total"), COUNT),
        ],
        rows=rows,
        totals=[_("Total"), *(sum(row[index] for row in rows) for index in range(1, len(pillars) + 2))],
    )
    svg = charts.needs_by_priority_chart(
        [priority.label for priority in priorities],
        [(pillar.acronym, [counts[priority, pillar] for priority in priorities]) for pillar in pillars],
    )
    return Chart(
        title=str(_("Needs by priority")),
        svg=svg,
        table=table,
        kind="stacked",
        category="priority",
        series=tuple(pillar.code for pillar in pillars),
    )


def _needs_annex(needs):
    return Table(
        name="needs",
        title=_("All needs"),
        columns=[
            Column("reference", _("Reference")),
            Column("partner", _("Partner")),
            Column("pillar", _("Pillar")),
            Column("area", _("Area")),
            Column("priority", _("Priority")),
            Column("status", _("Status")),
            Column("title", _("Need")),
        ],
        rows=[
            [
                need.reference,
                need.partner,
                need.pillar.acronym,
                f"{need.area.code} {need.area.name}" if need.area else "",
                Priority(need.priority).label,
                NeedStatus(need.status).label,
                need.title,
            ]
            for need in needs
        ],
    )


# Response mapping report -------------------------------------------------------------------------


def _response_report(user, year, now):
    mapping = selectors.response_mapping(user, year)
    document = _document(
        "response", f"iisg-response-mapping-{year}", str(year), [_("Year: %(year)s") % {"year": year}], now
    )
    document.sections.append(summary.year_summary(user, year))
    document.sections.append(
        _method(
            "response",
            [
                _(
                    "An action is counted when it is active in %(year)s: not withdrawn, in the pipeline, "
                    "cancelled or suspended, and its dates (actual, else planned) overlap the year."
                )
                % {"year": year},
                _(
                    "Money is in euros at the monthly exchange rate of each transaction's value date "
                    "(the nearest month's rate when that month has none); commitments, and disbursements "
                    "with expenditure. %(count)s transactions of %(year)s without a euro figure (no currency "
                    "or no rate) are not counted."
                )
                % {"count": mapping.transactions_without_eur, "year": year},
            ],
        )
    )
    document.sections.append(
        Section(_("Actions per pillar and partner"), blocks=[_actions_per_pillar_partner(mapping)])
    )
    donors = _contributors(mapping, OrganisationRole.FUNDING)
    document.sections.append(
        Section(
            _("Donors and implementers"),
            blocks=[
                donors,
                _contributors(mapping, OrganisationRole.IMPLEMENTING),
                _donor_shares([(row[0], row[2]) for row in donors.rows], donors.totals[2]),
            ],
        )
    )
    document.sections.append(Section(_("Actions"), blocks=[_actions_table(mapping)]))
    document.sections.append(Section(_("Responses to the needs"), blocks=[_responses_table(mapping)]))
    return document


def _actions_per_pillar_partner(mapping):
    cells = defaultdict(lambda: [0, selectors.ZERO, selectors.ZERO])
    for action in mapping.actions:
        for pillar in action.pillars or (None,):
            for partner in action.partners or (None,):
                cell = cells[partner, pillar]
                cell[0] += 1
                cell[1] += action.committed_in_year
                cell[2] += action.disbursed_in_year
    rows = [
        [partner or _("Regional"), pillar.acronym if pillar else _("No pillar"), *values]
        for (partner, pillar), values in sorted(
            cells.items(),
            key=lambda i: (i[0][0] is None, i[0][0].order if i[0][0] else 0, i[0][1].order if i[0][1] else 99),
        )
    ]
    return Table(
        name="actions-per-pillar-partner",
        title=_("Actions active in %(year)s per pillar and partner") % {"year": mapping.year},
        columns=[
            Column("partner", _("Partner")),
            Column("pillar", _("Pillar")),
            Column("actions", _("Actions"), COUNT),
            Column("committed", _("Committed in the year (EUR)"), MONEY),
            Column("disbursed", _("Disbursed in the year (EUR)"), MONEY),
        ],
        rows=rows,
        totals=_actions_total(mapping),
        notes=[
            _("An action for several partners or pillars counts in each of them; the total counts each action once.")
        ],
    )


def _actions_total(mapping, label_columns=2):
    """The totals row of a table of the actions of a response mapping: each action once."""
    figures = summary.action_figures(mapping)
    return [_("Total"), *[""] * (label_columns - 1), figures["actions"], figures["committed"], figures["disbursed"]]


def _contributors(mapping, role):
    donors = role == OrganisationRole.FUNDING
    totals = {}
    for action in mapping.actions:
        for organisation in action.donors if donors else action.implementers:
            row = totals.setdefault(organisation.pk, [organisation.name, 0, selectors.ZERO, selectors.ZERO])
            row[1] += 1
            row[2] += action.committed_in_year
            row[3] += action.disbursed_in_year
    return Table(
        name="donors" if donors else "implementers",
        title=_("Donors") if donors else _("Implementers"),
        columns=[
            Column("organisation", _("Donor") if donors else _("Implementer")),
            Column("actions", _("Actions"), COUNT),
            Column("committed", _("Committed in the year (EUR)"), MONEY),
            Column("disbursed", _("Disbursed in the year (EUR)"), MONEY),
        ],
        rows=sorted(totals.values(), key=lambda row: (-row[2], row[0])),
        totals=_actions_total(mapping, label_columns=1),
        notes=[
            *([_("An action with several donors counts in full for each of them.")] if donors else []),
            _("The total counts each action active in the year once, whoever funds or implements it."),
        ],
    )


# Donors' shares of the committed EUR: the largest this many, the others in one bar.
DONORS_CHARTED = 12


def _donor_shares(donors, committed):
    """The chart of each donor's share of `committed` (the EUR committed in all), from (donor name,
    committed EUR) pairs, the largest first; shares can add up to more than 100%, an action with
    several donors counting in full for each."""
    shown = [(str(name), amount, amount / committed if committed else None) for name, amount in donors]
    shown = [row for row in shown if row[1] > 0][:DONORS_CHARTED]
    table = Table(
        name="donor-shares",
        title=_("Donors' shares of the committed EUR"),
        columns=[
            Column("donor", _("Donor")),
            Column("committed", _("Committed (EUR)"), MONEY),
            Column("share", _("Share of the committed EUR"), SHARE),
        ],
        rows=[list(row) for row in shown],
        notes=[
            _(
                "Shares of the %(committed)s committed in all; an action with several donors counts in full "
                "for each of them, so the shares can add up to more than 100%%."
            )
            % {"committed": money(committed)},
            *(
                [_("The %(count)s largest donors by committed EUR.") % {"count": DONORS_CHARTED}]
                if len(donors) > DONORS_CHARTED
                else []
            ),
        ],
    )
    return Chart(
        title=str(table.title),
        svg=charts.donor_shares_chart([(name, share) for name, _amount, share in shown if share is not None]),
        table=table,
        kind="barh",
        category="donor",
        series=("share",),
    )


def _actions_table(mapping):
    return Table(
        name="actions",
        title=_("Actions active in %(year)s") % {"year": mapping.year},
        columns=[
            Column("title", _("Action")),
            Column("partners", _("Partners")),
            Column("pillars", _("Pillars")),
            Column("donors", _("Donors")),
            Column("implementers", _("Implementers")),
            Column("start", _("Start"), DATE),
            Column("end", _("End"), DATE),
            Column("committed_in_year", _("Committed in the year (EUR)"), MONEY),
            Column("disbursed_in_year", _("Disbursed in the year (EUR)"), MONEY),
            Column("committed", _("Committed in all (EUR)"), MONEY),
        ],
        rows=[
            [
                action.title,
                list(action.partners),
                [pillar.acronym for pillar in action.pillars],
                [org.short_name for org in action.donors],
                [org.short_name for org in action.implementers],
                action.start,
                action.end,
                action.committed_in_year,
                action.disbursed_in_year,
                action.committed,
            ]
            for action in mapping.actions
        ],
    )


def _responses_table(mapping):
    rows = sorted(
        (
            [reference, need_title, action.title, Coverage(coverage).label]
            for action in mapping.actions
            for reference, need_title, coverage in action.responses
        ),
        key=lambda row: (row[0], row[2]),
    )
    return Table(
        name="responses",
        title=_("Confirmed responses of these actions to needs"),
        columns=[
            Column("reference", _("Need")),
            Column("need", _("Need title")),
            Column("action", _("Action")),
            Column("coverage", _("Coverage")),
        ],
        rows=rows,
    )


# Analysis report ---------------------------------------------------------------------------------


def _analysis_report(user, cycle, year, now):
    mapping = selectors.support_mapping(user, selectors.Scope(cycle=cycle, year=year))
    total = selectors.heatmap(mapping).total
    document = _document(
        "analysis",
        f"iisg-analysis-{cycle.first_year}-{cycle.last_year}-{year}",
        _("%(cycle)s, responses active in %(year)s") % {"cycle": cycle, "year": year},
        [_("Cycle: %(cycle)s") % {"cycle": cycle}, _("Year: %(year)s") % {"year": year}],
        now,
    )
    document.sections.append(summary.cycle_summary(user, mapping.scope, with_money=True))
    document.sections.append(_method("analysis", [str(rule) for rule in tables.RULES]))
    document.sections.append(
        Section(
            _("Coverage"),
            blocks=[
                Paragraph(
                    _(
                        "Of %(needs)s needs, %(covered)s have an active confirmed response in %(year)s; "
                        "%(gaps)s adopted needs are gaps (%(high)s of high priority) and %(overlaps)s are "
                        "overlaps of two or more donors."
                    )
                    % {
                        "needs": total.needs,
                        "covered": total.covered,
                        "year": year,
                        "gaps": total.gaps,
                        "high": total.high_priority_gaps,
                        "overlaps": total.overlaps,
                    }
                ),
                _heatmap_chart(mapping),
                tables.heatmap_table(mapping),
                _coverage_by_priority_chart(mapping),
                tables.priority_table(mapping),
                tables.area_table(mapping),
            ],
        )
    )
    document.sections.append(Section(_("Gaps, high priority first"), blocks=[tables.gaps_table(mapping)]))
    document.sections.append(
        Section(_("Priority without money"), blocks=[tables.priority_without_money_table(mapping)])
    )
    document.sections.append(Section(_("Overlaps"), blocks=[tables.overlaps_table(mapping)]))
    donors = tables.contributors_table(mapping, role=OrganisationRole.FUNDING)
    document.sections.append(
        Section(
            _("Donors and concentration"),
            blocks=[
                donors,
                _donor_shares([(row[0], row[5]) for row in donors.rows], total.committed),
                tables.concentration_table(mapping),
            ],
        )
    )
    funding = tables.funding_table(mapping)
    document.sections.append(
        Section(
            _("Funding over time"),
            blocks=[
                Chart(
                    title=funding.title,
                    svg=charts.funding_chart(selectors.funding_over_time(mapping)),
                    table=funding,
                    kind="bar",
                    category="year",
                    series=("committed", "disbursed"),
                )
            ],
        )
    )
    return document


def _heatmap_chart(mapping):
    """The heatmap of coverage by partner and pillar, with its grid of covered shares."""
    heat = selectors.heatmap(mapping)
    total = _("All pillars")
    table = Table(
        name="coverage-grid",
        title=_("Covered share by partner and pillar"),
        columns=[
            Column("partner", _("Partner")),
            *(Column(pillar.code, pillar.acronym, SHARE) for pillar in heat.pillars),
            Column("all", total, SHARE),
        ],
        rows=[
            [partner, *(cell.covered_share if cell else None for cell in cells), partner_total.covered_share]
            for partner, cells, partner_total in heat.rows()
        ],
        totals=[
            _("All partners"),
            *(heat.pillar_totals[pillar].covered_share for pillar in heat.pillars),
            heat.total.covered_share,
        ],
        notes=[_("The share of the needs with an active confirmed response; – where a partner has no need.")],
    )
    return Chart(
        title=str(_("Coverage by partner and pillar")),
        svg=charts.heatmap_chart(heat),
        table=table,
        kind="heatmap",
        category="partner",
        series=(*(pillar.code for pillar in heat.pillars), "all"),
    )


def _coverage_by_priority_chart(mapping):
    """Needs per priority, covered and not, with the table of the same counts."""
    by_priority = selectors.by_priority(mapping)
    rows = [
        [Priority(priority).label, tally.covered, tally.needs - tally.covered, tally.needs]
        for priority, tally in by_priority.items()
    ]
    table = Table(
        name="needs-by-priority",
        title=_("Needs by priority, covered or not in %(year)s") % {"year": mapping.scope.year},
        columns=[
            Column("priority", _("Priority")),
            Column("covered", _("Covered"), COUNT),
            Column("not_covered", _("Without an active response"), COUNT),
            Column("needs", _("Needs"), COUNT),
        ],
        rows=rows,
        totals=[_("Total"), *(sum(row[index] for row in rows) for index in (1, 2, 3))],
    )
    svg = charts.needs_by_priority_chart(
        [row[0] for row in rows],
        [(_("Covered"), [row[1] for row in rows]), (_("Without an active response"), [row[2] for row in rows])],
    )
    return Chart(
        title=str(_("Needs by priority")),
        svg=svg,
        table=table,
        kind="stacked",
        category="priority",
        series=("covered", "not_covered"),
    )
