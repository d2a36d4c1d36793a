"""Shared test helpers for money: what a refused action must leave untouched."""

from __future__ import annotations

from services.ledger.models import Account, JournalEntry, Posting
from services.savings.models import MonthEndRun, SavingsBill


def books() -> tuple:
    """Entry and posting counts, every balance, every bill and month-end run: a refusal
    changes none of them."""
    return (
        JournalEntry.objects.count(),
        Posting.objects.count(),
        dict(Account.objects.values_list("pk", "balance")),
        sorted(SavingsBill.objects.values_list("pk", "kind", "period", "paid_amount", "status")),
        MonthEndRun.objects.count(),
    )
