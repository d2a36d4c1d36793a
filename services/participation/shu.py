"""SHU for real: each member's bases from the books, the preview, and publishing.

Bases (one aggregate query, no query per member), for the members active now who had joined
by the end of the fiscal year:
- savings: simpanan pokok + wajib (+ sukarela when `include_sukarela`) at the fiscal year's
  last day, summed from the postings dated up to that day (later deposits do not count);
- transactions: what the member did with the cooperative in the fiscal year: the loan
  interest paid (`Repayment.interest` of repayments whose journal entry is dated in the year)
  plus what the member paid at the cooperative's partners (`partners.Purchase.amount` of
  purchases whose `occurred_at` falls in the year in the cooperative's local dates).

Fiscal year Y is the twelve months that *end* in calendar year Y: 1 January to 31 December
when the cooperative's year starts in January; 1 July Y-1 to 30 June Y when it starts in July.

Pools: every part but the reserve is `surplus * percent / 100` rounded down; the reserve takes
what is left, so the parts add up to the surplus exactly. Each member's share is
`services.shu.split_shu` of the jasa modal and jasa usaha pools; what rounding leaves over from
those two pools also stays in the reserve.

Publishing, the rule in the books: the year's surplus is already in the books (income less
expenses, closed to the reserve account 3201, used here as "SHU for distribution"). Publishing
posts ONE entry moving the members' part out of it: Dr 3201 reserve for the members' total,
Cr 2201 SHU payable for the same total, or, when `credit_to_sukarela`, Cr each member's
sukarela account by their share. The board, staff, education and social parts are paid out
by ordinary entries, not here. Publishing needs the linked vote approved, happens once (the
year's status, a row lock and the entry's idempotency key), and writes the allocations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, User
from services.ledger import chart
from services.ledger.models import JournalEntry
from services.participation.models import ShuAllocation, ShuYear
from services.shu import split_shu

PERCENT_FIELDS = (
    "reserve_pct",
    "jasa_modal_pct",
    "jasa_usaha_pct",
    "board_pct",
    "staff_pct",
    "education_pct",
    "social_pct",
)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class MemberBasis:
    member_id: int
    number: int | None
    full_name: str
    savings: int
    transactions: int


@dataclass(frozen=True)
class PreviewRow:
    member_id: int
    number: int | None
    full_name: str
    savings: int
    transactions: int
    jasa_modal: int
    jasa_usaha: int
    total: int


@dataclass(frozen=True)
class ShuPreview:
    shu_year: ShuYear
    pools: dict[str, int]
    rows: list[PreviewRow]
    savings_total: int
    transactions_total: int
    jasa_modal_paid: int
    jasa_usaha_paid: int
    members_total: int
    remainder_to_reserve: int  # what rounding leaves of the jasa modal and jasa usaha pools

    @property
    def reserve_total(self) -> int:
        return self.pools["reserve"] + self.remainder_to_reserve


def fiscal_year_bounds(cooperative: Cooperative, year: int) -> tuple[dt.date, dt.date]:
    """First and last day of fiscal year `year` (the twelve months ending in that year)."""
    start_month = cooperative.fiscal_year_start_month or 1
    if start_month == 1:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    first = dt.date(year - 1, start_month, 1)
    return first, dt.date(year, start_month, 1) - dt.timedelta(days=1)


def percentages_total(values: dict[str, Decimal | None]) -> Decimal:
    return sum((Decimal(values.get(name) or 0) for name in PERCENT_FIELDS), Decimal(0))


def percentages_check(values: dict[str, Decimal | None]) -> None:
    """The seven parts of the split must add up to exactly 100 %."""
    total = percentages_total(values)
    if total != HUNDRED:
        raise DomainError(
            _("The percentages add up to %(total)s %%; they must add up to exactly 100 %%.")
            % {"total": f"{total.normalize():f}"}
        )


def shu_pools(shu_year: ShuYear) -> dict[str, int]:
    """Each part in whole Rupiah: the others rounded down, the reserve takes the rest."""
    pools = {}
    for name in PERCENT_FIELDS[1:]:
        share = Decimal(shu_year.surplus) * Decimal(getattr(shu_year, name)) / HUNDRED
        pools[name.removesuffix("_pct")] = int(share.to_integral_value(rounding=ROUND_FLOOR))
    return {"reserve": shu_year.surplus - sum(pools.values()), **pools}


# Savings balances are credit-normal: a posting moves the balance by -amount. SUM(bigint) is
# NUMERIC on PostgreSQL, so the sums are cast back to BIGINT.
BASES_SQL = """
WITH s AS (
    SELECT a.member_id, CAST(SUM(-p.amount) AS BIGINT) AS savings
      FROM services_posting p
      JOIN services_account a ON a.id = p.account_id
     WHERE a.cooperative_id = %(coop)s AND a.member_id IS NOT NULL
       AND (a.savings_kind IN ('pokok', 'wajib')
            OR (a.savings_kind = 'sukarela' AND %(with_sukarela)s)) AND p.date <= %(last)s
     GROUP BY a.member_id
),
t AS (
    SELECT u.member_id, CAST(SUM(u.amount) AS BIGINT) AS amount
      FROM (SELECT l.member_id, r.interest AS amount
              FROM services_repayment r
              JOIN services_loan l ON l.id = r.loan_id
              JOIN services_journalentry e ON e.id = r.entry_id
             WHERE l.cooperative_id = %(coop)s AND e.date BETWEEN %(first)s AND %(last)s
            UNION ALL
            SELECT pu.member_id, pu.amount
              FROM partners_purchase pu
             WHERE pu.cooperative_id = %(coop)s
               AND {bought_on} BETWEEN %(first)s AND %(last)s) AS u
     GROUP BY u.member_id
)
SELECT m.id, m.number, m.full_name,
       CASE WHEN s.savings > 0 THEN s.savings ELSE 0 END,
       CASE WHEN t.amount > 0 THEN t.amount ELSE 0 END
  FROM members_member m
  LEFT JOIN s ON s.member_id = m.id
  LEFT JOIN t ON t.member_id = m.id
 WHERE m.cooperative_id = %(coop)s AND m.status = 'active' AND m.joined_on <= %(last)s
 ORDER BY m.number, m.id
