"""Ledger invariants, checked with a few set-based queries (used by `manage.py ledger_check`)."""

from __future__ import annotations

from django.db import connection

from koperasi.models import Cooperative

CHECKS = {
    "unbalanced entry": """
        SELECT e.id, COALESCE(SUM(p.amount), 0), COUNT(p.id)
          FROM services_journalentry e LEFT JOIN services_posting p ON p.entry_id = e.id
         WHERE (%(coop)s IS NULL OR e.cooperative_id = %(coop)s)
         GROUP BY e.id
        HAVING COALESCE(SUM(p.amount), 0) <> 0 OR COUNT(p.id) < 2
    """,
    "stored balance differs from its postings": """
        SELECT a.id, a.balance, a.normal_sign * COALESCE(s.total, 0)
          FROM services_account a
          LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM services_posting
                      GROUP BY account_id) s ON s.account_id = a.id
         WHERE (%(coop)s IS NULL OR a.cooperative_id = %(coop)s)
           AND a.balance <> a.normal_sign * COALESCE(s.total, 0)
    """,
    "negative balance where none is allowed": """
        SELECT a.id, a.balance, 0 FROM services_account a
         WHERE (%(coop)s IS NULL OR a.cooperative_id = %(coop)s)
           AND a.may_go_negative = %(false)s AND a.balance < 0
    """,
    "posting crosses cooperatives": """
        SELECT p.id, p.cooperative_id, a.cooperative_id
          FROM services_posting p
          JOIN services_account a ON a.id = p.account_id
          JOIN services_journalentry e ON e.id = p.entry_id
         WHERE (%(coop)s IS NULL OR p.cooperative_id = %(coop)s)
           AND (p.cooperative_id <> a.cooperative_id OR p.cooperative_id <> e.cooperative_id)
    """,
}


def ledger_violations(*, cooperative: Cooperative | None = None) -> list[str]:
    """Every broken invariant, one line each; an empty list means the books are sound."""
    params = {"coop": cooperative.pk if cooperative else None, "false": False}
    found: list[str] = []
    with connection.cursor() as cursor:
        for name, sql in CHECKS.items():
            cursor.execute(sql, params)
            found += [f"{name}: id={row[0]} ({row[1]} vs {row[2]})" for row in cursor.fetchall()]
    return found
