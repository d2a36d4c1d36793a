"""Reads for the two dashboards: a cooperative's board (`/k/<slug>/kelola/`) and the platform
staff's overview of every cooperative (`/platform/`).

Every figure costs a fixed number of queries, whatever the number of members, postings or
cooperatives (the tests and `bench/dashboards.py` hold this):

- **members** at each month end, from the join and exit dates: members who had joined by that
  day and not left by it; one query with a filtered COUNT per month, which also gives the
  participation by fiscal year and the active members now;
- **savings by kind** and **loans outstanding** at each month end, from the ledger: the
  movements grouped by month, walked back from today's figures (the stored balances of the
  members' savings accounts, kept in step with their postings; the outstanding principal of
  disbursed loans, whose ledger account is "Loans to members"). The closed months' movements
  are summed in one query once a month and cached; a request reads only this month's
  postings, plus one EXISTS that drops the cache when an entry is dated back into a closed
  month (`balance_trends`);
- **PAR30** (outstanding principal more than 30 days past due / all outstanding principal) now
  from the loans, and for past months from the daily `PortfolioSnapshot` (the last snapshot
  of each month). A month without a snapshot is left out, and the chart says so;
- **participation** in a fiscal year: the share of the members at the year's end (today, for
  the current year) who attended a meeting or cast a vote in it. The full score, with
  mandatory savings on time and the use of services, is on the participation page;
- **to-do**: what waits for someone, in one query of counts.

The platform's figures count only verified cooperatives and are aggregates: no member's name,
number or contact is read at all.
"""

from koperasi.dashboards.board import (
    CACHE_SECONDS,
    BoardDashboard,
    LoanFigures,
    MonthFigures,
    ToDo,
    YearParticipation,
    balance_trends,
    board_dashboard,
    fiscal_years,
    loan_figures,
    member_figures,
    to_do_counts,
)
from koperasi.dashboards.charts import board_charts, count_label, percent_label, platform_charts
from koperasi.dashboards.periods import (
    KINDS,
    LOANS,
    MONTHS,
    RAT_LIST_LIMIT,
    YEARS,
    bp_percent,
    month_end,
    month_firsts,
    par_bp,
)
from koperasi.dashboards.platform import (
    CountRow,
    PlatformMonth,
    PlatformTotals,
    RatHeld,
    RatSummary,
    cooperative_counts,
    platform_totals,
    platform_trend,
    rat_this_year,
)

__all__ = [
    "CACHE_SECONDS",
    "KINDS",
    "LOANS",
    "MONTHS",
    "RAT_LIST_LIMIT",
    "YEARS",
    "BoardDashboard",
    "CountRow",
    "LoanFigures",
    "MonthFigures",
    "PlatformMonth",
    "PlatformTotals",
    "RatHeld",
    "RatSummary",
    "ToDo",
    "YearParticipation",
    "balance_trends",
    "board_charts",
    "board_dashboard",
    "bp_percent",
    "cooperative_counts",
    "count_label",
    "fiscal_years",
    "loan_figures",
    "member_figures",
    "month_end",
    "month_firsts",
    "par_bp",
    "percent_label",
    "platform_charts",
    "platform_totals",
    "platform_trend",
    "rat_this_year",
    "to_do_counts",
]
