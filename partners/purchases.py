"""Members' purchases at partners: one-time shopping codes, recording, and the figures.

A member's portal shows a short code (6 digits, valid 10 minutes, one use). The partner types
the member number and the code (or pastes the QR text) to record what the member paid; the
purchase then counts in the member's participation and in the SHU jasa usaha base.

Rules that matter:
- one code, one purchase: the member's live code is locked (`select_for_update`) while the
  purchase is written, so two tills racing with the same code make exactly one purchase;
- a wrong code counts against the live code; after 5 wrong tries it is dead. The refusal reads
  the same for an unknown member number and a wrong, expired or used code;
- a replay with the same idempotency key and the same request fingerprint returns the first
  purchase without touching any code; the same key with other content is refused.

Figures: the cooperative's fee (commission) on a partner's sales in a period is
`floor(amount * commission_percent / 100)`, computed once per partner and period (per
cooperative and month in a partner's settlement), never per purchase.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi.errors import DomainError
from koperasi.events import event_record
from koperasi.models import Cooperative, User
from members.models import Member
from partners.models import Order, Partner, Partnership, Purchase, PurchaseCode

PURCHASE_RECORDED = "purchase.recorded"

CODE_LENGTH = 6
CODE_LIFETIME = dt.timedelta(minutes=10)
MAX_FAILED_ATTEMPTS = 5
#: A sane cap for one purchase (Rp 1 billion): beyond it a typo is likelier than a sale.
MAX_AMOUNT = 1_000_000_000
QR_PREFIX = "KOPERASI"


# --- codes ---------------------------------------------------------------------------------


def live_codes(*, member: Member, now: dt.datetime | None = None) -> QuerySet[PurchaseCode]:
    """The member's codes that still work: not used, not expired, fewer than 5 wrong tries."""
    return PurchaseCode.objects.filter(
        member=member,
        used_at__isnull=True,
        expires_at__gt=now or timezone.now(),
        failed_attempts__lt=MAX_FAILED_ATTEMPTS,
    )


def live_code(*, member: Member) -> PurchaseCode | None:
    """The member's current code, if one still works."""
    return live_codes(member=member).order_by("-created_at", "-id").first()


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


@transaction.atomic
def purchase_code_issue(*, member: Member) -> PurchaseCode:
    """A new code for an active member, valid 10 minutes; the previous live code stops working."""
    member = Member.objects.select_for_update().get(pk=member.pk)  # one issue at a time
    if member.status != Member.Status.ACTIVE:
        raise DomainError(_("Only an active member can get a shopping code."))
    now = timezone.now()
    live_codes(member=member, now=now).update(expires_at=now)
    return PurchaseCode.objects.create(
        cooperative_id=member.cooperative_id,
        member=member,
        code=_new_code(),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )


def qr_text(*, cooperative: Cooperative, member: Member, code: PurchaseCode) -> str:
    """What the member's QR code holds: `KOPERASI:<coop_slug>:<member_number>:<code>`."""
    return f"{QR_PREFIX}:{cooperative.slug}:{member.number}:{code.code}"


@dataclass(frozen=True)
class QrContent:
    coop_slug: str
    member_number: int
    code: str


def qr_parse(text: str) -> QrContent | None:
    """The parts of a member's QR text, or None when the text is not one."""
    parts = text.strip().split(":")
    if len(parts) != 4 or parts[0].upper() != QR_PREFIX:
        return None
    _prefix, slug, number, code = parts
    if not (slug and number.isdigit() and len(code) == CODE_LENGTH and code.isdigit()):
        return None
    return QrContent(coop_slug=slug, member_number=int(number), code=code)


# --- recording -----------------------------------------------------------------------------


