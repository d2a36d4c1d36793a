"""A posting that races a close on real PostgreSQL: it waits for the close, then is refused.

Each thread has its own database connection; the close is held open until the posting has
had time to reach the database, so without the period lock the posting would see no close and
slip into the period.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction

from services.ledger import chart
from services.ledger.actions import entry_post
from services.ledger.chart import chart_install
from services.ledger.models import JournalEntry, PeriodClose
from services.ledger.periods import PeriodClosedError, period_close

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="locks are PostgreSQL's"),
]


def post_by_action(cooperative):
    cash = chart.gl_account(cooperative, chart.CASH)
    expense = chart.gl_account(cooperative, chart.OPERATING_EXPENSE)
    return entry_post(
        cooperative=cooperative,
        date=dt.date(2026, 3, 15),
        kind=JournalEntry.Kind.OTHER,
        legs=[(expense, 1_000), (cash, -1_000)],
    )


def post_by_sql(cooperative):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO services_journalentry (cooperative_id, date, kind, memo, channel, "
            "fingerprint, created_at) VALUES (%s, '2026-03-15', 'other', '', '', 'raw', now())",
            [cooperative.pk],
        )


@pytest.mark.parametrize(
    ("post", "refusal"), [(post_by_action, PeriodClosedError), (post_by_sql, IntegrityError)]
)
def test_a_posting_during_a_close_waits_for_it_and_is_refused(cooperative, chair, post, refusal):
    chart_install(cooperative=cooperative)
    closing, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def close() -> None:
        try:
            with transaction.atomic():
                period_close(
                    cooperative=cooperative, through=dt.date(2026, 3, 31), acting_user=chair
                )
                closing.set()
                release.wait(10)
        finally:
            connections.close_all()

    def posting() -> None:
        try:
            closing.wait(10)
            outcome["result"] = post(cooperative)
        except Exception as error:  # the test inspects it
            outcome["result"] = error
        finally:
            outcome["at"] = time.monotonic()
            connections.close_all()

    closer, poster = threading.Thread(target=close), threading.Thread(target=posting)
    closer.start()
    poster.start()
    assert closing.wait(10)
    time.sleep(0.5)
    assert "result" not in outcome, "the posting did not wait for the close"
    released_at = time.monotonic()
    release.set()
    closer.join(15)
    poster.join(15)

    assert isinstance(outcome["result"], refusal)
    assert outcome["at"] >= released_at
    assert PeriodClose.objects.filter(cooperative=cooperative).count() == 1
    assert not JournalEntry.objects.filter(cooperative=cooperative).exists()
