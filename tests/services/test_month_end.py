"""Month end: wajib bills, interest on the lowest sukarela balance of the month, idempotence,
and the `post_monthly_savings` command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from koperasi.errors import DomainError
from members.actions import member_apply, member_approve, member_exit
from members.models import Member
from services.ledger import chart
from services.ledger.checks import ledger_violations
from services.ledger.models import JournalEntry, SavingsKind
from services.savings.actions import (
    member_account,
    product_for,
    savings_deposit,
    savings_withdraw,
)
from services.savings.models import MonthEndRun, SavingsBill
from services.savings.month_end import month_end_run
from tests.factories import member_data
from tests.services.helpers import books

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def admit(cooperative, *, joined_on: dt.date, **data) -> Member:
    applicant = member_apply(cooperative=cooperative, data=member_data(**data))
    return member_approve(member=applicant, acting_user=cooperative.created_by, joined_on=joined_on)


def put(member, amount: int, on: dt.date, kind: str = SavingsKind.SUKARELA):
    return savings_deposit(
        member=member, kind=kind, amount=amount, channel="cash", acting_user=None, on=on
    )


def take(member, amount: int, on: dt.date):
    return savings_withdraw(member=member, amount=amount, channel="cash", acting_user=None, on=on)


def sukarela(member) -> int:
    return member_account(member, SavingsKind.SUKARELA).balance


def interest_of(run: MonthEndRun) -> dict[int, int]:
    """What the run's interest entry credited to each member's sukarela account."""
    if run.interest_entry is None:
        return {}
    return {
        account__member_id: -amount
        for account__member_id, amount in run.interest_entry.postings.filter(
            account__member__isnull=False
        ).values_list("account__member_id", "amount")
    }


@pytest.fixture
def siti(cooperative):
    return admit(cooperative, joined_on=dt.date(2026, 1, 15), full_name="Siti Aminah")


# --- wajib bills ------------------------------------------------------------------------------


def test_month_end_bills_wajib_for_each_active_member_who_had_joined(
    cooperative, other_cooperative, siti, chair
):
    last_day = admit(cooperative, joined_on=dt.date(2026, 3, 31), full_name="Budi")
    admit(cooperative, joined_on=dt.date(2026, 4, 1), full_name="Citra")  # joins after March
    member_apply(cooperative=cooperative, data=member_data(full_name="Dedi"))  # applicant
    leaver = admit(cooperative, joined_on=dt.date(2026, 1, 5), full_name="Eka")
    member_exit(member=leaver, acting_user=chair)
    admit(other_cooperative, joined_on=dt.date(2026, 1, 5), full_name="Fajar")

    result = month_end_run(cooperative=cooperative, month=dt.date(2026, 3, 17))

    assert result.created is True
    assert result.run.month == MARCH
    assert result.run.bills_created == 2
    wajib = SavingsBill.objects.filter(kind=SavingsKind.WAJIB)
    assert sorted(wajib.values_list("member_id", flat=True)) == sorted([siti.pk, last_day.pk])
    assert set(
        wajib.values_list("cooperative_id", "period", "due_date", "amount", "paid_amount", "status")
    ) == {(cooperative.pk, MARCH, dt.date(2026, 3, 10), 25_000, 0, "open")}


def test_the_bill_follows_the_product(cooperative, siti):
    product = product_for(cooperative)
    product.wajib_amount = 40_000
    product.wajib_due_day = 25
    product.save()

    month_end_run(cooperative=cooperative, month=MARCH)

    bill = SavingsBill.objects.get(member=siti, kind=SavingsKind.WAJIB)
    assert (bill.amount, bill.due_date) == (40_000, dt.date(2026, 3, 25))


def test_no_wajib_bills_when_the_product_has_none(cooperative, siti):
    product = product_for(cooperative)
    product.wajib_amount = 0
    product.save()

    result = month_end_run(cooperative=cooperative, month=MARCH)

    assert result.run.bills_created == 0
    assert not SavingsBill.objects.filter(kind=SavingsKind.WAJIB).exists()


def test_months_paid_ahead_are_not_billed_again(cooperative, siti):
    budi = admit(cooperative, joined_on=dt.date(2026, 2, 1), full_name="Budi")
    # Three months of wajib in one go: March, April and May, paid.
    put(siti, 75_000, dt.date(2026, 3, 2), kind=SavingsKind.WAJIB)
    paid = list(
        SavingsBill.objects.filter(member=siti, kind="wajib").values_list("period", "status")
    )
    assert paid == [
        (dt.date(2026, 3, 1), "paid"),
        (dt.date(2026, 4, 1), "paid"),
        (dt.date(2026, 5, 1), "paid"),
    ]

    march = month_end_run(cooperative=cooperative, month=MARCH)
    april = month_end_run(cooperative=cooperative, month=dt.date(2026, 4, 1))
    june = month_end_run(cooperative=cooperative, month=dt.date(2026, 6, 1))

    assert (march.run.bills_created, april.run.bills_created, june.run.bills_created) == (1, 1, 2)
    assert list(
        SavingsBill.objects.filter(member=siti, kind="wajib").values_list("period", "status")
    ) == [*paid, (dt.date(2026, 6, 1), "open")]
    assert list(
        SavingsBill.objects.filter(member=budi, kind="wajib").values_list("period", flat=True)
    ) == [dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 6, 1)]


def test_an_unpaid_bill_is_overdue_once_its_due_date_has_passed(cooperative, siti):
    from services.savings.selectors import member_open_bills

    month_end_run(cooperative=cooperative, month=MARCH)
    bill = SavingsBill.objects.get(member=siti, kind=SavingsKind.WAJIB)

    assert bill.due_date == dt.date(2026, 3, 10)
    assert member_open_bills(member=siti, today=dt.date(2026, 3, 10)).wajib_overdue == 0
    assert member_open_bills(member=siti, today=dt.date(2026, 3, 11)).wajib_overdue == 1
    assert member_open_bills(member=siti).wajib_overdue == 1  # today, long after March
    assert (
        SavingsBill.objects.filter(
            member=siti, kind="wajib", status="open", due_date__lt=dt.date(2026, 3, 11)
        ).count()
        == 1
    )

    put(siti, 25_000, dt.date(2026, 3, 20), kind=SavingsKind.WAJIB)

    assert member_open_bills(member=siti, today=dt.date(2026, 3, 21)).wajib_overdue == 0


# --- interest ---------------------------------------------------------------------------------


def test_interest_is_paid_on_the_lowest_balance_of_the_month(cooperative, siti):
    """Siti's sukarela in March 2026, at 3.00 % a year:

        28 Feb  deposit   1,200,000  -> balance 1,200,000  (the balance March opens with)
        10 Mar  withdraw    400,000  -> balance   800,000  <- lowest
        20 Mar  deposit     900,000  -> balance 1,700,000

    interest = 800,000 x 3 / 100 / 12 = 2,000 exactly, posted on 31 March.
    """
    put(siti, 1_200_000, dt.date(2026, 2, 28))
    take(siti, 400_000, dt.date(2026, 3, 10))
    put(siti, 900_000, dt.date(2026, 3, 20))

    result = month_end_run(cooperative=cooperative, month=MARCH)

    run = result.run
    assert (run.interest_total, run.interest_members) == (2_000, 1)
    entry = run.interest_entry
    assert (entry.kind, entry.date, entry.idempotency_key) == (
        "interest",
        dt.date(2026, 3, 31),
        "month-end-interest-2026-03",
    )
    expense = chart.gl_account(cooperative, chart.SAVINGS_INTEREST_EXPENSE)
    assert sorted(entry.postings.values_list("account_id", "amount", "date")) == sorted(
        [
            (member_account(siti, SavingsKind.SUKARELA).pk, -2_000, dt.date(2026, 3, 31)),
            (expense.pk, 2_000, dt.date(2026, 3, 31)),
        ]
    )
    assert sukarela(siti) == 1_702_000
    assert expense.balance == 2_000
    assert ledger_violations() == []


def test_the_month_may_dip_below_its_opening_and_its_closing(cooperative, siti):
    """Opening 500,000 (31 Jan); 3 Feb withdraw 300,000 -> 200,000 (lowest); 4 Feb deposit
    1,000,000 -> 1,200,000. 200,000 x 3 % / 12 = 500."""
    put(siti, 500_000, dt.date(2026, 1, 31))
    take(siti, 300_000, dt.date(2026, 2, 3))
    put(siti, 1_000_000, dt.date(2026, 2, 4))

    run = month_end_run(cooperative=cooperative, month=dt.date(2026, 2, 1)).run

    assert interest_of(run) == {siti.pk: 500}


def test_movements_after_the_month_do_not_change_its_interest(cooperative, siti):
    put(siti, 1_200_000, dt.date(2026, 2, 28))
    take(siti, 400_000, dt.date(2026, 3, 10))
    put(siti, 900_000, dt.date(2026, 3, 20))
    # The board closes March late, after April's movements.
    take(siti, 1_600_000, dt.date(2026, 4, 2))
    put(siti, 5_000_000, dt.date(2026, 4, 5))
    assert sukarela(siti) == 5_100_000

    run = month_end_run(cooperative=cooperative, month=MARCH).run

    assert interest_of(run) == {siti.pk: 2_000}
    assert sukarela(siti) == 5_102_000
    # April: opens 1,702,000, lowest 102,000 on the 2nd: 102,000 x 3 % / 12 = 255.
    april = month_end_run(cooperative=cooperative, month=dt.date(2026, 4, 1)).run
    assert interest_of(april) == {siti.pk: 255}
    assert ledger_violations() == []


def test_money_that_arrives_during_the_month_earns_from_the_next_month(cooperative, siti):
    """The lowest balance includes the one March opens with: a deposit on 1 March earns
    nothing for March (the month opened at 0) and a full month in April."""
    put(siti, 1_200_000, MARCH)

    march = month_end_run(cooperative=cooperative, month=MARCH).run
    april = month_end_run(cooperative=cooperative, month=dt.date(2026, 4, 1)).run

    assert (march.interest_total, march.interest_entry) == (0, None)
    assert interest_of(april) == {siti.pk: 3_000}


def test_interest_is_rounded_down_for_an_unmoved_balance(cooperative, siti):
    # 1,234,567 x 3 % / 12 = 3,086.4175 -> 3,086
    put(siti, 1_234_567, dt.date(2026, 2, 10))

    run = month_end_run(cooperative=cooperative, month=MARCH).run

    assert interest_of(run) == {siti.pk: 3_086}
    assert sukarela(siti) == 1_237_653


def test_interest_is_rounded_down_when_the_balance_moved_in_the_month(cooperative, siti):
    # Opening 1,000,000; 12 March withdraw 1 -> lowest 999,999.
    # 999,999 x 3 % / 12 = 2,499.9975 -> 2,499 (never rounded up to 2,500).
    put(siti, 1_000_000, dt.date(2026, 2, 10))
    take(siti, 1, dt.date(2026, 3, 12))

    run = month_end_run(cooperative=cooperative, month=MARCH).run

    assert interest_of(run) == {siti.pk: 2_499}
    assert sukarela(siti) == 1_002_498


def test_fractions_of_several_members_still_balance_the_interest_entry(cooperative, siti):
    """Each member's interest is rounded down on its own; the expense is their exact sum."""
    budi = admit(cooperative, joined_on=dt.date(2026, 1, 15), full_name="Budi")
    citra = admit(cooperative, joined_on=dt.date(2026, 1, 15), full_name="Citra")
    for person, opening, out in ((siti, 1_000_000, 1), (budi, 600_000, 20), (citra, 77_777, 0)):
        put(person, opening, dt.date(2026, 2, 10))
        if out:
            take(person, out, dt.date(2026, 3, 12))

    run = month_end_run(cooperative=cooperative, month=MARCH).run

    # 999,999 -> 2,499.9975; 599,980 -> 1,499.95; 77,777 -> 194.4425
    assert interest_of(run) == {siti.pk: 2_499, budi.pk: 1_499, citra.pk: 194}
    assert run.interest_total == 4_192
    assert chart.gl_account(cooperative, chart.SAVINGS_INTEREST_EXPENSE).balance == 4_192
    assert ledger_violations() == []