def purchase_fingerprint(
    *,
    cooperative: Cooperative,
    member_number: int | str,
    code: str,
    amount: int,
    discount: int = 0,
    description: str = "",
    order: Order | None = None,
) -> str:
    """A request's content as one hash, for telling a replay from a different request."""
    content = "\x1f".join(
        str(part)
        for part in (
            cooperative.pk,
            member_number,
            code,
            amount,
            discount,
            description.strip(),
            order.pk if order else "",
        )
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _not_recognised() -> DomainError:
    # One message for an unknown member number and a wrong, expired or used code: the partner
    # learns nothing about which member numbers exist.
    return DomainError(_("The member number or the code is not right."), field="code")


def _replayed(partner: Partner, key: str | None, fingerprint: str) -> Purchase | None:
    """The purchase a key already made (same content), None if the key is new; other
    content under a used key is refused."""
    if not key:
        return None
    first = Purchase.objects.filter(partner=partner, idempotency_key=key).first()
    if first is None:
        return None
    if first.request_fingerprint != fingerprint:
        raise DomainError(_("This request key was already used for a different purchase."))
    return first


def _check_amounts(amount, discount, description: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(_("Enter the amount paid in whole Rupiah, above zero."), field="amount")
    if amount > MAX_AMOUNT:
        raise DomainError(
            _("The amount is too large for one purchase (at most Rp 1.000.000.000)."),
            field="amount",
        )
    if isinstance(discount, bool) or not isinstance(discount, int) or discount < 0:
        raise DomainError(_("The discount must be whole Rupiah, zero or more."), field="discount")
    if discount > MAX_AMOUNT:
        raise DomainError(_("The discount is too large."), field="discount")
    if len(description) > Purchase._meta.get_field("description").max_length:
        raise DomainError(_("The description is too long."), field="description")


def purchase_record(
    *,
    partner: Partner,
    acting_user: User | None,
    cooperative: Cooperative,
    member_number: int | str,
    code: str,
    amount: int,
    description: str = "",
    discount: int = 0,
    order: Order | None = None,
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> Purchase:
    """A partner records a member's purchase with the member's one-time code (one code, one
    purchase); the partner needs an active partnership with the cooperative.

    All or nothing, in one transaction; the only thing a refusal keeps is a wrong code's
    failed try (written in its own committed step, so that 5 wrong tries kill the code).
    """
    description = (description or "").strip()
    code = (code or "").strip()
    idempotency_key = idempotency_key or None
    fingerprint = fingerprint or purchase_fingerprint(
        cooperative=cooperative,
        member_number=member_number,
        code=code,
        amount=amount,
        discount=discount,
        description=description,
        order=order,
    )
    purchase, wrong_code = _purchase_record(
        partner=partner,
        acting_user=acting_user,
        cooperative=cooperative,
        member_number=member_number,
        code=code,
        amount=amount,
        description=description,
        discount=discount,
        order=order,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    if wrong_code:
        raise _not_recognised()
    return purchase


@transaction.atomic
def _purchase_record(
    *,
    partner: Partner,
    acting_user: User | None,
    cooperative: Cooperative,
    member_number: int | str,
    code: str,
    amount: int,
    description: str,
    discount: int,
    order: Order | None,
    idempotency_key: str | None,
    fingerprint: str,
) -> tuple[Purchase | None, bool]:
    """(the purchase, False), or (None, True) after counting a wrong code's try: the caller
    raises then, outside this transaction, so the count stays."""
    replay = _replayed(partner, idempotency_key, fingerprint)
    if replay is not None:
        return replay, False
    _check_amounts(amount, discount, description)
    if not Partnership.objects.filter(
        cooperative=cooperative, partner=partner, status=Partnership.Status.ACTIVE
    ).exists():
        raise DomainError(
            _("Your business has no active partnership with this cooperative."),
            field="cooperative",
        )
    number = str(member_number).strip()
    member = (
        Member.objects.filter(cooperative=cooperative, number=int(number)).first()
        if number.isdigit() and len(number) <= 9
        else None
    )
    if member is None:
        raise _not_recognised()
    now = timezone.now()
    # The lock makes a racing request with the same code wait, then find the code used.
    live = (
        live_codes(member=member, now=now)
        .select_for_update(of=("self",))
        .order_by("-created_at", "-id")
        .first()
    )
    if live is None:
        # A concurrent request under the same key may have just used the code: answer as it did.
        replay = _replayed(partner, idempotency_key, fingerprint)
        if replay is not None:
            return replay, False
        raise _not_recognised()
    if not secrets.compare_digest(live.code.encode(), code.encode()):
        live.failed_attempts += 1
        live.save(update_fields=["failed_attempts"])
        return None, True
    if member.status != Member.Status.ACTIVE:
        raise DomainError(_("This member is not active in the cooperative."), field="member_number")
    if order is not None:
        order = _order_to_settle(order, partner=partner, cooperative=cooperative, member=member)
    try:
        with transaction.atomic():
            purchase = Purchase.objects.create(
                cooperative=cooperative,
                member=member,
                partner=partner,
                order=order,
                amount=amount,
                discount=discount,
                description=description,
                occurred_at=now,
                recorded_by=acting_user,
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
                created_at=now,
            )
    except IntegrityError:
        # A concurrent duplicate under the same key committed first.
        replay = _replayed(partner, idempotency_key, fingerprint)
        if replay is None:
            raise
        return replay, False
    live.used_at = now
    live.save(update_fields=["used_at"])
    if order is not None:
        from partners.offers import order_fulfil

        order_fulfil(order=order, acting_user=acting_user)
    event_record(
        kind=PURCHASE_RECORDED,
        actor=acting_user,
        cooperative=cooperative,
        data={
            "purchase_id": purchase.pk,
            "member_id": member.pk,
            "partner_id": partner.pk,
            "partner_name": partner.name,
            "amount": amount,
            "discount": discount,
            "order_id": order.pk if order else None,
        },
    )
    return purchase, False


def _order_to_settle(
    order: Order, *, partner: Partner, cooperative: Cooperative, member: Member
) -> Order:
    """The confirmed order this purchase pays, locked; the partner's, for this member."""
    locked = Order.objects.select_for_update(of=("self",)).filter(pk=order.pk).first()
    if (
        locked is None
        or locked.partner_id != partner.pk
        or locked.cooperative_id != cooperative.pk
        or locked.member_id != member.pk
    ):
        raise DomainError(_("Choose a confirmed order of this member."), field="order")
    if locked.status != Order.Status.CONFIRMED or Purchase.objects.filter(order=locked).exists():
        raise DomainError(_("Only a confirmed order can be settled by a purchase."), field="order")
    return locked


# --- figures -------------------------------------------------------------------------------


def commission_due(amount: int, percent: Decimal | None) -> int:
    """The cooperative's fee on `amount`: `floor(amount * percent / 100)` whole Rupiah."""
    if not percent:
        return 0
    fee = Decimal(amount) * Decimal(percent) / Decimal(100)
    return int(fee.to_integral_value(rounding=ROUND_FLOOR))


def _day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in the cooperative's time zone for local dates from..to inclusive."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _commission_rates(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    """(cooperative_id, partner_id) -> commission percent: the active partnership's, else the
    latest one's (a partnership that ended still settles its last month)."""
    if not pairs:
        return {}
    coops = {c for c, _p in pairs}
    partners = {p for _c, p in pairs}
    rates: dict[tuple[int, int], Decimal] = {}
    rows = (
        Partnership.objects.filter(cooperative_id__in=coops, partner_id__in=partners)
        .order_by("created_at", "id")
        .values_list("cooperative_id", "partner_id", "status", "commission_percent")
    )
    active: set[tuple[int, int]] = set()
    for coop_id, partner_id, status, percent in rows:
        key = (coop_id, partner_id)
        if key in active:
            continue
        rates[key] = percent
        if status == Partnership.Status.ACTIVE:
            active.add(key)
    return rates


def member_purchases(*, member: Member) -> QuerySet[Purchase]:
    """The member's own purchases at partners, newest first."""
    return (
        Purchase.objects.filter(member=member)
        .select_related("partner")
        .order_by("-occurred_at", "-id")
    )


def partner_purchases(
    *,
    partner: Partner,
    cooperative_id: int | None = None,
    year: int | None = None,
    month: int | None = None,
) -> QuerySet[Purchase]:
    """A partner's recorded purchases, newest first, optionally of one cooperative and month."""
    purchases = Purchase.objects.filter(partner=partner)
    if cooperative_id:
        purchases = purchases.filter(cooperative_id=cooperative_id)
    if year and month:
        start, end = _day_bounds(*month_bounds(year, month))
        purchases = purchases.filter(occurred_at__gte=start, occurred_at__lt=end)
    return purchases.select_related("cooperative", "member", "order").order_by(
        "-occurred_at", "-id"
    )


@dataclass(frozen=True)
class SalesRow:
    """One partner's (or, in a settlement, one cooperative's) figures for a period."""

    id: int
    name: str
    count: int
    members: int
    amount: int
    discount: int
    commission_percent: Decimal
    commission: int


@dataclass(frozen=True)
class SalesReport:
    date_from: dt.date
    date_to: dt.date
    rows: list[SalesRow]
    count: int
    members: int
    amount: int
    discount: int
    commission: int


def _sales_rows(queryset: QuerySet[Purchase], group: str, name: str, rate_of) -> list[SalesRow]:
    grouped = (
        queryset.values(group, name)
        .annotate(
            n=Count("id"),
            members_n=Count("member_id", distinct=True),
            amount_sum=Sum("amount"),
            discount_sum=Sum("discount"),
        )
        .order_by(name, group)
    )
    rows = []
    for row in grouped:
        percent = rate_of(row[group]) or Decimal(0)
        amount = int(row["amount_sum"] or 0)
        rows.append(
            SalesRow(
                id=row[group],
                name=row[name],
                count=row["n"],
                members=row["members_n"],
                amount=amount,
                discount=int(row["discount_sum"] or 0),
                commission_percent=percent,
                commission=commission_due(amount, percent),
            )
        )
    return rows


def _report(queryset, rows: list[SalesRow], date_from: dt.date, date_to: dt.date) -> SalesReport:
    members = queryset.aggregate(n=Count("member_id", distinct=True))["n"] if rows else 0
    return SalesReport(
        date_from=date_from,
        date_to=date_to,
        rows=rows,
        count=sum(r.count for r in rows),
        members=members,
        amount=sum(r.amount for r in rows),
        discount=sum(r.discount for r in rows),
        commission=sum(r.commission for r in rows),
    )


def cooperative_partner_sales(
    *, cooperative: Cooperative, date_from: dt.date, date_to: dt.date
) -> SalesReport:
    """Per partner: purchases, distinct members, amount, discount and the fee due, for the
    local dates from..to inclusive (three queries)."""
    start, end = _day_bounds(date_from, date_to)
    purchases = Purchase.objects.filter(
        cooperative=cooperative, occurred_at__gte=start, occurred_at__lt=end
    )
    partner_ids = set(purchases.values_list("partner_id", flat=True).distinct())
    rates = _commission_rates({(cooperative.pk, p) for p in partner_ids})
    rows = _sales_rows(
        purchases, "partner_id", "partner__name", lambda pid: rates.get((cooperative.pk, pid))
    )
    return _report(purchases, rows, date_from, date_to)


@dataclass(frozen=True)
class Settlement:
    """A partner's statement for one month: what its sales to each cooperative's members owe
    the cooperative. Provisional while the month is not over."""

    partner: Partner
    year: int
    month: int
    report: SalesReport
    provisional: bool
    purchases: list[Purchase] = field(default_factory=list)

    @property
    def first_day(self) -> dt.date:
        return self.report.date_from


def partner_settlement(
    *, partner: Partner, year: int, month: int, today: dt.date | None = None
) -> Settlement:
    """One month's settlement: per cooperative and in total, with the month's purchases."""
    today = today or timezone.localdate()
    date_from, date_to = month_bounds(year, month)
    start, end = _day_bounds(date_from, date_to)
    purchases = Purchase.objects.filter(
        partner=partner, occurred_at__gte=start, occurred_at__lt=end
    )
    coop_ids = set(purchases.values_list("cooperative_id", flat=True).distinct())
    rates = _commission_rates({(c, partner.pk) for c in coop_ids})
    rows = _sales_rows(
        purchases, "cooperative_id", "cooperative__name", lambda cid: rates.get((cid, partner.pk))
    )
    lines = list(purchases.select_related("cooperative", "member").order_by("occurred_at", "id"))
    return Settlement(
        partner=partner,
        year=year,
        month=month,
        report=_report(purchases, rows, date_from, date_to),
        provisional=date_to >= today,
        purchases=lines,
    )


@dataclass(frozen=True)
class SettlementMonth:
    first_day: dt.date
    count: int
    amount: int
    commission: int
    provisional: bool

    @property
    def year(self) -> int:
        return self.first_day.year

    @property
    def month(self) -> int:
        return self.first_day.month


def partner_settlement_months(
    *, partner: Partner, today: dt.date | None = None
) -> list[SettlementMonth]:
    """The months in which the partner recorded purchases, newest first, with each month's
    totals (the fee computed per cooperative, as in the statement). Two queries."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    grouped = (
        Purchase.objects.filter(partner=partner)
        .annotate(month=TruncMonth("occurred_at", tzinfo=tz))
        .values("month", "cooperative_id")
        .annotate(n=Count("id"), amount_sum=Sum("amount"))
        .order_by()
    )
    rows = list(grouped)
    rates = _commission_rates({(r["cooperative_id"], partner.pk) for r in rows})
    months: dict[dt.date, list[int]] = {}
    for row in rows:
        month = row["month"]
        first = month.date() if isinstance(month, dt.datetime) else month
        amount = int(row["amount_sum"] or 0)
        totals = months.setdefault(first, [0, 0, 0])
        totals[0] += row["n"]
        totals[1] += amount
        totals[2] += commission_due(amount, rates.get((row["cooperative_id"], partner.pk)))
    return [
        SettlementMonth(
            first_day=first,
            count=count,
            amount=amount,
            commission=commission,
            provisional=month_bounds(first.year, first.month)[1] >= today,
        )
        for first, (count, amount, commission) in sorted(months.items(), reverse=True)
    ]


def partner_active_cooperatives(*, partner: Partner) -> QuerySet[Cooperative]:
    """The cooperatives the partner may record purchases for: active partnerships."""
    return Cooperative.objects.filter(
        Q(partnerships__partner=partner) & Q(partnerships__status=Partnership.Status.ACTIVE)
    ).order_by("name")
