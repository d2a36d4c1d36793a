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
from services.ledger.actions import entry_post, entry_reverse
from services.ledger.models import Account, JournalEntry, SavingsKind
from services.savings.models import MAX_AMOUNT, SavingsBill, SavingsProduct, WithdrawalRequest

#: How far ahead a member may pay simpanan wajib.
MAX_MONTHS_AHEAD = 24
CHANNEL_ACCOUNT = {"cash": chart.CASH, "transfer": chart.BANK}


def product_for(cooperative: Cooperative) -> SavingsProduct:
    product, _created = SavingsProduct.objects.get_or_create(cooperative=cooperative)
    return product


PRODUCT_FIELDS = (
    "pokok_amount",
    "wajib_amount",
    "wajib_due_day",
    "sukarela_annual_rate",
    "sukarela_min_balance",
)


@transaction.atomic
def savings_product_update(
    *, cooperative: Cooperative, data: dict, acting_user: User
) -> SavingsProduct:
    """The board changes the savings rules; the change is recorded (old and new values)."""
    product_for(cooperative)
    product = SavingsProduct.objects.select_for_update().get(cooperative=cooperative)
    changed = {
        name: [str(getattr(product, name)), str(data[name])]
        for name in PRODUCT_FIELDS
        if name in data and getattr(product, name) != data[name]
    }
    for name in changed:
        setattr(product, name, data[name])
    product.full_clean()
    product.save()
    events.event_record(
        kind="savings.product_changed",
        actor=acting_user,
        cooperative=cooperative,
        data=changed,
    )
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
    # One movement per member at a time: bills, balances and replays stay consistent.
    member = _lock_member(member)
    replay = _replayed(
        idempotency_key,
        member=member,
        entry_kind=JournalEntry.Kind.DEPOSIT,
        savings_kind=kind,
        channel=channel,
        cash_leg=amount,
    )
    if replay is not None:
        return replay
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
    if kind != SavingsKind.SUKARELA and _settle_bills(
        member=member, kind=kind, amount=amount, on=on
    ):
        raise DomainError(_("Simpanan pokok is paid once: nothing more is due."), field="amount")
    cash = chart.gl_account(member.cooperative, CHANNEL_ACCOUNT[channel])
    entry = entry_post(
        cooperative=member.cooperative,
        date=on,
        kind=JournalEntry.Kind.DEPOSIT,
        legs=[(cash, amount), (member_account(member, kind), -amount)],
        memo=memo,
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


def _lock_member(member):
    """Re-read the member under a row lock (waits for any other movement of theirs)."""
    return type(member).objects.select_for_update(of=("self",)).get(pk=member.pk)


def _replayed(
    key: str | None, *, member, entry_kind: str, savings_kind: str, channel: str, cash_leg: int
) -> JournalEntry | None:
    """A form submitted twice: same key and same content -> the first receipt, nothing posted;
    None when the key is new (or there is none)."""
    if not key:
        return None
    entry = JournalEntry.objects.filter(cooperative=member.cooperative, idempotency_key=key).first()
    if entry is None:
        return None
    postings = list(entry.postings.select_related("account"))
    same = (
        entry.member_id == member.pk
        and entry.kind == entry_kind
        and entry.channel == channel
        and any(p.account.member_id is None and p.amount == cash_leg for p in postings)
        and any(p.account.savings_kind == savings_kind for p in postings)
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
    member = _lock_member(member)
    replay = _replayed(
        idempotency_key,
        member=member,
        entry_kind=JournalEntry.Kind.WITHDRAWAL,
        savings_kind=SavingsKind.SUKARELA,
        channel=channel,
        cash_leg=-amount,
    )
    if replay is not None:
        return replay
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
        memo=memo,
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
    member = _lock_member(member)
    if member.status != member.Status.ACTIVE:
        raise DomainError(_("Only an active member can withdraw."))
    if member.withdrawal_requests.filter(
        status=WithdrawalRequest.Status.PENDING,
        amount=amount,
        bank_account_number=bank_account_number.strip(),
        created_at__gte=timezone.now() - dt.timedelta(minutes=10),
    ).exists():
        raise DomainError(
            _("You already asked for this withdrawal; it is waiting for approval."),
            field="amount",
        )
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
            memo=f"{request.bank_name} {request.bank_account_number}",
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


@transaction.atomic
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
        memo="",
        member=member,
        channel=channel,
        idempotency_key=idempotency_key,
        created_by=acting_user,
    )


@transaction.atomic
def savings_reverse(
    *, entry: JournalEntry, acting_user: User | None, memo: str = ""
) -> JournalEntry:
    """Correct a mistaken deposit or withdrawal with a reversing entry; bills that the deposit
    settled open again (newest first), so bills always agree with the money received."""
    if entry.kind not in {JournalEntry.Kind.DEPOSIT, JournalEntry.Kind.WITHDRAWAL}:
        raise DomainError(_("Only a deposit or a withdrawal can be reversed here."))
    if entry.member_id is not None:
        _lock_member(entry.member)
    for posting in entry.postings.select_related("account"):
        kind = posting.account.savings_kind
        if kind in {SavingsKind.POKOK, SavingsKind.WAJIB} and posting.amount < 0:
            _unsettle_bills(member_id=posting.account.member_id, kind=kind, amount=-posting.amount)
    reversal = entry_reverse(entry=entry, acting_user=acting_user, memo=memo)
    events.event_record(
        kind="savings.reversed",
        actor=acting_user,
        cooperative=entry.cooperative,
        data={"member_id": entry.member_id, "entry_id": entry.pk, "reversal_id": reversal.pk},
    )
    return reversal


def _unsettle_bills(*, member_id: int, kind: str, amount: int) -> None:
    remaining = amount
    for bill in (
        SavingsBill.objects.select_for_update()
        .filter(member_id=member_id, kind=kind, paid_amount__gt=0)
        .exclude(status=SavingsBill.Status.CANCELLED)
        .order_by("-period")
    ):
        take = min(remaining, bill.paid_amount)
        bill.paid_amount -= take
        bill.status, bill.paid_at = SavingsBill.Status.OPEN, None
        bill.save(update_fields=["paid_amount", "status", "paid_at"])
        remaining -= take
        if not remaining:
            return
