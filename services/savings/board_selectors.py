"""Reads for the board: totals and arrears across the cooperative (set-based, no loops)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from koperasi.models import Cooperative
from members.models import Member
from services.ledger.models import Account, SavingsKind
from services.savings.models import SavingsBill, WithdrawalRequest


def savings_totals(*, cooperative: Cooperative) -> dict[str, int]:
    """The cooperative's savings by kind, from the members' stored balances (one query)."""
    rows = (
        Account.objects.filter(cooperative=cooperative, member__isnull=False)
        .values("savings_kind")
        .annotate(total=Sum("balance"))
    )
    totals = dict.fromkeys(SavingsKind.values, 0)
    totals.update({row["savings_kind"]: row["total"] or 0 for row in rows})
    totals["all"] = sum(totals[kind] for kind in SavingsKind.values)
    return totals


def arrears(*, cooperative: Cooperative, today: dt.date | None = None) -> QuerySet[Member]:
    """Members with overdue bills: how many months, how much, since when (one query)."""
    today = today or timezone.localdate()
    overdue = Q(bills__status=SavingsBill.Status.OPEN, bills__due_date__lt=today)
    return (
        Member.objects.filter(cooperative=cooperative, status=Member.Status.ACTIVE)
        .annotate(
            overdue_bills=Count("bills", filter=overdue),
            overdue_amount=Sum("bills__amount", filter=overdue)
            - Sum("bills__paid_amount", filter=overdue),
            overdue_since=Min("bills__period", filter=overdue),
        )
        .filter(overdue_bills__gt=0)
        .order_by("-overdue_bills", "number")
    )


def to_do(*, cooperative: Cooperative) -> dict[str, int]:
    """What waits for the board or a teller: applications and withdrawal requests."""
    return {
        "applications": Member.objects.filter(
            cooperative=cooperative, status=Member.Status.APPLICANT
        ).count(),
        "withdrawals": WithdrawalRequest.objects.filter(
            cooperative=cooperative, status=WithdrawalRequest.Status.PENDING
        ).count(),
        "members": Member.objects.filter(
            cooperative=cooperative, status=Member.Status.ACTIVE
        ).count(),
    }