"""


def local_date_sql(column: str) -> str:
    """SQL for the local (cooperative time zone) date of a timestamp column; takes the
    parameters `tz` and `tz_shift` (see `local_date_params`)."""
    if connection.vendor == "postgresql":
        return f"CAST({column} AT TIME ZONE %(tz)s AS date)"
    # SQLite keeps UTC text; the zone's offset (Asia/Jakarta has no daylight saving).
    return f"date({column}, %(tz_shift)s)"


def local_date_params(at: dt.datetime) -> dict[str, str]:
    """The parameters of `local_date_sql`, with SQLite's offset taken at `at`."""
    tz = timezone.get_current_timezone()
    shift_minutes = int(at.astimezone(tz).utcoffset().total_seconds() // 60)
    return {"tz": settings.TIME_ZONE, "tz_shift": f"{shift_minutes:+d} minutes"}


def _bases_sql() -> str:
    return BASES_SQL.replace("{bought_on}", local_date_sql("pu.occurred_at"))


def shu_bases(
    *, cooperative: Cooperative, year: int, include_sukarela: bool = False
) -> list[MemberBasis]:
    """Each active member's savings at the fiscal year end and transactions in the year."""
    with connection.cursor() as cursor:
        cursor.execute(_bases_sql(), _bases_params(cooperative, year, include_sukarela))
        return [
            MemberBasis(
                member_id=row[0],
                number=row[1],
                full_name=row[2],
                savings=int(row[3]),
                transactions=int(row[4]),
            )
            for row in cursor.fetchall()
        ]


def _preview_from(shu_year: ShuYear, rows: list[PreviewRow]) -> ShuPreview:
    pools = shu_pools(shu_year)
    modal = sum(row.jasa_modal for row in rows)
    usaha = sum(row.jasa_usaha for row in rows)
    return ShuPreview(
        shu_year=shu_year,
        pools=pools,
        rows=rows,
        savings_total=sum(row.savings for row in rows),
        transactions_total=sum(row.transactions for row in rows),
        jasa_modal_paid=modal,
        jasa_usaha_paid=usaha,
        members_total=modal + usaha,
        remainder_to_reserve=pools["jasa_modal"] + pools["jasa_usaha"] - modal - usaha,
    )


def shu_preview(*, shu_year: ShuYear) -> ShuPreview:
    """The split as it stands: computed from the books for a draft, as written once published."""
    if shu_year.status == ShuYear.Status.PUBLISHED:
        rows = [
            PreviewRow(
                member_id=a.member_id,
                number=a.member.number,
                full_name=a.member.full_name,
                savings=a.savings,
                transactions=a.transactions,
                jasa_modal=a.jasa_modal,
                jasa_usaha=a.jasa_usaha,
                total=a.total,
            )
            for a in ShuAllocation.objects.filter(shu_year=shu_year)
            .select_related("member")
            .order_by("member__number", "member_id")
        ]
        return _preview_from(shu_year, rows)
    bases = shu_bases(
        cooperative=shu_year.cooperative,
        year=shu_year.year,
        include_sukarela=shu_year.include_sukarela,
    )
    pools = shu_pools(shu_year)
    shares = split_shu(pools["jasa_modal"], pools["jasa_usaha"], bases)
    rows = [
        PreviewRow(
            member_id=basis.member_id,
            number=basis.number,
            full_name=basis.full_name,
            savings=basis.savings,
            transactions=basis.transactions,
            jasa_modal=share.jasa_modal,
            jasa_usaha=share.jasa_usaha,
            total=share.total,
        )
        for basis, share in zip(bases, shares, strict=True)
    ]
    return _preview_from(shu_year, rows)


def _vote_check():
    """`services.participation.votes.vote_approved`, or None while that module is missing."""
    try:
        from services.participation import votes
    except ImportError:
        return None
    return getattr(votes, "vote_approved", None)


def vote_approved(shu_year: ShuYear) -> bool:
    """Whether the members approved this split: no linked vote, or no vote module yet, is no."""
    if shu_year.vote_id is None:
        return False
    check = _vote_check()
    return bool(check and check(shu_year.vote))


@transaction.atomic
def shu_year_save(
    *, cooperative: Cooperative, data: dict, acting_user: User, shu_year: ShuYear | None = None
) -> ShuYear:
    """Create or change a draft year; the percentages must add up to 100 and a published year
    never changes."""
    percentages_check(data)
    if shu_year is not None:
        shu_year = ShuYear.objects.select_for_update().get(pk=shu_year.pk)
        if shu_year.status == ShuYear.Status.PUBLISHED:
            raise DomainError(_("This SHU year is published and can no longer change."))
    else:
        shu_year = ShuYear(cooperative=cooperative)
    year = data["year"]
    if ShuYear.objects.filter(cooperative=cooperative, year=year).exclude(pk=shu_year.pk).exists():
        raise DomainError(_("There is already an SHU for %(year)s.") % {"year": year}, field="year")
    vote = data.get("vote")
    if vote is not None and vote.cooperative_id != cooperative.pk:
        raise DomainError(_("Choose a vote of this cooperative."), field="vote")
    for name in ("year", "surplus", *PERCENT_FIELDS, "include_sukarela", "credit_to_sukarela"):
        setattr(shu_year, name, data[name])
    shu_year.vote = vote
    shu_year.save()
    events.event_record(
        kind="shu.saved",
        actor=acting_user,
        cooperative=cooperative,
        data={
            "shu_year_id": shu_year.pk,
            "year": shu_year.year,
            "surplus": shu_year.surplus,
            **{name: str(getattr(shu_year, name)) for name in PERCENT_FIELDS},
        },
    )
    return shu_year


ALLOCATIONS_SQL = """
INSERT INTO services_shuallocation
    (shu_year_id, member_id, savings, transactions, jasa_modal, jasa_usaha, total)
SELECT %s, * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],
                         %s::bigint[])
"""

# The members' side of the publishing entry, and the reserve's debit, in one statement so the
# trigger that checks an entry's balance sees it whole.
SUKARELA_POSTINGS_SQL = """
INSERT INTO services_posting (entry_id, cooperative_id, account_id, amount, date)
SELECT %(entry)s, %(coop)s, a.id, -al.total, %(date)s
  FROM services_shuallocation al
  JOIN services_account a ON a.member_id = al.member_id AND a.savings_kind = 'sukarela'
 WHERE al.shu_year_id = %(shu)s AND al.total > 0
UNION ALL
SELECT %(entry)s, %(coop)s, %(reserve)s, %(total)s, %(date)s
"""

SUKARELA_BALANCES_SQL = """
UPDATE services_account
   SET balance = services_account.balance + al.total
  FROM services_shuallocation al
 WHERE al.shu_year_id = %(shu)s AND al.total > 0
   AND services_account.member_id = al.member_id AND services_account.savings_kind = 'sukarela'
"""


@transaction.atomic
def shu_publish(*, shu_year: ShuYear, acting_user: User | None) -> ShuYear:
    """Write each member's allocation and post the members' part once, after the members'
    vote approved the split."""
    shu_year = (
        ShuYear.objects.select_for_update(of=("self",))
        .select_related("cooperative", "vote")
        .get(pk=shu_year.pk)
    )
    if shu_year.status == ShuYear.Status.PUBLISHED:
        return shu_year
    percentages_check({name: getattr(shu_year, name) for name in PERCENT_FIELDS})
    if not vote_approved(shu_year):
        raise DomainError(_("The members' vote has not approved this SHU split yet."))
    cooperative = shu_year.cooperative
    preview = shu_preview(shu_year=shu_year)
    rows = preview.rows
    if connection.vendor == "postgresql":  # one statement from arrays: the fast path
        with connection.cursor() as cursor:
            cursor.execute(
                ALLOCATIONS_SQL,
                [
                    shu_year.pk,
                    [r.member_id for r in rows],
                    [r.savings for r in rows],
                    [r.transactions for r in rows],
                    [r.jasa_modal for r in rows],
                    [r.jasa_usaha for r in rows],
                    [r.total for r in rows],
                ],
            )
    else:  # SQLite (make run)
        ShuAllocation.objects.bulk_create(
            ShuAllocation(
                shu_year=shu_year,
                member_id=r.member_id,
                savings=r.savings,
                transactions=r.transactions,
                jasa_modal=r.jasa_modal,
                jasa_usaha=r.jasa_usaha,
                total=r.total,
            )
            for r in rows
        )
    total = preview.members_total
    if total > 0:
        shu_year.entry = _post_members_part(shu_year, total=total, acting_user=acting_user)
    shu_year.status = ShuYear.Status.PUBLISHED
    shu_year.published_at = timezone.now()
    shu_year.save(update_fields=["status", "published_at", "entry"])
    events.event_record(
        kind="shu.published",
        actor=acting_user,
        cooperative=cooperative,
        data={
            "shu_year_id": shu_year.pk,
            "year": shu_year.year,
            "members": len(rows),
            "members_total": total,
        },
    )
    return shu_year


def _post_members_part(shu_year: ShuYear, *, total: int, acting_user: User | None) -> JournalEntry:
    cooperative = shu_year.cooperative
    chart.chart_install(cooperative=cooperative)
    reserve = chart.gl_account(cooperative, chart.RESERVE)
    today = timezone.localdate()
    key = f"shu-{shu_year.year}"
    entry = JournalEntry.objects.create(
        cooperative=cooperative,
        date=today,
        kind=JournalEntry.Kind.OTHER,
        memo=f"SHU {shu_year.year}",
        channel="internal",
        idempotency_key=key,
        fingerprint=key,
        created_by=acting_user,
        created_at=timezone.now(),
    )
    params = {
        "entry": entry.pk,
        "coop": cooperative.pk,
        "date": today,
        "shu": shu_year.pk,
        "reserve": reserve.pk,
        "total": total,
    }
    with connection.cursor() as cursor:
        if shu_year.credit_to_sukarela:
            cursor.execute(SUKARELA_POSTINGS_SQL, params)
            cursor.execute(SUKARELA_BALANCES_SQL, params)
        else:
            payable = chart.gl_account(cooperative, chart.SHU_PAYABLE)
            cursor.execute(
                "INSERT INTO services_posting (entry_id, cooperative_id, account_id, amount, date)"
                " VALUES (%(entry)s, %(coop)s, %(reserve)s, %(total)s, %(date)s),"
                " (%(entry)s, %(coop)s, %(payable)s, -%(total)s, %(date)s)",
                {**params, "payable": payable.pk},
            )
            cursor.execute(
                "UPDATE services_account SET balance = balance + %s WHERE id = %s",
                [total, payable.pk],
            )
        # The reserve is equity (credit-normal): a debit lowers its stored balance.
        cursor.execute(
            "UPDATE services_account SET balance = balance - %s WHERE id = %s",
            [total, reserve.pk],
        )
    return entry


def _bases_params(cooperative: Cooperative, year: int, include_sukarela: bool) -> dict:
    first, last = fiscal_year_bounds(cooperative, year)
    year_end = dt.datetime.combine(last, dt.time(12), tzinfo=timezone.get_current_timezone())
    return {
        "coop": cooperative.pk,
        "with_sukarela": bool(include_sukarela),
        "first": first,
        "last": last,
        **local_date_params(year_end),
    }


def shu_estimate(*, shu_year: ShuYear, member_id: int) -> PreviewRow | None:
    """One member's share of a draft, from the same bases as the preview but reading only the
    totals and that member's row (one query)."""
    base_sql = _bases_sql().rsplit("ORDER BY", 1)[0]
    params = _bases_params(shu_year.cooperative, shu_year.year, shu_year.include_sukarela)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CAST(SUM(b.savings) AS BIGINT), CAST(SUM(b.transactions) AS BIGINT),"  # noqa: S608
            f" MAX(CASE WHEN b.id = %(member)s THEN b.savings END),"
            f" MAX(CASE WHEN b.id = %(member)s THEN b.transactions END),"
            f" MAX(CASE WHEN b.id = %(member)s THEN b.number END),"
            f" MAX(CASE WHEN b.id = %(member)s THEN b.full_name END)"
            f" FROM ({base_sql}) AS b (id, number, full_name, savings, transactions)",
            {**params, "member": member_id},
        )
        all_savings, all_transactions, savings, transactions, number, name = cursor.fetchone()
    if savings is None:
        return None
    pools = shu_pools(shu_year)
    modal = pools["jasa_modal"] * int(savings) // int(all_savings) if all_savings else 0
    usaha = (
        pools["jasa_usaha"] * int(transactions) // int(all_transactions) if all_transactions else 0
    )
    return PreviewRow(
        member_id=member_id,
        number=number,
        full_name=name,
        savings=int(savings),
        transactions=int(transactions),
        jasa_modal=modal,
        jasa_usaha=usaha,
        total=modal + usaha,
    )


def member_shu(*, cooperative: Cooperative, member_id: int) -> tuple[list, dict | None]:
    """A member's allocations of published years (newest first) and, when a draft exists,
    their estimate from the latest draft (None when there is no draft)."""
    allocations = list(
        ShuAllocation.objects.filter(
            shu_year__cooperative=cooperative,
            shu_year__status=ShuYear.Status.PUBLISHED,
            member_id=member_id,
        )
        .select_related("shu_year")
        .order_by("-shu_year__year")
    )
    draft = (
        ShuYear.objects.filter(cooperative=cooperative, status=ShuYear.Status.DRAFT)
        .select_related("cooperative")
        .order_by("-year")
        .first()
    )
    estimate = None
    if draft is not None:
        estimate = {"shu_year": draft, "row": shu_estimate(shu_year=draft, member_id=member_id)}
    return allocations, estimate
