"""The support mapping: coverage, gaps and overlaps, derived from needs, actions and responses.

The one calculation layer (DESIGN.md §7): the dashboards, their CSV/XLSX exports and the reports
all read their figures from `support_mapping()` and its breakdowns, never from a query of their
own.

The rules, as the Secretariat states them:
- A need is analysed when it has left its partner's hands (validated, proposed or adopted); the
  public sees the adopted needs only, and aggregates only.
- Only the actions of the mission count: those benefiting one of the six partners, or the
  Western Balkans as a region (IATI recipient region 88); imported actions outside it are kept
  but counted nowhere (iisg.actions.models.ActionQuerySet.in_mission).
- A response counts when a person confirmed it. Its action is **active in the year** when it is
  not withdrawn, neither in the pipeline nor cancelled nor suspended, and its dates (actual, else
  planned) overlap the year; a missing end leaves it running, and an action without any start
  date is active in no year (iisg.actions.models.is_active, ActionQuerySet.active_in: the one
  rule the back office, the API, the reports and the IATI export use too).
- A need's **coverage** is full when an active response covers it fully, partial when an active
  response covers it partly, none otherwise.
- A **gap** is an adopted need with no active confirmed response. An **overlap** is a need whose
  active confirmed responses come from two or more donors.
- **Donors** are an action's funding organisations; **implementers** its implementing ones.
- **Money** is in EUR at the rate of each transaction's value date (iisg.actions.money):
  commitments, and disbursements with expenditure. An action responding to several needs is
  shared equally among them, so that sums over needs never count an action twice. Transactions
  without a EUR figure (no currency or no rate) are left out and counted.

The modules:
- `scope`: what the analysis looks at (the scope, the analysed needs, the transactions that count
  as money);
- `mapping`: the support mapping of a scope, kept in the process while the data stays the same;
- `breakdowns`: the tallies, heatmap, donors and implementers, funding and concentration of a
  mapping, each worked out once per mapping;
- `responses`: the response mapping of a year, seen from the actions;
- `headline`: the few public figures of the home page.
"""

from .breakdowns import (
    PRIORITY_ORDER,
    Concentration,
    Contributor,
    Heatmap,
    Tally,
    YearFunding,
    breakdown,
    by_area,
    by_priority,
    concentration,
    contributors,
    funding_over_time,
    heatmap,
    priority_without_money,
    sort_by_priority,
    tally,
)
from .headline import Headline, headline_figures
from .mapping import (
    ActionLine,
    NeedCoverage,
    SupportMapping,
    data_version,
    forget_computed,
    support_mapping,
    warm_support_mappings,
)
from .responses import ActionYear, ResponseMapping, response_mapping
from .scope import (
    COMMITMENT_TYPES,
    DISBURSEMENT_TYPES,
    YEAR_OF_DATE,
    ZERO,
    Scope,
    analysed_needs,
    default_cycle,
    default_year,
)

__all__ = [
    "COMMITMENT_TYPES",
    "DISBURSEMENT_TYPES",
    "PRIORITY_ORDER",
    "YEAR_OF_DATE",
    "ZERO",
    "ActionLine",
    "ActionYear",
    "Concentration",
    "Contributor",
    "Headline",
    "Heatmap",
    "NeedCoverage",
    "ResponseMapping",
    "Scope",
    "SupportMapping",
    "Tally",
    "YearFunding",
    "analysed_needs",
    "breakdown",
    "by_area",
    "by_priority",
    "concentration",
    "contributors",
    "data_version",
    "default_cycle",
    "default_year",
    "forget_computed",
    "funding_over_time",
    "headline_figures",
    "heatmap",
    "priority_without_money",
    "response_mapping",
    "sort_by_priority",
    "support_mapping",
    "tally",
    "warm_support_mappings",
]
