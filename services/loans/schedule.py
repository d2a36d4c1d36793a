"""Loan schedules (jadwal angsuran): one pure function for the three methods Indonesian
cooperatives use. For principal P, annual rate r, n months and monthly rate i = r / 12:

- flat (bunga flat): principal P/n each month, interest P*i each month on the original
  principal;
- annuity (anuitas): an equal payment A = P*i / (1 - (1+i)^-n), interest on the remaining
  balance, the rest of A repays principal;
- declining (bunga menurun / efektif): principal P/n each month, interest on the remaining
  balance.

Amounts are whole Rupiah. Equal parts (flat and declining principal, flat interest) are rounded
down and the remainder goes into the last installment, so that the principal repaid adds up to
P exactly (and flat interest to P*i*n, rounded half up) and no installment is ever negative;
interest on a balance and the annuity payment are rounded half up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, localcontext

from koperasi.money import to_rupiah
from services.savings.actions import add_months

METHODS = ("flat", "annuity", "declining")


@dataclass(frozen=True)
class Installment:
    number: int
    due_date: dt.date
    principal: int
    interest: int
    payment: int
    balance: int  # principal still owed after this installment


def build_schedule(
    principal: int, annual_rate: Decimal, months: int, method: str, first_due: dt.date
) -> list[Installment]:
    """The installments of a loan, in order. Refuses what cannot be a loan."""
    if type(principal) is not int or principal <= 0:
        raise ValueError("principal must be a positive whole number of Rupiah")
    if not isinstance(annual_rate, Decimal) or annual_rate < 0:
        raise ValueError("annual_rate must be a non-negative Decimal (0.12 for 12 %)")
    if type(months) is not int or months <= 0:
        raise ValueError("months must be a positive whole number")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    with localcontext() as context:
        context.prec = 40
        monthly = annual_rate / 12
        if method == "flat":
            rows = _flat(principal, monthly, months)
        elif method == "annuity":
            rows = _annuity(principal, monthly, months)
        else:
            rows = _declining(principal, monthly, months)
    schedule, balance = [], principal
    for number, (part, interest) in enumerate(rows, start=1):
        balance -= part
        schedule.append(
            Installment(
                number=number,
                due_date=add_months(first_due, number - 1),
                principal=part,
                interest=interest,
                payment=part + interest,
                balance=balance,
            )
        )
    return schedule


def _equal_parts(total: Decimal, months: int) -> list[int]:
    """`total` in `months` parts rounded down, the remainder in the last; they sum to
    round(total) and none is negative."""
    each = int((total / months).to_integral_value(rounding=ROUND_DOWN))
    parts = [each] * (months - 1)
    return [*parts, to_rupiah(total) - sum(parts)]


def _flat(principal: int, monthly: Decimal, months: int) -> list[tuple[int, int]]:
    principals = _equal_parts(Decimal(principal), months)
    interests = _equal_parts(principal * monthly * months, months)
    return list(zip(principals, interests, strict=True))


def _declining(principal: int, monthly: Decimal, months: int) -> list[tuple[int, int]]:
    rows, balance = [], principal
    for part in _equal_parts(Decimal(principal), months):
        rows.append((part, to_rupiah(balance * monthly)))
        balance -= part
    return rows


def _annuity(principal: int, monthly: Decimal, months: int) -> list[tuple[int, int]]:
    if monthly == 0:
        return [(part, 0) for part in _equal_parts(Decimal(principal), months)]
    payment = to_rupiah(principal * monthly / (1 - (1 + monthly) ** -months))
    rows, balance = [], principal
    for number in range(1, months + 1):
        interest = to_rupiah(balance * monthly)
        part = balance if number == months else min(balance, payment - interest)
        rows.append((part, interest))
        balance -= part
    return rows
