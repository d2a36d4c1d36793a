"""Reads for a member's own savings pages: balances, bills, history, statements, the chart.

Balances are shown from the member's side: an account's stored `balance` is already in its
normal sign (positive = what the member has), and a posting moves it by
`amount * account.normal_sign` (a deposit credits the member account, so its posting amount
is negative and the member sees it as plus). Every function here runs a fixed number of
queries, whatever the length of the member's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from services.ledger.models import Account, Posting, SavingsKind
from services.savings.actions import add_months, month_start, product_for
from services.savings.models import SavingsBill, WithdrawalRequest

KINDS: tuple[str, ...] = tuple(SavingsKind.values)  # pokok, wajib, sukarela: display order
#: The Indonesian terms alone, for narrow columns (the UI keeps them in both languages).
SHORT_KIND_LABELS = {
    SavingsKind.POKOK: _("simpanan pokok"),
    SavingsKind.WAJIB: _("simpanan wajib"),
    SavingsKind.SUKARELA: _("simpanan sukarela"),
}
HISTORY_PAGE_SIZE = 20
CHART_MONTHS = 24


# --- Accounts and balances ---------------------------------------------------------------


def member_accounts(*, member) -> dict[str, Account]:
    """The member's savings accounts by kind (one query)."""
    return {
        account.savings_kind: account
        for account in Account.objects.filter(member=member).exclude(savings_kind="")
    }


def accounts_of_kind(accounts: dict[str, Account], kind: str) -> list[Account]:
    """The accounts a filter covers: one kind, or all of them when `kind` is empty."""
    if kind:
        return [accounts[kind]] if kind in accounts else []
    return [accounts[k] for k in KINDS if k in accounts]


@dataclass(frozen=True)
class Balances:
    pokok: int
    wajib: int
    sukarela: int

    @property
    def total(self) -> int:
        return self.pokok + self.wajib + self.sukarela

    def items(self) -> list[tuple[str, str, int]]:
        """(kind, label, balance) in display order."""
        return [(kind, str(SavingsKind(kind).label), getattr(self, kind)) for kind in KINDS]


def balances_of(accounts: dict[str, Account]) -> Balances:
    return Balances(**{kind: accounts[kind].balance if kind in accounts else 0 for kind in KINDS})


def _member_sum(postings: QuerySet[Posting], accounts: Sequence[Account]) -> int:
    """What `postings` moved the accounts by, from the member's side (one query)."""
    signs = {account.pk: account.normal_sign for account in accounts}
    rows = (
        postings.filter(account_id__in=signs)
        .order_by()
        .values_list("account_id")
        .annotate(total=Sum("amount"))
    )
    return sum(total * signs[account_id] for account_id, total in rows)


# --- Bills and requests ------------------------------------------------------------------


@dataclass(frozen=True)
class OpenBill:
    kind: str
    period: dt.date
    due_date: dt.date
    outstanding: int
    overdue: bool


@dataclass(frozen=True)
class BillSummary:
    wajib: list[OpenBill] = field(default_factory=list)
    pokok: list[OpenBill] = field(default_factory=list)

    @property
    def wajib_overdue(self) -> int:
        return sum(1 for bill in self.wajib if bill.overdue)

    @property
    def wajib_outstanding(self) -> int:
        return sum(bill.outstanding for bill in self.wajib)

    @property
    def pokok_outstanding(self) -> int:
        return sum(bill.outstanding for bill in self.pokok)


def member_open_bills(*, member, today: dt.date | None = None) -> BillSummary:
    """The member's unpaid pokok and wajib bills, oldest first; overdue once past the due
    date (one query)."""
    today = today or timezone.localdate()
    summary = BillSummary()
    for bill in SavingsBill.objects.filter(member=member, status=SavingsBill.Status.OPEN).order_by(
        "period", "pk"
    ):
        open_bill = OpenBill(
            kind=bill.kind,
            period=bill.period,
            due_date=bill.due_date,
            outstanding=bill.outstanding,
            overdue=bill.due_date < today,
        )
        (summary.wajib if bill.kind == SavingsKind.WAJIB else summary.pokok).append(open_bill)
    return summary


def member_withdrawal_requests(*, member, pending_only: bool = False) -> list[WithdrawalRequest]:
    """The member's own withdrawal requests, newest first (one query; a member makes few)."""
    requests = WithdrawalRequest.objects.filter(member=member)
    if pending_only:
        requests = requests.filter(status=WithdrawalRequest.Status.PENDING)
    return list(requests.order_by("-created_at", "-pk"))


@dataclass(frozen=True)
class WithdrawalRoom:
    balance: int
    minimum: int
    pending: int

    @property
    def available(self) -> int:
        """What the member may still ask for: the same sum the action checks."""
        return max(0, self.balance - self.minimum - self.pending)


def withdrawal_room(
    *, member, accounts: dict[str, Account], requests: Iterable[WithdrawalRequest]
) -> WithdrawalRoom:
    """How much sukarela the member can ask to withdraw now (one query for the product)."""
    sukarela = accounts.get(SavingsKind.SUKARELA)
    return WithdrawalRoom(
        balance=sukarela.balance if sukarela else 0,
        minimum=product_for(member.cooperative).sukarela_min_balance,
        pending=sum(r.amount for r in requests if r.status == WithdrawalRequest.Status.PENDING),
    )


# --- The chart: total balance at each month end ------------------------------------------


@dataclass(frozen=True)
class MonthBalance:
    month: dt.date  # the first day of the month
    balance: int  # at the end of the month (today, for the current month)


