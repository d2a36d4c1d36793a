"""The platform's dashboard: aggregates over verified cooperatives, no personal data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Count, Exists, F, OuterRef, Subquery, Sum
from django.utils import timezone

from koperasi.dashboards.board import LoanFigures, loan_aggregates
from koperasi.dashboards.periods import KINDS, RAT_LIST_LIMIT, bp_percent, month_firsts, par_bp
from koperasi.models import Cooperative, Province
from members.models import Member
from services.ledger.models import Account
from services.loans.models import Loan
from services.participation.models import Meeting
from services.snapshots import PortfolioSnapshot, last_of_each_month


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
        **loan_aggregates()
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
