"""The board's dashboard: members, savings, loans and PAR30 by month, participation, to-do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import (
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from koperasi.dashboards.periods import (
    KINDS,
    LOANS,
    YEARS,
    bp_percent,
    month_end,
    month_firsts,
    par_bp,
)
from koperasi.models import Cooperative
from koperasi.notifications.models import Delivery
from members.models import Member
from services.ledger import chart
from services.ledger.models import Account, Posting
from services.loans.models import Loan
from services.participation.models import Attendance, VoteCast
from services.participation.shu import fiscal_year_bounds
from services.savings.actions import add_months
from services.savings.models import WithdrawalRequest
from services.snapshots import PAR_DAYS, PortfolioSnapshot, last_of_each_month


@dataclass(frozen=True)
class ToDo:
    applications: int = 0
    loans_to_approve: int = 0
    loans_to_disburse: int = 0
    withdrawals: int = 0
    failed_notifications: int = 0

    @property
    def total(self) -> int:
        return (
            self.applications
            + self.loans_to_approve
            + self.loans_to_disburse
            + self.withdrawals
            + self.failed_notifications
        )


def _count(queryset, key: str = "cooperative") -> Subquery:
    """A correlated COUNT(*) of `queryset` for the outer cooperative, 0 when there is none."""
    rows = queryset.filter(**{key: OuterRef("pk")}).order_by().values(key)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), Value(0))


def to_do_counts(*, cooperative: Cooperative) -> ToDo:
    """What waits for someone: membership applications, loans to approve and to disburse,
    withdrawal requests, messages that failed for good (one query)."""
    row = (
        Cooperative.objects.filter(pk=cooperative.pk)
        .annotate(
            applications=_count(Member.objects.filter(status=Member.Status.APPLICANT)),
            loans_to_approve=_count(Loan.objects.filter(status=Loan.Status.APPLIED)),
            loans_to_disburse=_count(Loan.objects.filter(status=Loan.Status.APPROVED)),
            withdrawals=_count(
                WithdrawalRequest.objects.filter(status=WithdrawalRequest.Status.PENDING)
            ),
            failed_notifications=_count(
                Delivery.objects.filter(status=Delivery.Status.FAILED),
                key="notification__cooperative",
            ),
        )
        .values(
            "applications",
            "loans_to_approve",
            "loans_to_disburse",
            "withdrawals",
            "failed_notifications",
        )
        .first()
    )
    return ToDo(**row) if row else ToDo()


@dataclass(frozen=True)
class YearParticipation:
    year: int
    members: int  # members at the year's end (today for the current year)
    took_part: int  # of them, those who attended a meeting or voted in the year

    @property
    def bp(self) -> int:
        return par_bp(self.took_part, self.members)

    @property
    def percent(self) -> Decimal:
        return bp_percent(self.bp)


def _member_at(day: dt.date) -> Q:
    return Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day))


def fiscal_years(cooperative: Cooperative, today: dt.date, years: int = YEARS) -> list[int]:
    """The last `years` fiscal years, oldest first, the current one last (a fiscal year is
    named after the calendar year it ends in)."""
    start_month = cooperative.fiscal_year_start_month or 1
    current = today.year if start_month == 1 or today.month < start_month else today.year + 1
    return [current - back for back in range(years - 1, -1, -1)]


def member_figures(
    *, cooperative: Cooperative, firsts: list[dt.date], today: dt.date, participation: bool
) -> tuple[int, list[int], list[YearParticipation]]:
    """(active members now, members at each month end, participation by fiscal year), one
    query. Years before the first member joined are left out."""
    aggregates = {
        "active": Count("pk", filter=Q(status=Member.Status.ACTIVE)),
        **{
            f"m{index}": Count("pk", filter=_member_at(month_end(first, today)))
            for index, first in enumerate(firsts)
        },
    }
    years = fiscal_years(cooperative, today) if participation else []
    tz = timezone.get_current_timezone()
    for year in years:
        first, last = fiscal_year_bounds(cooperative, year)
        end = min(last, today)
        start_at = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
        end_at = min(
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
            timezone.now(),
        )
        attended = Attendance.objects.filter(
            meeting__cooperative=cooperative,
            meeting__starts_at__gte=start_at,
            meeting__starts_at__lt=end_at,
            present_at__isnull=False,
        ).values("member_id")
        voted = VoteCast.objects.filter(
            vote__cooperative=cooperative, cast_on__gte=first, cast_on__lte=end
        ).values("member_id")
        aggregates[f"y{year}"] = Count("pk", filter=_member_at(end))
        aggregates[f"p{year}"] = Count(
            "pk", filter=_member_at(end) & (Q(pk__in=attended) | Q(pk__in=voted))
        )
    row = Member.objects.filter(cooperative=cooperative).aggregate(**aggregates)
    by_month = [row[f"m{index}"] for index in range(len(firsts))]
    by_year = [
        YearParticipation(year=year, members=row[f"y{year}"], took_part=row[f"p{year}"])
        for year in years
    ]
    while by_year and by_year[0].members == 0:
        by_year.pop(0)
    return row["active"], by_month, by_year


#: How long the movements of the window's closed months stay cached. An entry dated in one of
#: them and posted since (a correction, a late entry) drops them at once (`_closed_months`).
CACHE_SECONDS = 6 * 3600

Moves = dict[tuple[str, dt.date], int]


def _grouped(postings, accounts: Q) -> tuple[Moves, int]:
    """(movements in the accounts' normal sign per (kind, month), the highest entry id read)
    of `postings` on `accounts`, one GROUP BY query; the loans account counts as LOANS."""
    rows = (
        postings.filter(accounts)
        .annotate(month=TruncMonth("date"))
        .order_by()
        .values("month", "account__savings_kind")
        .annotate(
            total=Sum(
                ExpressionWrapper(
                    F("amount") * F("account__normal_sign"), output_field=BigIntegerField()
                )
            ),
            last_entry=Max("entry_id"),
        )
        .values_list("month", "account__savings_kind", "total", "last_entry")
    )
    moved: Moves = {}
    last = 0
    for month, kind, total, last_entry in rows:
        key = (kind or LOANS, month)
        moved[key] = moved.get(key, 0) + (total or 0)
        last = max(last, last_entry or 0)
    return moved, last


def _closed_months(cooperative: Cooperative, firsts: list[dt.date], accounts: Q, key: str):
    """The movements of the window's closed months (from the second month shown to the end of
    last month): from the cache unless an entry dated in them has been posted since they were
    summed (one query either way).

    The cache keeps the highest entry id that was summed; a later entry on these accounts
    dated in these months means a correction or a late entry, and the months are summed
    again. An entry numbered earlier but committed after the sum (a race of a few
    milliseconds with a backdated posting) would be missed until the cache expires."""
    current = firsts[-1]
    closed = Posting.objects.filter(cooperative=cooperative, date__gte=firsts[1], date__lt=current)
    cached = cache.get(key)
    if cached is not None:
        summed_up_to, moved = cached
        if not closed.filter(accounts, entry_id__gt=summed_up_to).exists():
            return moved
    moved, last = _grouped(closed, accounts)
    cache.set(key, (last, moved), CACHE_SECONDS)
    return moved


def balance_trends(
    *, cooperative: Cooperative, firsts: list[dt.date], loans_now: int | None
) -> dict[str, list[int]]:
    """Savings by kind (and loans outstanding, unless `loans_now` is None) at each month end,
    oldest first, the current month as of now. Each earlier month end is today's figure less
    what moved after it. Three queries: today's savings balances, this month's movements
    (and any dated later), and the closed months' movements, summed once a month and then
    kept in the cache (`_closed_months`): the page reads this month's postings, never the
    year's."""
    now = dict.fromkeys(KINDS, 0)
    for kind, total in (
        Account.objects.filter(
            cooperative=cooperative, member__isnull=False, savings_kind__in=KINDS
        )
        .order_by()
        .values("savings_kind")
        .annotate(total=Sum("balance"))
        .values_list("savings_kind", "total")
    ):
        now[kind] = total or 0
    accounts = Q(account__member__isnull=False, account__savings_kind__in=KINDS)
    if loans_now is not None:
        now[LOANS] = loans_now
        accounts |= Q(account__member__isnull=True, account__code=chart.LOANS_RECEIVABLE)
    current = firsts[-1]
    after = add_months(current, 1)
    moved: Moves = {}
    if len(firsts) > 1:
        key = f"dashboard-moves:{cooperative.pk}:{current:%Y-%m}:{int(loans_now is not None)}"
        moved.update(_closed_months(cooperative, firsts, accounts, key))
        # This month's postings, found through the entries' (cooperative, date) index.
        recent = Posting.objects.filter(entry__cooperative=cooperative, entry__date__gte=current)
        for (kind, month), total in _grouped(recent, accounts)[0].items():
            month = min(month, after)  # anything dated later counts as "after"
            moved[(kind, month)] = moved.get((kind, month), 0) + total
    trends = {}
    for key, figure in now.items():
        balance = figure - moved.get((key, after), 0)
        series = []
        for first in reversed(firsts):
            series.append(balance)
            balance -= moved.get((key, first), 0)
        series.reverse()
        trends[key] = series
    return trends


