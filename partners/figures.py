"""What a financing partner (bank or fund) may see of a cooperative: aggregate figures only.

A cooperative appears only while it has an active partnership with the partner and its board's
consent to share figures is live. Nothing here names, counts or identifies a person: no member
name, NIK, phone or email ever leaves these functions. The same numbers feed the partner
portal's page and the JSON API (`figures_for_partner`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum

from koperasi.models import Cooperative
from members.models import Member
from partners.models import Partner, Partnership
from services.ledger.models import Account, SavingsKind
from services.loans.models import Loan
from services.loans.selectors import PAR_DAYS


@dataclass(frozen=True)
class CooperativeFigures:
    """One cooperative's aggregate figures, in whole Rupiah (PAR30 in percent)."""

    name: str
    slug: str
    active_members: int
    savings_pokok: int
    savings_wajib: int
    savings_sukarela: int
    loans_active: int
    loans_outstanding: int
    loans_at_risk: int  # principal outstanding on loans more than 30 days past due

    @property
    def savings_total(self) -> int:
        return self.savings_pokok + self.savings_wajib + self.savings_sukarela

    @property
    def par30_percent(self) -> Decimal:
        """PAR30 in percent, two decimals, half up (12.34); zero for an empty portfolio."""
        if not self.loans_outstanding:
            return Decimal("0.00")
        share = Decimal(self.loans_at_risk) * 100 / Decimal(self.loans_outstanding)
        return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def consenting_cooperatives(*, partner: Partner) -> QuerySet[Cooperative]:
    """Verified cooperatives with an active partnership with this financing partner whose
    board's consent to share figures is live. None for a partner of another kind."""
    if partner.kind != Partner.Kind.BANK_OR_FUND:
        return Cooperative.objects.none()
    return (
        Cooperative.objects.filter(
            status=Cooperative.Status.VERIFIED,
            partnerships__partner=partner,
            partnerships__status=Partnership.Status.ACTIVE,
            partnerships__figures_consent__isnull=False,
            partnerships__figures_consent__revoked_at__isnull=True,
        )
        .distinct()
        .order_by("name", "pk")
    )


def figures_of(cooperatives: list[Cooperative]) -> list[CooperativeFigures]:
    """The aggregate figures of each cooperative, in their order (three queries in all)."""
    ids = [c.pk for c in cooperatives]
    if not ids:
        return []
    members = dict(
        Member.objects.filter(cooperative_id__in=ids, status=Member.Status.ACTIVE)
        .values("cooperative_id")
        .annotate(n=Count("pk"))
        .values_list("cooperative_id", "n")
        .order_by()
    )
    savings: dict[tuple[int, str], int] = {
        (coop_id, kind): total or 0
        for coop_id, kind, total in Account.objects.filter(
            cooperative_id__in=ids, member__isnull=False
        )
        .values("cooperative_id", "savings_kind")
        .annotate(total=Sum("balance"))
        .values_list("cooperative_id", "savings_kind", "total")
        .order_by()
    }
    loans = {
        row["cooperative_id"]: row
        for row in Loan.objects.filter(cooperative_id__in=ids, status=Loan.Status.ACTIVE)
        .values("cooperative_id")
        .annotate(
            n=Count("pk"),
            outstanding=Sum("outstanding_principal"),
            at_risk=Sum("outstanding_principal", filter=Q(days_past_due__gt=PAR_DAYS)),
        )
        .order_by()
    }
    result = []
    for cooperative in cooperatives:
        loan = loans.get(cooperative.pk, {})
        result.append(
            CooperativeFigures(
                name=cooperative.name,
                slug=cooperative.slug,
                active_members=members.get(cooperative.pk, 0),
                savings_pokok=savings.get((cooperative.pk, SavingsKind.POKOK), 0),
                savings_wajib=savings.get((cooperative.pk, SavingsKind.WAJIB), 0),
                savings_sukarela=savings.get((cooperative.pk, SavingsKind.SUKARELA), 0),
                loans_active=loan.get("n") or 0,
                loans_outstanding=loan.get("outstanding") or 0,
                loans_at_risk=loan.get("at_risk") or 0,
            )
        )
    return result


def figures_for_partner(*, partner: Partner) -> list[CooperativeFigures]:
    """The figures of every cooperative that lets this financing partner see them, by name."""
    return figures_of(list(consenting_cooperatives(partner=partner)))
