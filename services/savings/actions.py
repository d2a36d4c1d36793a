"""Savings: accounts, deposits, withdrawals, requests and the payout on exit.

Every movement is one journal entry through `services.ledger.actions.entry_post`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, User
from services.ledger import chart
from services.ledger.actions import entry_post
from services.ledger.models import Account, JournalEntry, SavingsKind
from services.savings.models import MAX_AMOUNT, SavingsBill, SavingsProduct, WithdrawalRequest

#: How far ahead a member may pay simpanan wajib.
MAX_MONTHS_AHEAD = 24
CHANNEL_ACCOUNT = {"cash": chart.CASH, "transfer": chart.BANK}


def product_for(cooperative: Cooperative) -> SavingsProduct:
    product, _created = SavingsProduct.objects.get_or_create(cooperative=cooperative)
    return product


def member_accounts_open(*, members: Sequence) -> None:
    """Open the pokok, wajib and sukarela accounts of newly admitted members (set-based)."""
    if not members:
        return
    cooperative = members[0].cooperative
    chart.chart_install(cooperative=cooperative)
    controls = {
        a.code: a
        for a in Account.objects.filter(
            cooperative=cooperative, code__in=chart.SAVINGS_CONTROL.values()
        )
    }
    Account.objects.bulk_create(
        [
            Account(
                cooperative=cooperative,
                code=chart.member_account_code(member.number, kind),
                name=f"{SavingsKind(kind).label} · {member.number} {member.full_name}"[:150],
                type=controls[code].type,
                normal_sign=controls[code].normal_sign,
                parent=controls[code],
                member=member,
                savings_kind=kind,
                may_go_negative=False,
            )
            for member in members
            for kind, code in chart.SAVINGS_CONTROL.items()
        ],
        ignore_conflicts=True,
    )


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def pokok_bill_create(*, member) -> SavingsBill | None:
    product = product_for(member.cooperative)
    if product.pokok_amount <= 0:
        return None
    period = month_start(member.joined_on)
    bill, _created = SavingsBill.objects.get_or_create(
        member=member,
        kind=SavingsKind.POKOK,
        period=period,
        defaults={
            "cooperative": member.cooperative,
            "amount": product.pokok_amount,
            "due_date": member.joined_on + dt.timedelta(days=30),
        },
    )
    return bill


def member_account(member, kind: str, *, lock: bool = False) -> Account:
    accounts = Account.objects.filter(member=member, savings_kind=kind)
    if lock:
        accounts = accounts.select_for_update()
    return accounts.get()


def _check_amount(amount: int) -> None:
    if type(amount) is not int or amount <= 0:
        raise DomainError(_("Enter an amount above zero, in whole Rupiah."), field="amount")
    if amount > MAX_AMOUNT:
        raise DomainError(_("That amount is too large for one transaction."), field="amount")


def _settle_bills(*, member, kind: str, amount: int, on: dt.date) -> int:
    """Apply a pokok or wajib payment to open bills, oldest first; wajib beyond the open bills
    pays the coming months ahead. Returns what could not be applied (always 0 for wajib)."""
    remaining = amount
    now = timezone.now()
    for bill in SavingsBill.objects.select_for_update().filter(
        member=member, kind=kind, status=SavingsBill.Status.OPEN
    ):
        take = min(remaining, bill.outstanding)
        bill.paid_amount += take
        if bill.paid_amount == bill.amount:
            bill.status, bill.paid_at = SavingsBill.Status.PAID, now
        bill.save(update_fields=["paid_amount", "status", "paid_at"])
        remaining -= take
        if not remaining:
            return 0
    if kind != SavingsKind.WAJIB:
        return remaining
    product = product_for(member.cooperative)
    if product.wajib_amount <= 0:
        return remaining
    last = SavingsBill.objects.filter(member=member, kind=kind).order_by("-period").first()
    period = add_months(last.period, 1) if last else month_start(on)
    limit = add_months(month_start(on), MAX_MONTHS_AHEAD)
    while remaining:
        if period > limit:
            raise DomainError(
                _("That pays simpanan wajib more than %(n)s months ahead.")
                % {"n": MAX_MONTHS_AHEAD},
                field="amount",
            )
        take = min(remaining, product.wajib_amount)
        SavingsBill.objects.create(
            cooperative=member.cooperative,
            member=member,
            kind=kind,
            period=period,
            due_date=period.replace(day=product.wajib_due_day),
            amount=product.wajib_amount,
            paid_amount=take,
            status=SavingsBill.Status.PAID if take == product.wajib_amount else "open",
            paid_at=now if take == product.wajib_amount else None,
        )
        remaining -= take
        period = add_months(period, 1)
    return 0


@transaction.atomic
def savings_deposit(
    *,
    member,
    kind: str,
    amount: int,
    channel: str,
    acting_user: User | None,
    idempotency_key: str | None = None,
    on: dt.date | None = None,
    memo: str = "",
) -> JournalEntry:
    """A teller takes a deposit: cash or transfer in, the member's savings up, bills settled."""
    _check_amount(amount)
    if kind not in SavingsKind.values:
        raise DomainError(_("Choose a kind of savings."), field="kind")
    if channel not in CHANNEL_ACCOUNT:
        raise DomainError(_("Choose cash or transfer."), field="channel")
    on = on or timezone.localdate()
    if idempotency_key:
        replay = JournalEntry.objects.filter(
            cooperative=member.cooperative, idempotency_key=idempotency_key
        ).first()
        if replay is not None:
            return _replayed(
                replay, member=member, kind="deposit", channel=channel, cash_leg=amount
            )
    if member.status != member.Status.ACTIVE:
        raise DomainError(_("Only an active member can deposit."), field="member")
    if kind == SavingsKind.POKOK:
        due = sum(
            b.outstanding
            for b in SavingsBill.objects.filter(member=member, kind=kind, status="open")
        )
        if amount > due:
            raise DomainError(
                _("Simpanan pokok is paid once: %(due)s remains due.") % {"due": _rupiah(due)},
                field="amount",
            )
    if kind != SavingsKind.SUKARELA:
        _settle_bills(member=member, kind=kind, amount=amount, on=on)
    cash = chart.gl_account(member.cooperative, CHANNEL_ACCOUNT[channel])
    entry = entry_post(
        cooperative=member.cooperative,
        date=on,
        kind=JournalEntry.Kind.DEPOSIT,
        legs=[(cash, amount), (member_account(member, kind), -amount)],
        memo=memo or _("Deposit: %(kind)s") % {"kind": SavingsKind(kind).label},
        member=member,
        channel=channel,
        idempotency_key=idempotency_key,
        created_by=acting_user,
    )
    events.event_record(
        kind="savings.deposited",
        actor=acting_user,
        cooperative=member.cooperative,
        data={"member_id": member.pk, "entry_id": entry.pk, "kind": kind, "amount": amount},
    )
    return entry


