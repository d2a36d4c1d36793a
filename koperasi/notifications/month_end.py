"""Month-end notices, on the "savings.month_end" event (services/savings/month_end.py).

- "wajib.billed" to every active member whose simpanan wajib for the month was billed by this
  month end (an open bill for the month with nothing paid on it; months the member paid ahead
  already had a bill and are not billed again), with the amount and the due date;
- "wajib.overdue" to every active member with simpanan wajib bills past their due date, with
  the number of months.

It runs inside the month-end transaction, set-based: four queries whatever the number of
members. Dedupe keys carry the month (`wajib-billed-<coop>-<YYYY-MM>-<member id>`), so a
second run for the month tells nobody twice.

Register it in `wiring.HANDLERS`: `"savings.month_end": month_end.notify_month_end`.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from koperasi.models import Event
from koperasi.notifications import bulk
from koperasi.notifications.bulk import BulkResult, RecipientSet
from members.models import Member
from services.savings.models import SavingsBill

MEMBER = Member._meta.db_table
BILL = SavingsBill._meta.db_table
USER = bulk.USER


def billed_recipients(*, cooperative_id: int, month: dt.date) -> RecipientSet:
    """Active members with a wajib bill for `month` that this month end created."""
    prefix = f"wajib-billed-{cooperative_id}-{month:%Y-%m}-"
    sql = f"""
        SELECT {bulk.member_columns(dedupe_prefix=prefix)},
               CAST(b.amount AS TEXT) || '|' || CAST(b.due_date AS TEXT) AS variant
          FROM {MEMBER} m
          JOIN {BILL} b ON b.member_id = m.id AND b.kind = 'wajib' AND b.period = %(period)s
                       AND b.status = 'open' AND b.paid_amount = 0
          LEFT JOIN {USER} u ON u.id = m.user_id
         WHERE m.cooperative_id = %(coop)s AND m.status = 'active'"""  # noqa: S608
    return RecipientSet(sql=sql, params={"coop": cooperative_id, "period": month})


def overdue_recipients(*, cooperative_id: int, month: dt.date, today: dt.date) -> RecipientSet:
    """Active members with wajib bills past their due date; the variant is how many."""
    prefix = f"wajib-overdue-{cooperative_id}-{month:%Y-%m}-"
    sql = f"""
        SELECT {bulk.member_columns(dedupe_prefix=prefix)},
               CAST(o.months AS TEXT) AS variant
          FROM {MEMBER} m
          JOIN (SELECT b.member_id, COUNT(*) AS months
                  FROM {BILL} b
                 WHERE b.cooperative_id = %(coop)s AND b.kind = 'wajib'
                   AND b.status = 'open' AND b.due_date < %(today)s
                 GROUP BY b.member_id) o ON o.member_id = m.id
          LEFT JOIN {USER} u ON u.id = m.user_id
         WHERE m.cooperative_id = %(coop)s AND m.status = 'active'"""  # noqa: S608
    return RecipientSet(sql=sql, params={"coop": cooperative_id, "today": today})


def _billed_context(variant: str) -> dict:
    amount, due = variant.split("|")
    return {"amount": int(amount), "due": dt.date.fromisoformat(due[:10])}


def notify_month_end(event: Event, *, today: dt.date | None = None) -> dict[str, BulkResult]:
    """Tell members what the month end billed and what they owe (the event's handler)."""
    cooperative = event.cooperative
    month = dt.date.fromisoformat(f"{event.data['month']}-01")
    link = reverse("koperasi:member-home", args=[cooperative.slug])
    results = {"wajib.billed": BulkResult(), "wajib.overdue": BulkResult()}
    if event.data.get("bills"):
        results["wajib.billed"] = bulk.bulk_notify(
            kind="wajib.billed",
            cooperative=cooperative,
            recipients=billed_recipients(cooperative_id=cooperative.pk, month=month),
            context_for=lambda variant: {"month": month, **_billed_context(variant)},
            link=link,
        )
    results["wajib.overdue"] = bulk.bulk_notify(
        kind="wajib.overdue",
        cooperative=cooperative,
        recipients=overdue_recipients(
            cooperative_id=cooperative.pk, month=month, today=today or timezone.localdate()
        ),
        context_for=lambda variant: {"months": int(variant)},
        link=link,
    )
    return results