@dataclass(frozen=True)
class LoanFigures:
    loans: int
    outstanding: int
    at_risk: int

    @property
    def par30_bp(self) -> int:
        return par_bp(self.at_risk, self.outstanding)

    @property
    def par30_percent(self) -> Decimal:
        return bp_percent(self.par30_bp)


def loan_aggregates() -> dict:
    return {
        "loans": Count("pk"),
        "outstanding": Coalesce(Sum("outstanding_principal"), Value(0)),
        "at_risk": Coalesce(
            Sum("outstanding_principal", filter=Q(days_past_due__gt=PAR_DAYS)), Value(0)
        ),
    }


def loan_figures(*, cooperative: Cooperative) -> LoanFigures:
    """Disbursed loans now: how many, outstanding principal, and the part more than 30 days
    late (one query)."""
    row = Loan.objects.filter(cooperative=cooperative, status=Loan.Status.ACTIVE).aggregate(
        **loan_aggregates()
    )
    return LoanFigures(**row)


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date  # the first day of the month
    members: int
    savings: dict[str, int]  # by kind, at the month end (today for the current month)
    loans: int | None = None
    par30_bp: int | None = None  # None: no snapshot that month

    @property
    def savings_total(self) -> int:
        return sum(self.savings.values())

    @property
    def par30_percent(self) -> Decimal | None:
        return bp_percent(self.par30_bp)