def _rupiah(amount: int) -> str:
    from koperasi.money import format_rupiah

    return format_rupiah(amount)


def _replayed(
    entry: JournalEntry, *, member, kind: str, channel: str, cash_leg: int
) -> JournalEntry:
    """A form submitted twice: same key and same content -> the first receipt, nothing posted."""
    same = (
        entry.member_id == member.pk
        and entry.kind == kind
        and entry.channel == channel
        and entry.postings.filter(account__member__isnull=True, amount=cash_leg).exists()
    )
    if not same:
        raise DomainError(
            _("This transaction was already submitted with different details. Nothing was posted.")
        )
    return entry


@transaction.atomic
def savings_withdraw(
    *,
    member,
    amount: int,
    channel: str,
    acting_user: User | None,
    idempotency_key: str | None = None,
    on: dt.date | None = None,
    memo: str = "",
) -> JournalEntry:
    """Pay out simpanan sukarela; pokok and wajib only leave with the member (exit)."""
    _check_amount(amount)
    if channel not in CHANNEL_ACCOUNT:
        raise DomainError(_("Choose cash or transfer."), field="channel")
    if idempotency_key:
        replay = JournalEntry.objects.filter(
            cooperative=member.cooperative, idempotency_key=idempotency_key
        ).first()
        if replay is not None:
            return _replayed(
                replay, member=member, kind="withdrawal", channel=channel, cash_leg=-amount
            )
    if member.status != member.Status.ACTIVE:
        raise DomainError(_("Only an active member can withdraw."), field="member")
    account = member_account(member, SavingsKind.SUKARELA, lock=True)
    minimum = product_for(member.cooperative).sukarela_min_balance
    if account.balance - amount < minimum:
        raise DomainError(
            _("Not enough simpanan sukarela: at most %(max)s can be withdrawn.")
            % {"max": _rupiah(max(0, account.balance - minimum))},
            field="amount",
        )
    cash = chart.gl_account(member.cooperative, CHANNEL_ACCOUNT[channel])
    entry = entry_post(
        cooperative=member.cooperative,
        date=on or timezone.localdate(),
        kind=JournalEntry.Kind.WITHDRAWAL,
        legs=[(account, amount), (cash, -amount)],
        memo=memo or _("Withdrawal: simpanan sukarela"),
        member=member,
        channel=channel,
        idempotency_key=idempotency_key,
        created_by=acting_user,
    )
    events.event_record(
        kind="savings.withdrawn",
        actor=acting_user,
        cooperative=member.cooperative,
        data={"member_id": member.pk, "entry_id": entry.pk, "amount": amount},
    )
    return entry


