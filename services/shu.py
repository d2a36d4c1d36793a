"""The SHU split (Sisa Hasil Usaha), as DOMAIN.md gives it, in one pure function.

    SHU_member = jasa_modal_pool * member_savings / all_members_savings
               + jasa_usaha_pool * member_transactions / all_members_transactions

Each part is rounded down to whole Rupiah; what rounding leaves over stays in the reserve, so
the sum paid never exceeds either pool. A pool whose basis is zero in total (nobody saved, or
nobody transacted) pays nothing and stays whole in the reserve.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Basis:
    member_id: int
    savings: int
    transactions: int


@dataclass(frozen=True)
class Share:
    member_id: int
    jasa_modal: int
    jasa_usaha: int
    total: int


def split_shu(jasa_modal_pool: int, jasa_usaha_pool: int, bases: Iterable) -> list[Share]:
    """Each member's jasa modal (by savings) and jasa usaha (by transactions), rounded down.

    `bases` holds objects with `member_id`, `savings` and `transactions` (whole Rupiah, >= 0).
    Exact integer arithmetic: no float, no Decimal rounding in between."""
    for name, pool in (("jasa_modal_pool", jasa_modal_pool), ("jasa_usaha_pool", jasa_usaha_pool)):
        if type(pool) is not int or pool < 0:
            raise ValueError(f"{name} must be a whole number of Rupiah, not negative")
    rows = list(bases)
    seen: set[int] = set()
    for row in rows:
        if row.member_id in seen:
            raise ValueError(f"member {row.member_id} appears twice")
        seen.add(row.member_id)
        if type(row.savings) is not int or type(row.transactions) is not int:
            raise ValueError("savings and transactions are whole Rupiah")
        if row.savings < 0 or row.transactions < 0:
            raise ValueError("savings and transactions cannot be negative")
    all_savings = sum(row.savings for row in rows)
    all_transactions = sum(row.transactions for row in rows)
    shares = []
    for row in rows:
        modal = jasa_modal_pool * row.savings // all_savings if all_savings else 0
        usaha = jasa_usaha_pool * row.transactions // all_transactions if all_transactions else 0
        shares.append(
            Share(member_id=row.member_id, jasa_modal=modal, jasa_usaha=usaha, total=modal + usaha)
        )
    return shares
