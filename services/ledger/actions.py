"""The one posting function, and reversals. Every Rupiah the portal moves goes through here.

Rules enforced here and again by the database:
- an entry has at least two postings, none zero, summing to zero (PostgreSQL re-checks the
  sum after every INSERT statement on postings);
- stored balances change in the same transaction as their postings, by conditional updates in
  account-id order (no lost updates, no deadlocks); an account that may not go negative never
  does (also a CHECK constraint);
- an idempotency key makes a replay return the first entry; the same key with different
  content is an error;
- entries never change (PostgreSQL refuses UPDATE/DELETE); a correction is a reversing entry;
- nothing is posted dated on or before the day the books are closed through
  (`services.ledger.periods`; PostgreSQL re-checks every INSERT).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi.errors import DomainError
from koperasi.models import Cooperative, User
from services.ledger.models import Account, JournalEntry, Posting
from services.ledger.periods import period_open_check

MAX_POSTING = 10**15  # far beyond any cooperative's books; stops absurd input early


class LedgerError(DomainError):
    """The ledger refused a posting."""


class InsufficientBalanceError(LedgerError):
    def __init__(self, account: Account):
        super().__init__(
            _("Not enough balance in %(account)s.") % {"account": account.name}, field="amount"
        )
        self.account = account


class IdempotencyConflictError(LedgerError):
    def __init__(self):
        super().__init__(
            _("This transaction was already submitted with different details. Nothing was posted.")
        )


Leg = tuple[Account, int]


def _fingerprint(
    *, date: dt.date, kind: str, legs: Sequence[Leg], member_id: int | None, channel: str
) -> str:
    canonical = {
        "date": date.isoformat(),
        "kind": kind,
        "member": member_id,
        "channel": channel,
        "legs": sorted([account.pk, amount] for account, amount in legs),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _validate(cooperative: Cooperative, legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise LedgerError(_("An entry needs at least two postings."))
    for account, amount in legs:
        if type(amount) is not int:
            raise LedgerError(_("Amounts are whole Rupiah."))
        if amount == 0 or abs(amount) > MAX_POSTING:
            raise LedgerError(_("A posting amount must be non-zero and within limits."))
        if account.cooperative_id != cooperative.pk:
            raise LedgerError(_("An entry may only touch its own cooperative's accounts."))
    if sum(amount for _, amount in legs) != 0:
        raise LedgerError(_("The entry does not balance: debits must equal credits."))


def apply_balances(legs: Iterable[Leg]) -> None:
    """Move stored balances by the legs, in account-id order, refusing to go below zero where
    the account forbids it. Must run inside the transaction that writes the postings."""
    deltas: dict[int, int] = defaultdict(int)
    accounts: dict[int, Account] = {}
    for account, amount in legs:
        deltas[account.pk] += amount * account.normal_sign
        accounts[account.pk] = account
    for account_id in sorted(deltas):
        delta = deltas[account_id]
        if delta == 0:
            continue
        moved = (
            Account.objects.filter(pk=account_id)
            .filter(Q(may_go_negative=True) | Q(balance__gte=-delta))
            .update(balance=F("balance") + delta)
        )
        if not moved:
            raise InsufficientBalanceError(accounts[account_id])


def _replay(cooperative: Cooperative, key: str, fingerprint: str) -> JournalEntry | None:
    existing = JournalEntry.objects.filter(cooperative=cooperative, idempotency_key=key).first()
    if existing is not None and existing.fingerprint != fingerprint:
        raise IdempotencyConflictError
    return existing


def entry_post(
    *,
    cooperative: Cooperative,
    date: dt.date,
    kind: str,
    legs: Sequence[Leg],
    memo: str = "",
    member=None,
    channel: str = "",
    idempotency_key: str | None = None,
    created_by: User | None = None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Post one balanced journal entry and move the balances; a replayed key returns the first.
    An entry dated inside a closed period is refused (`PeriodClosedError`)."""
    _validate(cooperative, legs)
    member_id = member.pk if member is not None else None
    fingerprint = _fingerprint(
        date=date, kind=kind, legs=legs, member_id=member_id, channel=channel
    )
    with transaction.atomic():
        if idempotency_key and (replayed := _replay(cooperative, idempotency_key, fingerprint)):
            return replayed
        period_open_check(cooperative=cooperative, on=date)
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    cooperative=cooperative,
                    date=date,
                    kind=kind,
                    memo=memo[:200],
                    member_id=member_id,
                    channel=channel,
                    idempotency_key=idempotency_key or None,
                    fingerprint=fingerprint,
                    reverses=reverses,
                    created_by=created_by,
                    created_at=timezone.now(),
                )
                Posting.objects.bulk_create(
                    Posting(
                        entry=entry,
                        cooperative=cooperative,
                        account=account,
                        amount=amount,
                        date=date,
                    )
                    for account, amount in legs
                )
                apply_balances(legs)
        except IntegrityError:
            # Another request with the same key committed first: answer as a replay.
            if idempotency_key and (replayed := _replay(cooperative, idempotency_key, fingerprint)):
                return replayed
            raise
    return entry


def entry_reverse(
    *, entry: JournalEntry, acting_user: User | None, memo: str = "", date: dt.date | None = None
) -> JournalEntry:
    """Undo an entry with its mirror image; an entry is reversed at most once."""
    if entry.kind == JournalEntry.Kind.REVERSAL:
        raise LedgerError(_("A reversal cannot itself be reversed; post a new entry instead."))
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise LedgerError(_("This entry was already reversed."))
    legs = [(p.account, -p.amount) for p in entry.postings.select_related("account")]
    try:
        return entry_post(
            cooperative=entry.cooperative,
            date=date or timezone.localdate(),
            kind=JournalEntry.Kind.REVERSAL,
            legs=legs,
            memo=memo or f"#{entry.pk}",
            member=entry.member,
            channel=entry.channel,
            created_by=acting_user,
            reverses=entry,
        )
    except IntegrityError as error:  # a concurrent reversal won the one-to-one
        raise LedgerError(_("This entry was already reversed.")) from error