def test_no_interest_below_the_minimum_balance(cooperative, siti):
    product = product_for(cooperative)
    product.sukarela_min_balance = 500_000
    product.save()
    budi = admit(cooperative, joined_on=dt.date(2026, 1, 15), full_name="Budi")
    citra = admit(cooperative, joined_on=dt.date(2026, 1, 15), full_name="Citra")
    put(siti, 500_000, dt.date(2026, 2, 1))  # exactly the minimum: 1,250
    put(budi, 499_999, dt.date(2026, 2, 1))  # just below: nothing
    put(citra, 100_000, dt.date(2026, 2, 1))  # opened March below the minimum: nothing
    put(citra, 1_000_000, dt.date(2026, 3, 5))

    run = month_end_run(cooperative=cooperative, month=MARCH).run

    assert interest_of(run) == {siti.pk: 1_250}
    assert (sukarela(siti), sukarela(budi), sukarela(citra)) == (501_250, 499_999, 1_100_000)


def test_a_zero_rate_pays_nothing(cooperative, siti):
    product = product_for(cooperative)
    product.sukarela_annual_rate = Decimal("0.00")
    product.save()
    put(siti, 1_000_000, dt.date(2026, 2, 1))
    before = JournalEntry.objects.count()

    run = month_end_run(cooperative=cooperative, month=MARCH).run

    assert (run.interest_total, run.interest_members, run.interest_entry) == (0, 0, None)
    assert JournalEntry.objects.count() == before