def month_end_balances(
    *, accounts: dict[str, Account], months: int = CHART_MONTHS, today: dt.date | None = None
) -> list[MonthBalance]:
    """The total savings balance at the end of each of the last `months` months, oldest first.

    One aggregate query: the member's movements per month since the second month shown. The
    balances are then walked back from the current stored balance, month by month, so the
    cost does not grow with the history before the window.
    """
    today = today or timezone.localdate()
    current = month_start(today)
    firsts = [add_months(current, offset) for offset in range(1 - months, 1)]
    chosen = list(accounts.values())
    signs = {account.pk: account.normal_sign for account in chosen}
    moved: dict[dt.date, int] = {}
    if chosen and months > 1:
        rows = (
            Posting.objects.filter(account_id__in=signs, date__gte=firsts[1])
            .annotate(month=TruncMonth("date"))
            .order_by()
            .values_list("month", "account_id")
            .annotate(total=Sum("amount"))
        )
        for month, account_id, total in rows:
            month = min(month, add_months(current, 1))  # anything later counts as "after"
            moved[month] = moved.get(month, 0) + total * signs[account_id]
    balance = sum(account.balance for account in chosen) - moved.get(add_months(current, 1), 0)
    result = []
    for first in reversed(firsts):
        result.append(MonthBalance(month=first, balance=balance))
        balance -= moved.get(first, 0)
    result.reverse()
    return result


# --- History and statements --------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    posting_id: int
    date: dt.date
    kind: str  # savings kind of the account
    entry_kind: str
    entry_kind_label: str
    description: str
    amount: int  # from the member's side: positive in, negative out
    balance: int  # the balance of the filtered accounts after this movement

    @property
    def kind_label(self) -> str:
        return str(SavingsKind(self.kind).label)

    @property
    def short_kind_label(self) -> str:
        return str(SHORT_KIND_LABELS[self.kind])

    @property
    def money_in(self) -> int:
        return max(self.amount, 0)

    @property
    def money_out(self) -> int:
        return max(-self.amount, 0)

    @property
    def cursor(self) -> str:
        return f"{self.date.isoformat()}_{self.posting_id}"


def _movement(posting: Posting, accounts: dict[int, Account], balance: int) -> Movement:
    account = accounts[posting.account_id]
    entry = posting.entry
    return Movement(
        posting_id=posting.pk,
        date=posting.date,
        kind=account.savings_kind,
        entry_kind=entry.kind,
        entry_kind_label=str(entry.get_kind_display()),
        description=entry.memo or str(entry.get_kind_display()),
        amount=posting.amount * account.normal_sign,
        balance=balance,
    )


def _postings(
    accounts: Sequence[Account], date_from: dt.date | None, date_to: dt.date | None
) -> QuerySet[Posting]:
    postings = Posting.objects.filter(account_id__in=[a.pk for a in accounts])
    if date_from:
        postings = postings.filter(date__gte=date_from)
    if date_to:
        postings = postings.filter(date__lte=date_to)
    return postings


@dataclass(frozen=True)
class HistoryPage:
    movements: list[Movement]
    next_cursor: str | None


def history_page(
    *,
    accounts: Sequence[Account],
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    cursor: tuple[dt.date, int] | None = None,
    size: int = HISTORY_PAGE_SIZE,
) -> HistoryPage:
    """One page of the member's movements, newest first, keyset-paged on (date, posting id).

    Two queries per page whatever the history's length: the page itself (one row more than
    shown, to know whether another page follows) and the sum of everything newer than its
    first row, which gives the running balance.
    """
    if not accounts:
        return HistoryPage(movements=[], next_cursor=None)
    postings = _postings(accounts, date_from, date_to)
    if cursor is not None:
        day, posting_id = cursor
        postings = postings.filter(Q(date__lt=day) | Q(date=day, pk__lt=posting_id))
    rows = list(postings.select_related("entry").order_by("-date", "-pk")[: size + 1])
    more, rows = len(rows) > size, rows[:size]
    if not rows:
        return HistoryPage(movements=[], next_cursor=None)
    first = rows[0]
    newer = Posting.objects.filter(Q(date__gt=first.date) | Q(date=first.date, pk__gt=first.pk))
    by_id = {account.pk: account for account in accounts}
    balance = sum(account.balance for account in accounts) - _member_sum(newer, accounts)
    movements = []
    for posting in rows:
        movement = _movement(posting, by_id, balance)
        movements.append(movement)
        balance -= movement.amount
    return HistoryPage(movements=movements, next_cursor=movements[-1].cursor if more else None)


@dataclass(frozen=True)
class Statement:
    date_from: dt.date
    date_to: dt.date
    kind: str
    opening: int
    movements: list[Movement]

    @property
    def closing(self) -> int:
        return self.opening + sum(m.amount for m in self.movements)

    @property
    def total_in(self) -> int:
        return sum(m.money_in for m in self.movements)

    @property
    def total_out(self) -> int:
        return sum(m.money_out for m in self.movements)

    @property
    def kind_label(self) -> str:
        return str(SavingsKind(self.kind).label) if self.kind else ""


def statement(
    *, accounts: Sequence[Account], kind: str, date_from: dt.date, date_to: dt.date
) -> Statement:
    """The opening balance at `date_from`, every movement to `date_to` (oldest first) with
    its running balance, and the closing balance (two queries)."""
    if not accounts:
        return Statement(date_from=date_from, date_to=date_to, kind=kind, opening=0, movements=[])
    opening = _member_sum(Posting.objects.filter(date__lt=date_from), accounts)
    by_id = {account.pk: account for account in accounts}
    balance = opening
    movements = []
    for posting in (
        _postings(accounts, date_from, date_to).select_related("entry").order_by("date", "pk")
    ):
        amount = posting.amount * by_id[posting.account_id].normal_sign
        balance += amount
        movements.append(_movement(posting, by_id, balance))
    return Statement(
        date_from=date_from, date_to=date_to, kind=kind, opening=opening, movements=movements
    )
