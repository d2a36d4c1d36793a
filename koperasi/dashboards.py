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

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.core.cache import cache
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
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
from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from koperasi.charts import bar_list_chart, column_chart, stacked_column_chart
from koperasi.models import Cooperative, Province
from koperasi.money import format_rupiah
from koperasi.notifications.models import Delivery
from members.models import Member
from services.ledger import chart
from services.ledger.models import Account, Posting, SavingsKind
from services.loans.models import Loan
from services.participation.models import Attendance, Meeting, VoteCast
from services.participation.shu import fiscal_year_bounds
from services.savings.actions import add_months
from services.savings.models import WithdrawalRequest
from services.snapshots import PAR_DAYS, PortfolioSnapshot, last_of_each_month

MONTHS = 12
YEARS = 5
LOANS = "loans"
KINDS = tuple(SavingsKind.values)  # pokok, wajib, sukarela
RAT_LIST_LIMIT = 200


def month_firsts(today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The first days of the last `months` months, oldest first, the current month last."""
    current = today.replace(day=1)
    return [add_months(current, offset) for offset in range(1 - months, 1)]


def month_end(first: dt.date, today: dt.date) -> dt.date:
    """The last day of the month, or today for the current month."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return min(last, today)


def par_bp(at_risk: int, outstanding: int) -> int:
    """PAR as whole basis points (3333 = 33,33 %), half up; 0 for an empty portfolio."""
    if outstanding <= 0:
        return 0
    ratio = Decimal(at_risk) * 10000 / Decimal(outstanding)
    return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def bp_percent(bp: int | None) -> Decimal | None:
    """Basis points as a percent with two decimals (3333 -> 33.33)."""
    return None if bp is None else (Decimal(bp) / 100).quantize(Decimal("0.01"))


# --- The board's dashboard --------------------------------------------------------------------


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


def _loan_aggregates() -> dict:
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
        **_loan_aggregates()
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


# --- The platform's dashboard -----------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    total: int
    by_status: dict[str, int]


def cooperative_counts() -> tuple[dict[str, int], list[CountRow], list[CountRow]]:
    """(cooperatives by status, by province, by type), each province and type split by status
    (one GROUP BY query). Provinces and types without a cooperative are left out."""
    rows = (
        Cooperative.objects.order_by()
        .values("province_id", "type", "status")
        .annotate(n=Count("pk"))
        .values_list("province_id", "type", "status", "n")
    )
    statuses = dict.fromkeys(Cooperative.Status.values, 0)
    provinces: dict[str, dict[str, int]] = {}
    types: dict[str, dict[str, int]] = {}
    for province, kind, status, n in rows:
        statuses[status] = statuses.get(status, 0) + n
        for bucket, key in ((provinces, province), (types, kind)):
            split = bucket.setdefault(key, dict.fromkeys(Cooperative.Status.values, 0))
            split[status] = split.get(status, 0) + n
    names = dict(Province.objects.filter(pk__in=provinces).values_list("pk", "name"))
    by_province = sorted(
        (
            CountRow(key=k, label=names.get(k, k), total=sum(v.values()), by_status=v)
            for k, v in provinces.items()
        ),
        key=lambda row: (-row.total, row.label),
    )
    labels = dict(Cooperative.Type.choices)
    by_type = sorted(
        (
            CountRow(key=k, label=str(labels.get(k, k)), total=sum(v.values()), by_status=v)
            for k, v in types.items()
        ),
        key=lambda row: (-row.total, row.label),
    )
    return statuses, by_province, by_type


@dataclass(frozen=True)
class PlatformTotals:
    cooperatives: int
    members: int
    savings: dict[str, int]
    loans: LoanFigures

    @property
    def savings_total(self) -> int:
        return sum(self.savings.values())


def platform_totals() -> PlatformTotals:
    """Members, savings by kind, loans outstanding and PAR30 across the verified cooperatives
    (three queries; nothing about any one member is read)."""
    verified = Cooperative.objects.verified().order_by().values("pk")
    members = Member.objects.filter(
        cooperative__in=verified, status=Member.Status.ACTIVE
    ).aggregate(n=Count("pk"), cooperatives=Count("cooperative", distinct=True))
    savings = dict.fromkeys(KINDS, 0)
    for kind, total in (
        Account.objects.filter(
            cooperative__in=verified, member__isnull=False, savings_kind__in=KINDS
        )
        .order_by()
        .values("savings_kind")
        .annotate(total=Sum("balance"))
        .values_list("savings_kind", "total")
    ):
        savings[kind] = total or 0
    loans = Loan.objects.filter(cooperative__in=verified, status=Loan.Status.ACTIVE).aggregate(
        **_loan_aggregates()
    )
    return PlatformTotals(
        cooperatives=members["cooperatives"],
        members=members["n"],
        savings=savings,
        loans=LoanFigures(**loans),
    )


@dataclass(frozen=True)
class RatHeld:
    pk: int
    name: str
    province: str
    held_on: dt.datetime


@dataclass(frozen=True)
class RatSummary:
    year: int
    verified: int
    held: int
    by_province: list[tuple[str, int, int]]  # (province, verified, held)
    cooperatives: list[RatHeld]  # the latest first, at most RAT_LIST_LIMIT

    @property
    def more(self) -> int:
        return self.held - len(self.cooperatives)


def rat_this_year(*, by_province: list[CountRow], now: dt.datetime | None = None) -> RatSummary:
    """Verified cooperatives that held their RAT (annual members' meeting) this calendar year:
    a RAT meeting that has started by now (two queries)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    year = timezone.localdate(now).year
    rats = Meeting.objects.filter(
        kind=Meeting.Kind.RAT,
        starts_at__gte=dt.datetime(year, 1, 1, tzinfo=tz),
        starts_at__lte=now,
    )
    held = list(
        Cooperative.objects.verified()
        .filter(Exists(rats.filter(cooperative=OuterRef("pk"))))
        .annotate(
            held_on=Subquery(
                rats.filter(cooperative=OuterRef("pk"))
                .order_by("-starts_at")
                .values("starts_at")[:1]
            ),
        )
        .values_list("pk", "name", "province_id", "province__name", "held_on")
        .order_by("-held_on", "name")
    )
    held_by_province: dict[str, int] = {}
    for _pk, _name, province_id, _province, _on in held:
        held_by_province[province_id] = held_by_province.get(province_id, 0) + 1
    verified = Cooperative.Status.VERIFIED
    return RatSummary(
        year=year,
        verified=sum(row.by_status.get(verified, 0) for row in by_province),
        held=len(held),
        by_province=[
            (row.label, row.by_status.get(verified, 0), held_by_province.get(row.key, 0))
            for row in by_province
            if row.by_status.get(verified, 0)
        ],
        cooperatives=[
            RatHeld(pk=pk, name=name, province=province, held_on=on)
            for pk, name, _province_id, province, on in held[:RAT_LIST_LIMIT]
        ],
    )


@dataclass(frozen=True)
class PlatformMonth:
    month: dt.date
    cooperatives: int
    members: int
    savings: int
    loans: int
    par30_bp: int

    @property
    def par30_percent(self) -> Decimal:
        return bp_percent(self.par30_bp)


def platform_trend(*, today: dt.date | None = None) -> list[tuple[dt.date, PlatformMonth | None]]:
    """The verified cooperatives' snapshots summed per day, the last day of each month with
    snapshots kept: (first day, figures) for each of the last twelve months, None for a month
    without any (one query, at most one row a day)."""
    today = today or timezone.localdate()
    firsts = month_firsts(today)
    rows = (
        PortfolioSnapshot.objects.filter(
            cooperative__status=Cooperative.Status.VERIFIED, date__gte=firsts[0]
        )
        .order_by()
        .values("date")
        .annotate(
            cooperatives=Count("pk"),
            members=Sum("members"),
            savings=Sum(F("savings_pokok") + F("savings_wajib") + F("savings_sukarela")),
            loans=Sum("loans_outstanding"),
            at_risk=Sum("par30_outstanding"),
        )
    )
    days = (SimpleNamespace(date=row["date"], row=row) for row in rows)
    chosen = last_of_each_month(days, first=firsts[0])
    trend: list[tuple[dt.date, PlatformMonth | None]] = []
    for first in firsts:
        day = chosen.get(first)
        if day is None:
            trend.append((first, None))
            continue
        row = day.row
        trend.append(
            (
                first,
                PlatformMonth(
                    month=first,
                    cooperatives=row["cooperatives"],
                    members=row["members"] or 0,
                    savings=row["savings"] or 0,
                    loans=row["loans"] or 0,
                    par30_bp=par_bp(row["at_risk"] or 0, row["loans"] or 0),
                ),
            )
        )
    return trend


# --- The charts -------------------------------------------------------------------------------


def count_label(value: int) -> str:
    """50000 -> "50.000" in Indonesian, "50,000" in English."""
    return number_format(value, force_grouping=True)


def percent_label(bp: int) -> str:
    """Basis points as a percent: 3333 -> "33,33%" in Indonesian."""
    return f"{number_format(bp_percent(bp), 2)}%"


def _month(first: dt.date) -> str:
    return date_format(first, "M y")


def _from_to(first: dt.date, first_value: str, last: dt.date, last_value: str) -> str:
    return _("From %(first)s in %(first_month)s to %(last)s in %(last_month)s.") % {
        "first": first_value,
        "first_month": date_format(first, "F Y"),
        "last": last_value,
        "last_month": date_format(last, "F Y"),
    }


def board_charts(figures: BoardDashboard) -> dict[str, SafeString]:
    """The dashboard's charts: members, savings by kind, and (unless the tellers' version)
    loans outstanding, PAR30 and participation."""
    months = figures.months
    first, last = months[0], months[-1]
    charts = {
        "members": column_chart(
            points=[(_month(m.month), m.members) for m in months],
            title=_("Members at each month end"),
            description=_from_to(
                first.month, count_label(first.members), last.month, count_label(last.members)
            ),
            element_id="chart-members",
            value_label=count_label,
        ),
        "savings": stacked_column_chart(
            points=[(_month(m.month), [m.savings[kind] for kind in KINDS]) for m in months],
            series=[_("Pokok"), _("Wajib"), _("Sukarela")],
            title=_("Savings by kind at each month end"),
            description=_from_to(
                first.month,
                format_rupiah(first.savings_total),
                last.month,
                format_rupiah(last.savings_total),
            ),
            element_id="chart-savings",
        ),
    }
    if figures.loans is None:
        return charts
    charts["loans"] = column_chart(
        points=[(_month(m.month), m.loans) for m in months],
        title=_("Loans outstanding at each month end"),
        description=_from_to(
            first.month, format_rupiah(first.loans), last.month, format_rupiah(last.loans)
        ),
        element_id="chart-loans",
    )
    shown = [m for m in months if m.par30_bp is not None]
    par_description = ", ".join(f"{_month(m.month)}: {percent_label(m.par30_bp)}" for m in shown)
    if figures.months_without_snapshot:
        par_description += " " + _("No snapshot, left out: %(months)s.") % {
            "months": ", ".join(_month(month) for month in figures.months_without_snapshot)
        }
    charts["par30"] = column_chart(
        points=[(_month(m.month), m.par30_bp) for m in months],
        title=_("PAR30 at each month end"),
        description=par_description.strip(),
        element_id="chart-par30",
        value_label=percent_label,
    )
    if figures.participation:
        charts["participation"] = column_chart(
            points=[(str(y.year), y.bp) for y in figures.participation],
            title=_("Members who attended a meeting or voted, by fiscal year"),
            description=", ".join(
                f"{y.year}: {percent_label(y.bp)}" for y in figures.participation
            ),
            element_id="chart-participation",
            label_every=1,
            value_label=percent_label,
        )
    return charts


def platform_charts(
    *,
    by_province: list[CountRow],
    by_type: list[CountRow],
    trend: list[tuple[dt.date, PlatformMonth | None]],
) -> dict[str, SafeString]:
    """Verified cooperatives by province and by type; members, savings, loans and PAR30
    across them from the snapshots (months without any left out)."""
    verified = Cooperative.Status.VERIFIED
    provinces = [(row.label, row.by_status[verified]) for row in by_province]
    types = [(row.label, row.by_status[verified]) for row in by_type]
    missing = [first for first, month in trend if month is None]
    gap = (
        " "
        + _("No snapshot, left out: %(months)s.")
        % {"months": ", ".join(_month(first) for first in missing)}
        if missing
        else ""
    )

    def series(name: str, title: str, label, element_id: str) -> SafeString:
        points = [(_month(first), getattr(m, name) if m else None) for first, m in trend]
        return column_chart(
            points=points,
            title=title,
            description=(
                ", ".join(f"{label_}: {label(v)}" for label_, v in points if v is not None) + gap
            ).strip(),
            element_id=element_id,
            value_label=label,
        )

    return {
        "provinces": bar_list_chart(
            rows=[row for row in provinces if row[1]],
            title=_("Verified cooperatives by province"),
            description=", ".join(f"{label}: {n}" for label, n in provinces if n),
            element_id="chart-provinces",
            value_label=count_label,
        ),
        "types": bar_list_chart(
            rows=[row for row in types if row[1]],
            title=_("Verified cooperatives by type"),
            description=", ".join(f"{label}: {n}" for label, n in types if n),
            element_id="chart-types",
            value_label=count_label,
        ),
        "members": series(
            "members", _("Members at each month end"), count_label, "chart-platform-members"
        ),
        "savings": series(
            "savings", _("Savings at each month end"), format_rupiah, "chart-platform-savings"
        ),
        "loans": series(
            "loans",
            _("Loans outstanding at each month end"),
            format_rupiah,
            "chart-platform-loans",
        ),
        "par30": series(
            "par30_bp", _("PAR30 at each month end"), percent_label, "chart-platform-par30"
        ),
    }