def test_a_fractional_rate_is_exact(cooperative, siti):
    # 2,400,000 x 4.25 % / 12 = 8,500 exactly.
    product = product_for(cooperative)
    product.sukarela_annual_rate = Decimal("4.25")
    product.save()
    put(siti, 2_400_000, dt.date(2026, 2, 1))

    run = month_end_run(cooperative=cooperative, month=MARCH).run

    assert interest_of(run) == {siti.pk: 8_500}


def test_interest_too_small_to_be_a_rupiah_is_not_posted(cooperative, siti):
    # 399 x 3 % / 12 = 0.9975 -> 0: no posting of zero, no entry at all.
    put(siti, 399, dt.date(2026, 2, 1))
    before = JournalEntry.objects.count()

    run = month_end_run(cooperative=cooperative, month=MARCH).run

    assert (run.interest_total, run.interest_entry) == (0, None)
    assert JournalEntry.objects.count() == before


def test_former_members_and_other_cooperatives_earn_no_interest_here(
    cooperative, other_cooperative, siti, chair
):
    fajar = admit(other_cooperative, joined_on=dt.date(2026, 1, 5), full_name="Fajar")
    put(fajar, 1_200_000, dt.date(2026, 2, 1))
    put(siti, 1_200_000, dt.date(2026, 2, 1))

    run = month_end_run(cooperative=cooperative, month=MARCH).run

    assert interest_of(run) == {siti.pk: 3_000}
    assert sukarela(fajar) == 1_200_000
    assert chart.gl_account(other_cooperative, chart.SAVINGS_INTEREST_EXPENSE).balance == 0