@transaction.atomic
def withdrawal_request_create(
    *, member, amount: int, bank_name: str, bank_account_number: str, bank_account_holder: str
) -> WithdrawalRequest:
    """A member asks to withdraw sukarela to a bank account; a teller or the board decides."""
    _check_amount(amount)
    if member.status != member.Status.ACTIVE:
        raise DomainError(_("Only an active member can withdraw."))
    account = member_account(member, SavingsKind.SUKARELA)
    minimum = product_for(member.cooperative).sukarela_min_balance
    pending = sum(
        member.withdrawal_requests.filter(status=WithdrawalRequest.Status.PENDING).values_list(
            "amount", flat=True
        )
    )
    available = account.balance - minimum - pending
    if amount > available:
        raise DomainError(
            _("You can request at most %(max)s now.") % {"max": _rupiah(max(0, available))},
            field="amount",
        )
    request = WithdrawalRequest.objects.create(
        cooperative=member.cooperative,
        member=member,
        amount=amount,
        bank_name=bank_name.strip(),
        bank_account_number=bank_account_number.strip(),
        bank_account_holder=bank_account_holder.strip(),
    )
    events.event_record(
        kind="withdrawal.requested",
        actor=member.user,
        cooperative=member.cooperative,
        data={"member_id": member.pk, "request_id": request.pk, "amount": amount},
    )
    return request


@transaction.atomic
def withdrawal_request_decide(
    *, request: WithdrawalRequest, acting_user: User, approve: bool, reason: str = ""
) -> WithdrawalRequest:
    """Approve (pays by transfer, through the ledger) or reject (with a reason) a request."""
    request = WithdrawalRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != WithdrawalRequest.Status.PENDING:
        raise DomainError(_("This request was already decided."))
    if not approve and not reason.strip():
        raise DomainError(_("Say why, so that the member understands."), field="reason")
    if approve:
        request.entry = savings_withdraw(
            member=request.member,
            amount=request.amount,
            channel="transfer",
            acting_user=acting_user,
            idempotency_key=f"withdrawal-request-{request.pk}",
            memo=_("Transfer to %(bank)s %(number)s")
            % {"bank": request.bank_name, "number": request.bank_account_number},
        )
    request.status = (
        WithdrawalRequest.Status.APPROVED if approve else WithdrawalRequest.Status.REJECTED
    )
    request.reason = reason.strip()
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.save()
    events.event_record(
        kind="withdrawal.approved" if approve else "withdrawal.rejected",
        actor=acting_user,
        cooperative=request.cooperative,
        data={"member_id": request.member_id, "request_id": request.pk, "reason": reason},
    )
    return request


def exit_payout(
    *, member, acting_user: User, channel: str, idempotency_key: str | None = None
) -> JournalEntry | None:
    """Pay out all of a leaving member's savings in one entry and cancel their open bills."""
    if channel not in CHANNEL_ACCOUNT:
        raise DomainError(_("Choose cash or transfer."), field="channel")
    accounts = list(Account.objects.select_for_update().filter(member=member).order_by("pk"))
    legs = [(a, a.balance) for a in accounts if a.balance]
    SavingsBill.objects.filter(member=member, status=SavingsBill.Status.OPEN).update(
        status=SavingsBill.Status.CANCELLED
    )
    if not legs:
        return None
    total = sum(amount for _, amount in legs)
    cash = chart.gl_account(member.cooperative, CHANNEL_ACCOUNT[channel])
    return entry_post(
        cooperative=member.cooperative,
        date=timezone.localdate(),
        kind=JournalEntry.Kind.EXIT,
        legs=[*legs, (cash, -total)],
        memo=_("Savings paid out on leaving"),
        member=member,
        channel=channel,
        idempotency_key=idempotency_key,
        created_by=acting_user,
    )
