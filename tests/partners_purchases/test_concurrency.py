"""Two tills racing with the same code, for real (two connections, PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from koperasi.errors import DomainError
from partners.models import Purchase, PurchaseCode
from partners.purchases import purchase_code_issue, purchase_record

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls: int, record) -> list:
    """Run `record()` in `calls` threads started at the same moment; their results/errors."""
    barrier = threading.Barrier(calls)
    results: list = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            outcome = record()
        except DomainError as error:
            outcome = error.message
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_one_code_makes_exactly_one_purchase_when_two_tills_race(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)

    def record():
        return purchase_record(
            partner=partner,
            acting_user=owner,
            cooperative=buyer.cooperative,
            member_number=buyer.number,
            code=code.code,
            amount=60_000,
        ).pk

    results = race(2, record)

    assert Purchase.objects.count() == 1
    purchase = Purchase.objects.get()
    assert sorted(results, key=str) == sorted(
        [purchase.pk, "Nomor anggota atau kodenya tidak sesuai."], key=str
    )
    assert PurchaseCode.objects.get(pk=code.pk).used_at == purchase.occurred_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_concurrent_replay_returns_the_first_purchase(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)

    def record():
        return purchase_record(
            partner=partner,
            acting_user=owner,
            cooperative=buyer.cooperative,
            member_number=buyer.number,
            code=code.code,
            amount=60_000,
            idempotency_key="till-1-42",
            fingerprint="same",
        ).pk

    results = race(3, record)

    purchase = Purchase.objects.get()
    assert results == [purchase.pk] * 3