# --- idempotence ------------------------------------------------------------------------------


def test_a_second_run_for_the_same_month_posts_nothing(cooperative, siti):
    put(siti, 1_200_000, dt.date(2026, 2, 28))
    first = month_end_run(cooperative=cooperative, month=MARCH)
    before = books()

    again = month_end_run(cooperative=cooperative, month=dt.date(2026, 3, 31))

    assert again.created is False
    assert again.run.pk == first.run.pk
    assert books() == before
    assert sukarela(siti) == 1_203_000


def test_a_month_that_has_not_ended_cannot_be_closed(cooperative, siti):
    from django.utils import timezone

    put(siti, 1_200_000, dt.date(2026, 2, 28))
    before = books()

    with pytest.raises(DomainError):
        month_end_run(cooperative=cooperative, month=timezone.localdate())

    assert books() == before


def test_the_books_balance_after_month_end(cooperative, siti):
    budi = admit(cooperative, joined_on=dt.date(2026, 1, 15), full_name="Budi")
    put(siti, 1_234_567, dt.date(2026, 2, 10))
    put(budi, 777_777, dt.date(2026, 2, 10))
    take(budi, 7, dt.date(2026, 3, 30))
    put(siti, 25_000, dt.date(2026, 3, 3), kind=SavingsKind.WAJIB)

    for month in (2, 3, 4):
        month_end_run(cooperative=cooperative, month=dt.date(2026, month, 1))

    assert ledger_violations() == []
    out = StringIO()
    call_command("ledger_check", stdout=out)
    assert "Ledger OK" in out.getvalue()


