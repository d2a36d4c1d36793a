"""Rupiah: whole Rupiah in integers, shown as `Rp 1.250.000`.

Rates and intermediate maths use `Decimal`; they are rounded once, at the posting, with
`to_rupiah` (half up, the rounding Indonesian cooperatives use on paper).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def to_rupiah(amount: Decimal | int) -> int:
    """Round an exact amount to whole Rupiah, half away from zero."""
    return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_rupiah(amount: int | Decimal | None) -> str:
    """`1250000` -> `Rp 1.250.000`; negative amounts as `-Rp 50.000`; None as an empty string."""
    if amount is None or amount == "":
        return ""
    if isinstance(amount, float):
        raise TypeError("Money is never a float: pass int or Decimal.")
    value = to_rupiah(Decimal(amount))
    sign = "-" if value < 0 else ""
    return f"{sign}Rp {abs(value):,}".replace(",", ".")
