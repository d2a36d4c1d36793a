"""`manage.py ledger_check`: clean books pass, a corrupted stored balance is reported."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from services.ledger import chart
from services.ledger.checks import ledger_violations
from services.ledger.models import JournalEntry, SavingsKind
from services.savings.actions import member_account, savings_deposit, savings_withdraw
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def busy_books(cooperative):
    """A member with a few movements; returns the member's sukarela account."""
    saver = make_member(cooperative)
    for kind, amount in ((SavingsKind.POKOK, 100_000), (SavingsKind.SUKARELA, 500_000)):
        savings_deposit(member=saver, kind=kind, amount=amount, channel="cash", acting_user=None)
    savings_withdraw(member=saver, amount=125_000, channel="transfer", acting_user=None)
    return member_account(saver, SavingsKind.SUKARELA)


def corrupt(account, by: int = 1) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE services_account SET balance = balance + %s WHERE id = %s", [by, account.pk]
        )


def run(*args) -> str:
    out = StringIO()
    call_command("ledger_check", *args, stdout=out)
    return out.getvalue()


def test_clean_books_pass(cooperative, other_cooperative):
    busy_books(cooperative)
    busy_books(other_cooperative)

    assert ledger_violations() == []
    assert "Ledger OK" in run()
    assert "Ledger OK" in run("--cooperative", cooperative.slug)


def test_empty_books_pass(cooperative):
    assert "Ledger OK" in run()


def test_a_corrupted_stored_balance_is_reported_with_its_account(cooperative):
    account = busy_books(cooperative)
    corrupt(account, by=1)

    out = StringIO()
    with pytest.raises(CommandError, match=r"1 ledger violation"):
        call_command("ledger_check", stdout=out)

    assert out.getvalue().splitlines() == [
        f"stored balance differs from its postings: id={account.pk} (375001 vs 375000)"
    ]
    assert ledger_violations(cooperative=cooperative) == out.getvalue().splitlines()


def test_every_corrupted_account_is_listed(cooperative):
    account = busy_books(cooperative)
    cash = chart.gl_account(cooperative, chart.CASH)
    corrupt(account, by=-5)
    corrupt(cash, by=7)

    out = StringIO()
    with pytest.raises(CommandError, match=r"2 ledger violation"):
        call_command("ledger_check", stdout=out)

    listed = out.getvalue()
    assert f"id={account.pk} (374995 vs 375000)" in listed
    assert f"id={cash.pk} (600007 vs 600000)" in listed


def test_the_scope_is_one_cooperative_when_asked(cooperative, other_cooperative):
    busy_books(cooperative)
    broken = busy_books(other_cooperative)
    corrupt(broken)

    assert "Ledger OK" in run("--cooperative", cooperative.slug)
    with pytest.raises(CommandError):
        run("--cooperative", other_cooperative.slug)
    with pytest.raises(CommandError):
        run()


def test_an_unknown_cooperative_is_an_error(cooperative):
    with pytest.raises(CommandError, match="no-such-koperasi"):
        run("--cooperative", "no-such-koperasi")


def test_an_entry_without_postings_is_reported(cooperative):
    """The database trigger only sees postings; an entry row with none is caught here."""
    busy_books(cooperative)
    empty = JournalEntry.objects.create(
        cooperative=cooperative, date=dt.date(2026, 3, 5), kind="other", fingerprint="-"
    )

    assert ledger_violations() == [f"unbalanced entry: id={empty.pk} (0 vs 0)"]
    with pytest.raises(CommandError):
        run()