# --- the command ------------------------------------------------------------------------------


def test_the_command_runs_month_end_once_and_says_so(cooperative, siti):
    put(siti, 1_200_000, dt.date(2026, 2, 28))
    out = StringIO()

    call_command(
        "post_monthly_savings", "--cooperative", cooperative.slug, "--month", "2026-03", stdout=out
    )

    assert out.getvalue() == "2026-03: 1 wajib bills, interest Rp 3.000 to 1 members.\n"
    assert MonthEndRun.objects.get(cooperative=cooperative).month == MARCH
    assert sukarela(siti) == 1_203_000
    before = books()

    out = StringIO()
    call_command(
        "post_monthly_savings", "--cooperative", cooperative.slug, "--month", "2026-03", stdout=out
    )

    assert "2026-03 was already closed" in out.getvalue()
    assert "nothing posted" in out.getvalue()
    assert books() == before


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "March", "2026-3-1", "2026", "", "26-03x", "0000-01"]
)
def test_the_command_rejects_a_bad_month(month, cooperative, siti):
    before = books()

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("post_monthly_savings", "--cooperative", cooperative.slug, "--month", month)

    assert books() == before


def test_the_command_rejects_an_unknown_cooperative(cooperative, siti):
    before = books()

    with pytest.raises(CommandError, match="no-such-koperasi"):
        call_command(
            "post_monthly_savings", "--cooperative", "no-such-koperasi", "--month", "2026-03"
        )

    assert books() == before


def test_the_command_refuses_a_month_that_has_not_ended(cooperative, siti):
    from django.utils import timezone

    before = books()

    with pytest.raises(CommandError):
        call_command(
            "post_monthly_savings",
            "--cooperative",
            cooperative.slug,
            "--month",
            f"{timezone.localdate():%Y-%m}",
        )

    assert books() == before


# --- scheduled tasks --------------------------------------------------------------------------


def test_the_task_closes_a_month_once(cooperative, siti):
    from services.tasks import month_end_for

    put(siti, 1_200_000, dt.date(2026, 2, 28))

    assert month_end_for(cooperative.pk, "2026-03") == {"created": True, "bills": 1}
    before = books()
    assert month_end_for(cooperative.pk, "2026-03") == {"created": False, "bills": 1}
    assert books() == before
    assert sukarela(siti) == 1_203_000


def test_the_beat_queues_last_month_for_every_verified_cooperative(
    cooperative, other_cooperative, pending_cooperative, monkeypatch
):
    from django.utils import timezone

    from services import tasks
    from services.savings.actions import add_months

    queued = []
    monkeypatch.setattr(tasks.month_end_for, "delay", lambda *args: queued.append(args))
    last_month = add_months(timezone.localdate().replace(day=1), -1)

    assert tasks.month_end_all() == 2

    assert sorted(queued) == sorted(
        [(cooperative.pk, f"{last_month:%Y-%m}"), (other_cooperative.pk, f"{last_month:%Y-%m}")]
    )
    assert MonthEndRun.objects.count() == 0
