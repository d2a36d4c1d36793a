"""Writing a checked file in one transaction, set-based: members, accounts, bills, roles and
one opening-balance entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, Role, Sequence, User
from koperasi.sequences import sequence_take
from members.imports.checking import MemberRow, preview_summary
from members.imports.spec import BALANCE_KINDS, LIVE_STATUSES, POKOK_BILL_DUE_DAYS, SEQUENCE_NAME
from members.models import ImportJob, Member
from services.ledger import chart
from services.ledger.models import Account, JournalEntry, Posting, SavingsKind
from services.savings.actions import member_accounts_open, month_start, product_for
from services.savings.models import SavingsBill

logger = logging.getLogger(__name__)


BALANCES_SQL = """
UPDATE {account}
   SET balance = {account}.balance + {account}.normal_sign * moved.total
  FROM (SELECT account_id, SUM(amount) AS total FROM {posting}
         WHERE entry_id = %s GROUP BY account_id) moved
 WHERE {account}.id = moved.account_id
"""


def _numbers_assign(*, cooperative: Cooperative, rows: list[MemberRow]) -> list[int]:
    """The given numbers, and the sequence's next ones for the rest. The sequence first moves
    past the highest given number, so it never hands out a number the file used."""
    Sequence.objects.get_or_create(cooperative=cooperative, name=SEQUENCE_NAME)
    sequence = Sequence.objects.select_for_update().get(cooperative=cooperative, name=SEQUENCE_NAME)
    highest_given = max((row.number for row in rows if row.number is not None), default=0)
    if highest_given > sequence.last_value:
        sequence.last_value = highest_given
        sequence.save(update_fields=["last_value"])
    missing = sum(1 for row in rows if row.number is None)
    fresh = iter(
        sequence_take(cooperative=cooperative, name=SEQUENCE_NAME, count=missing) if missing else ()
    )
    return [row.number if row.number is not None else next(fresh) for row in rows]


def _logins(*, cooperative: Cooperative, rows: list[MemberRow]) -> dict[str, int]:
    """Email -> user id, for emails that already have a login, appear once in the file and
    belong to nobody who is already a live member here (no login is created)."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.email:
            seen[row.email] = seen.get(row.email, 0) + 1
    emails = [email for email, count in seen.items() if count == 1]
    if not emails:
        return {}
    users = dict(User.objects.filter(email__in=emails).values_list("email", "id"))
    members_already = set(
        Member.objects.filter(
            cooperative=cooperative, status__in=LIVE_STATUSES, user_id__in=users.values()
        ).values_list("user_id", flat=True)
    )
    return {email: uid for email, uid in users.items() if uid not in members_already}


def _fingerprint(*, date: dt.date, legs: list[tuple[int, int]]) -> str:
    digest = hashlib.sha256(f"{JournalEntry.Kind.OPENING}|{date.isoformat()}".encode())
    for account_id, amount in sorted(legs):
        digest.update(f"|{account_id}:{amount}".encode())
    return digest.hexdigest()


@transaction.atomic
def members_import(
    *,
    cooperative: Cooperative,
    rows: list[MemberRow],
    acting_user: User | None,
    idempotency_key: str | None = None,
    job: ImportJob | None = None,
) -> dict[str, Any]:
    """Write checked rows at once: active members, accounts, pokok bills, roles and ONE
    opening-balance entry. Set-based: the number of queries does not grow with the rows."""
    if not cooperative.is_verified:
        raise DomainError(_("This cooperative is not accepting members yet."))
    if not rows:
        raise DomainError(_("There is nobody to import."))
    today = timezone.localdate()
    now = timezone.now()
    numbers = _numbers_assign(cooperative=cooperative, rows=rows)
    logins = _logins(cooperative=cooperative, rows=rows)
    members = Member.objects.bulk_create(
        [
            Member(
                cooperative=cooperative,
                user_id=logins.get(row.email),
                number=number,
                full_name=row.full_name,
                nik=row.nik,
                birth_date=row.birth_date,
                gender=row.gender,
                phone=row.phone,
                email=row.email,
                address=row.address,
                heir_name=row.heir_name,
                status=Member.Status.ACTIVE,
                applied_at=now,
                joined_on=row.joined_on,
                decided_by=acting_user,
            )
            for row, number in zip(rows, numbers, strict=True)
        ]
    )
    member_accounts_open(members=members)
    member_ids = [member.pk for member in members]
    account_of = {
        (member_id, kind): account_id
        for account_id, member_id, kind in Account.objects.filter(
            cooperative=cooperative, member_id__in=member_ids
        ).values_list("id", "member_id", "savings_kind")
    }
    if len(account_of) != len(members) * len(BALANCE_KINDS):
        raise DomainError(_("Savings accounts could not be opened for every member."))

    legs = [
        (account_of[(member.pk, kind)], -row.balance(kind))
        for member, row in zip(members, rows, strict=True)
        for kind in BALANCE_KINDS
        if row.balance(kind)
    ]
    total = -sum(amount for _account, amount in legs)
    entry = None
    if total:
        opening = chart.gl_account(cooperative, chart.OPENING_BALANCE)
        legs.append((opening.pk, total))
        entry = JournalEntry.objects.create(
            cooperative=cooperative,
            date=today,
            kind=JournalEntry.Kind.OPENING,
            memo=_("Opening balances of %(count)s imported members") % {"count": len(members)},
            idempotency_key=idempotency_key,
            fingerprint=_fingerprint(date=today, legs=legs),
            created_by=acting_user,
            created_at=now,
        )
        # One INSERT: PostgreSQL's trigger checks that the entry's postings sum to zero.
        Posting.objects.bulk_create(
            [
                Posting(
                    entry=entry,
                    cooperative=cooperative,
                    account_id=account_id,
                    amount=amount,
                    date=today,
                )
                for account_id, amount in legs
            ]
        )
        sql = BALANCES_SQL.format(
            account=connection.ops.quote_name(Account._meta.db_table),
            posting=connection.ops.quote_name(Posting._meta.db_table),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])

    pokok_amount = product_for(cooperative).pokok_amount
    bills = SavingsBill.objects.bulk_create(
        [
            SavingsBill(
                cooperative=cooperative,
                member=member,
                kind=SavingsKind.POKOK,
                period=month_start(member.joined_on),
                due_date=today + dt.timedelta(days=POKOK_BILL_DUE_DAYS),
                amount=pokok_amount - row.pokok,
            )
            for member, row in zip(members, rows, strict=True)
            if row.pokok < pokok_amount
        ]
    )
    Role.objects.bulk_create(
        [
            Role(
                cooperative=cooperative,
                user_id=member.user_id,
                kind=Role.Kind.MEMBER,
                granted_by=acting_user,
                granted_at=now,
            )
            for member in members
            if member.user_id
        ],
        ignore_conflicts=True,
    )
    Sequence.objects.filter(
        cooperative=cooperative, name=SEQUENCE_NAME, last_value__lt=max(numbers)
    ).update(last_value=max(numbers))
    summary = preview_summary(cooperative=cooperative, rows=rows)
    summary.update(
        {
            "entry_id": entry.pk if entry else None,
            "first_number": min(numbers),
            "last_number": max(numbers),
            "pokok_bills": len(bills),
            "logins_linked": sum(1 for member in members if member.user_id),
        }
    )
    events.event_record(
        kind="members.imported",
        actor=acting_user,
        cooperative=cooperative,
        data={
            "job_id": job.pk if job else None,
            "members": len(members),
            "entry_id": summary["entry_id"],
            "totals": summary["totals"],
        },
    )
    return summary
