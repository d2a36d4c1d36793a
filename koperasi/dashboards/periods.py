"""Months, periods and basis points shared by the dashboards' figures and charts."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from services.ledger.models import SavingsKind
from services.savings.actions import add_months

MONTHS = 12
YEARS = 5
LOANS = "loans"
KINDS = tuple(SavingsKind.values)  # pokok, wajib, sukarela
RAT_LIST_LIMIT = 200


def month_firsts(today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The first days of the last `months` months, oldest first, the current month last."""
    current = today.replace(day=1)
    return [add_months(current, offset) for offset in range(1 - months, 1)]


def month_end(first: dt.date, today: dt.date) -> dt.date:
    """The last day of the month, or today for the current month."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return min(last, today)


def par_bp(at_risk: int, outstanding: int) -> int:
    """PAR as whole basis points (3333 = 33,33 %), half up; 0 for an empty portfolio."""
    if outstanding <= 0:
        return 0
    ratio = Decimal(at_risk) * 10000 / Decimal(outstanding)
    return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def bp_percent(bp: int | None) -> Decimal | None:
    """Basis points as a percent with two decimals (3333 -> 33.33)."""
    return None if bp is None else (Decimal(bp) / 100).quantize(Decimal("0.01"))
