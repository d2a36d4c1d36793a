"""Portfolio snapshots: each cooperative's headline figures once a day, for the trends that
cannot be rebuilt afterwards.

Savings and loans outstanding at any past month end can be computed again from the ledger
(its postings are append-only), and members from their join and exit dates; the board's
dashboard does so. PAR30 cannot: it depends on how late each loan was on that day, and the
daily loan job overwrites `Loan.days_past_due` every morning. So once a day a snapshot keeps

- `members`: active members;
- `savings_pokok`, `savings_wajib`, `savings_sukarela`: the members' stored balances by kind;
- `loans_outstanding`: outstanding principal of disbursed loans (status active);
- `par30_outstanding`: the part of it on loans more than 30 days past due (the same rule as
  `services.loans.selectors.portfolio`), as the daily loan job left the loans that day.

`snapshots_take()` writes one row per cooperative for today in a fixed number of statements
whatever the number of cooperatives or members (three GROUP BY queries and one upsert). It
runs from the beat in the evening (`snapshots_take_all`), after the morning's loan job; a
second run on the same day replaces that day's row with the figures of the moment, so a rerun
is harmless. Only today can be recorded: the figures are the state now, never a past day's.

A trend reads the last snapshot of each month (`last_of_each_month`); a month without any
snapshot (before the job existed, or when it did not run) is left out, and the charts say so.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative
from members.models import Member
from services.ledger.models import Account
from services.loans.models import Loan

PAR_DAYS = 30


class PortfolioSnapshot(models.Model):
    """One cooperative's figures at the end of one day (see the module docstring)."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    members = models.PositiveIntegerField(_("active members"), default=0)
    savings_pokok = models.BigIntegerField(_("principal savings (pokok)"), default=0)
    savings_wajib = models.BigIntegerField(_("mandatory savings (wajib)"), default=0)
    savings_sukarela = models.BigIntegerField(_("voluntary savings (sukarela)"), default=0)
    loans_outstanding = models.BigIntegerField(_("loans outstanding"), default=0)
    par30_outstanding = models.BigIntegerField(_("outstanding more than 30 days late"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "services"
        ordering = ["cooperative", "date"]
        verbose_name = _("portfolio snapshot")
        verbose_name_plural = _("portfolio snapshots")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "date"], name="snapshot_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id} {self.date}"

    @property
    def savings_total(self) -> int:
        return self.savings_pokok + self.savings_wajib + self.savings_sukarela


FIGURES = (
    "members",
    "savings_pokok",
    "savings_wajib",
    "savings_sukarela",
    "loans_outstanding",
    "par30_outstanding",
)


@transaction.atomic
def snapshots_take(*, cooperatives: QuerySet[Cooperative] | None = None) -> int:
    """Record today's figures of every cooperative in `cooperatives` (default: the verified
    ones), replacing a snapshot already taken today. Returns the number of rows written."""
    if cooperatives is None:
        cooperatives = Cooperative.objects.verified()
    ids = list(cooperatives.order_by().values_list("pk", flat=True))
    if not ids:
        return 0
    chosen = cooperatives.order_by().values("pk")
    figures = {pk: dict.fromkeys(FIGURES, 0) for pk in ids}
    for pk, n in (
        Member.objects.filter(cooperative__in=chosen, status=Member.Status.ACTIVE)
        .order_by()
        .values("cooperative_id")
        .annotate(n=Count("pk"))
        .values_list("cooperative_id", "n")
    ):
        figures[pk]["members"] = n
    for pk, kind, total in (
        Account.objects.filter(cooperative__in=chosen, member__isnull=False)
        .exclude(savings_kind="")
        .order_by()
        .values("cooperative_id", "savings_kind")
        .annotate(total=Sum("balance"))
        .values_list("cooperative_id", "savings_kind", "total")
    ):
        figures[pk][f"savings_{kind}"] = total or 0
    for pk, outstanding, at_risk in (
        Loan.objects.filter(cooperative__in=chosen, status=Loan.Status.ACTIVE)
        .order_by()
        .values("cooperative_id")
        .annotate(
            outstanding=Sum("outstanding_principal"),
            at_risk=Sum("outstanding_principal", filter=Q(days_past_due__gt=PAR_DAYS)),
        )
        .values_list("cooperative_id", "outstanding", "at_risk")
    ):
        figures[pk]["loans_outstanding"] = outstanding or 0
        figures[pk]["par30_outstanding"] = at_risk or 0
    today = timezone.localdate()
    now = timezone.now()
    PortfolioSnapshot.objects.bulk_create(
        [
            PortfolioSnapshot(cooperative_id=pk, date=today, created_at=now, **values)
            for pk, values in figures.items()
        ],
        update_conflicts=True,
        unique_fields=["cooperative", "date"],
        update_fields=[*FIGURES, "created_at"],
    )
    return len(figures)


@shared_task
def snapshots_take_all() -> int:
    """Beat, every evening: today's snapshot of every verified cooperative."""
    return snapshots_take()


def last_of_each_month(rows, *, first: dt.date) -> dict[dt.date, object]:
    """From rows with a `date` (any order), the latest row of each month from `first` on,
    keyed by the month's first day."""
    chosen: dict[dt.date, object] = {}
    for row in rows:
        if row.date < first:
            continue
        month = row.date.replace(day=1)
        if month not in chosen or chosen[month].date < row.date:
            chosen[month] = row
    return chosen