@dataclass(frozen=True)
class BoardDashboard:
    to_do: ToDo
    members: int
    savings: dict[str, int]
    months: list[MonthFigures]
    loans: LoanFigures | None = None
    participation: list[YearParticipation] = field(default_factory=list)
    months_without_snapshot: list[dt.date] = field(default_factory=list)

    @property
    def savings_total(self) -> int:
        return sum(self.savings.values())

    @property
    def year_ago(self) -> MonthFigures:
        return self.months[0]


def board_dashboard(*, cooperative: Cooperative, portfolio: bool = True) -> BoardDashboard:
    """Everything on the board's dashboard, as of now. `portfolio=False` (the tellers'
    version) leaves out loans, PAR30 and participation, and their queries. Seven queries at
    most, whatever the number of members or postings."""
    today = timezone.localdate()
    firsts = month_firsts(today)
    to_do = to_do_counts(cooperative=cooperative)
    active, members, participation = member_figures(
        cooperative=cooperative, firsts=firsts, today=today, participation=portfolio
    )
    loans = loan_figures(cooperative=cooperative) if portfolio else None
    trends = balance_trends(
        cooperative=cooperative,
        firsts=firsts,
        loans_now=loans.outstanding if loans else None,
    )
    snapshots = (
        PortfolioSnapshot.objects.filter(cooperative=cooperative, date__gte=firsts[0])
        .order_by()
        .only("date", "loans_outstanding", "par30_outstanding")
        if portfolio
        else []
    )
    by_month = last_of_each_month(snapshots, first=firsts[0])
    months = []
    missing = []
    for index, first in enumerate(firsts):
        par30 = None
        if loans is not None:
            if first == firsts[-1]:
                par30 = loans.par30_bp  # this month: today's loans
            elif first in by_month:
                shot = by_month[first]
                par30 = par_bp(shot.par30_outstanding, shot.loans_outstanding)
            else:
                missing.append(first)
        months.append(
            MonthFigures(
                month=first,
                members=members[index],
                savings={kind: trends[kind][index] for kind in KINDS},
                loans=trends[LOANS][index] if loans is not None else None,
                par30_bp=par30,
            )
        )
    return BoardDashboard(
        to_do=to_do,
        members=active,
        savings={kind: trends[kind][-1] for kind in KINDS},
        months=months,
        loans=loans,
        participation=participation,
        months_without_snapshot=missing,
    )
