"""The support mapping: coverage, gaps and overlaps, derived from needs, actions and responses.

The one calculation layer (DESIGN.md §7): the dashboards, their CSV/XLSX exports and the reports
all read their figures from `support_mapping()` and its breakdowns, never from a query of their
own.

The rules, as the Secretariat states them:
- A need is analysed when it has left its partner's hands (validated, proposed or adopted); the
  public sees the adopted needs only, and aggregates only.
- A response counts when a person confirmed it. Its action is **active in the year** when it is
  not withdrawn, neither in the pipeline nor cancelled nor suspended, and its dates (actual, else
  planned) overlap the year; a missing start or end leaves that side open.
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
- `scope`: what the analysis looks at (the scope, the analysed needs, the actions active in a year,
  the transactions that count as money);
- `mapping`: the support mapping of a scope, kept in the process while the data stays the same;
- `breakdowns`: the tallies, heatmap, donors and implementers, funding and concentration of a
  mapping, each worked out once per mapping;
- `responses`: the response mapping of a year, seen from the actions.
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
from .mapping import (
    ActionLine,
    NeedCoverage,
    SupportMapping,
    data_version,
    forget_computed,
    support_mapping,
)
from .responses import ActionYear, ResponseMapping, response_mapping
from .scope import (
    ANALYSED_STATUSES,
    COMMITMENT_TYPES,
    DISBURSEMENT_TYPES,
    INACTIVE_STATUSES,
    YEAR_OF_DATE,
    ZERO,
    Scope,
    active_actions,
    analysed_needs,
    default_cycle,
    default_year,
    is_active,
)

__all__ = [
    "ANALYSED_STATUSES",
    "COMMITMENT_TYPES",
    "DISBURSEMENT_TYPES",
    "INACTIVE_STATUSES",
    "PRIORITY_ORDER",
    "YEAR_OF_DATE",
    "ZERO",
    "ActionLine",
    "ActionYear",
    "Concentration",
    "Contributor",
    "Heatmap",
    "NeedCoverage",
    "ResponseMapping",
    "Scope",
    "SupportMapping",
    "Tally",
    "YearFunding",
    "active_actions",
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
    "heatmap",
    "is_active",
    "priority_without_money",
    "response_mapping",
    "sort_by_priority",
    "support_mapping",
    "tally",
]
