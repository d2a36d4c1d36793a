"""Savings actions: deposits of each kind, withdrawals, double submits, requests, exit payout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koperasi.errors import DomainError
from members.actions import member_apply, member_approve, member_exit
from members.models import Member
from services.ledger import chart
from services.ledger.checks import ledger_violations
from services.ledger.models import Account, JournalEntry, SavingsKind
from services.savings.actions import (
    exit_payout,
    member_account,
    product_for,
    savings_deposit,
    savings_withdraw,
    withdrawal_request_create,
    withdrawal_request_decide,
)
from services.savings.models import MAX_AMOUNT, SavingsBill, WithdrawalRequest
from services.savings.month_end import month_end_run
from tests.factories import make_member, member_data
from tests.services.helpers import books

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 5)


def balances(member) -> dict[str, int]:
    return dict(Account.objects.filter(member=member).values_list("savings_kind", "balance"))


def gl(cooperative, code) -> int:
    return chart.gl_account(cooperative, code).balance


def wajib_bills(member) -> list[tuple[dt.date, int, str]]:
    return list(
        SavingsBill.objects.filter(member=member, kind=SavingsKind.WAJIB)
        .order_by("period")
        .values_list("period", "paid_amount", "status")
    )


def admit(cooperative, *, joined_on: dt.date, **data) -> Member:
    applicant = member_apply(cooperative=cooperative, data=member_data(**data))
    return member_approve(member=applicant, acting_user=cooperative.created_by, joined_on=joined_on)


def deposit(member, kind, amount, *, teller=None, channel="cash", on=ON, **kwargs):
    return savings_deposit(
        member=member,
        kind=kind,
        amount=amount,
        channel=channel,
        acting_user=teller,
        on=on,
        **kwargs,
    )


@pytest.fixture
def saver(cooperative):
    return admit(cooperative, joined_on=dt.date(2026, 1, 15), full_name="Siti Aminah")


# --- deposits ---------------------------------------------------------------------------------


def test_a_sukarela_deposit_moves_the_money_and_names_the_teller(cooperative, saver, teller):
    entry = deposit(saver, SavingsKind.SUKARELA, 150_000, teller=teller, channel="transfer")

    assert (entry.kind, entry.channel, entry.member_id, entry.date) == (
        "deposit",
        "transfer",
        saver.pk,
        ON,
    )
    assert entry.created_by == teller
    assert balances(saver) == {"pokok": 0, "wajib": 0, "sukarela": 150_000}
    assert gl(cooperative, chart.BANK) == 150_000
    assert gl(cooperative, chart.CASH) == 0
    assert ledger_violations() == []


def test_pokok_is_paid_only_up_to_what_is_due(cooperative, saver):
    (bill,) = SavingsBill.objects.filter(member=saver, kind=SavingsKind.POKOK)
    assert (bill.amount, bill.period, bill.due_date) == (
        100_000,
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 14),
    )

    deposit(saver, SavingsKind.POKOK, 60_000)
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.status) == (60_000, "open")

    before = books()
    with pytest.raises(DomainError) as refused:
        deposit(saver, SavingsKind.POKOK, 40_001)
    assert refused.value.field == "amount"
    assert books() == before

    deposit(saver, SavingsKind.POKOK, 40_000)
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.status) == (100_000, "paid")
    assert bill.paid_at is not None
    assert balances(saver)["pokok"] == 100_000

    before = books()
    with pytest.raises(DomainError):
        deposit(saver, SavingsKind.POKOK, 1)
    assert books() == before
    assert gl(cooperative, chart.CASH) == 100_000


def test_wajib_settles_the_oldest_open_bills_first_then_pays_ahead(cooperative, saver):
    month_end_run(cooperative=cooperative, month=dt.date(2026, 1, 1))
    month_end_run(cooperative=cooperative, month=dt.date(2026, 2, 1))
    assert wajib_bills(saver) == [
        (dt.date(2026, 1, 1), 0, "open"),
        (dt.date(2026, 2, 1), 0, "open"),
    ]

    deposit(saver, SavingsKind.WAJIB, 10_000)
    assert wajib_bills(saver) == [
        (dt.date(2026, 1, 1), 10_000, "open"),
        (dt.date(2026, 2, 1), 0, "open"),
    ]

    # 15,000 finishes January, 25,000 pays February, 25,000 March, 20,000 is part of April.
    deposit(saver, SavingsKind.WAJIB, 85_000)

    assert wajib_bills(saver) == [
        (dt.date(2026, 1, 1), 25_000, "paid"),
        (dt.date(2026, 2, 1), 25_000, "paid"),
        (dt.date(2026, 3, 1), 25_000, "paid"),
        (dt.date(2026, 4, 1), 20_000, "open"),
    ]
    april = SavingsBill.objects.get(member=saver, period=dt.date(2026, 4, 1))
    assert (april.amount, april.due_date, april.paid_at) == (25_000, dt.date(2026, 4, 10), None)
    assert balances(saver)["wajib"] == 95_000

    # Month end for months already paid ahead bills nothing twice.
    month_end_run(cooperative=cooperative, month=dt.date(2026, 3, 1))
    month_end_run(cooperative=cooperative, month=dt.date(2026, 4, 1))
    assert len(wajib_bills(saver)) == 4

    # The next payment finishes April first.
    deposit(saver, SavingsKind.WAJIB, 5_000)
    assert wajib_bills(saver)[-1] == (dt.date(2026, 4, 1), 25_000, "paid")
    assert ledger_violations() == []


def test_wajib_may_be_paid_at_most_24_months_ahead(cooperative, saver):
    before = books()

    # The current month and 24 more: 25 months of 25,000.
    with pytest.raises(DomainError) as refused:
        deposit(saver, SavingsKind.WAJIB, 25 * 25_000 + 1)

    assert refused.value.field == "amount"
    assert books() == before

    deposit(saver, SavingsKind.WAJIB, 25 * 25_000)

    bills = wajib_bills(saver)
    assert len(bills) == 25
    assert bills[0] == (dt.date(2026, 3, 1), 25_000, "paid")
    assert bills[-1] == (dt.date(2028, 3, 1), 25_000, "paid")
    assert balances(saver)["wajib"] == 625_000

    before = books()
    with pytest.raises(DomainError):
        deposit(saver, SavingsKind.WAJIB, 1)
    assert books() == before


@pytest.mark.parametrize(
    "amount",
    [0, -25_000, 1.5, 25_000.0, Decimal(25_000), "25000", True, None, MAX_AMOUNT + 1],
    ids=repr,
)
@pytest.mark.parametrize("kind", SavingsKind.values)
def test_a_bad_deposit_amount_is_refused(kind, amount, saver):
    before = books()

    with pytest.raises(DomainError) as refused:
        deposit(saver, kind, amount)

    assert refused.value.field == "amount"
    assert books() == before


def test_the_largest_single_deposit_is_accepted(cooperative, saver):
    deposit(saver, SavingsKind.SUKARELA, MAX_AMOUNT)

    assert balances(saver)["sukarela"] == MAX_AMOUNT


@pytest.mark.parametrize(
    ("change", "field"),
    [({"kind": "berjangka"}, "kind"), ({"channel": "cheque"}, "channel")],
)
def test_an_unknown_kind_or_channel_is_refused(change, field, saver):
    before = books()

    with pytest.raises(DomainError) as refused:
        savings_deposit(
            member=saver,
            amount=10_000,
            acting_user=None,
            **{"kind": SavingsKind.SUKARELA, "channel": "cash", **change},
        )

    assert refused.value.field == field
    assert books() == before


def test_an_applicant_or_former_member_can_neither_deposit_nor_withdraw(cooperative, saver, chair):
    applicant = member_apply(cooperative=cooperative, data=member_data(full_name="Budi"))
    deposit(saver, SavingsKind.SUKARELA, 50_000)
    member_exit(member=saver, acting_user=chair)
    saver.refresh_from_db()
    before = books()

    for person in (applicant, saver):
        for kind in SavingsKind.values:
            with pytest.raises(DomainError):
                deposit(person, kind, 10_000)
        with pytest.raises(DomainError):
            savings_withdraw(member=person, amount=10_000, channel="cash", acting_user=chair)

    assert books() == before


# --- withdrawals ------------------------------------------------------------------------------


def test_a_sukarela_withdrawal_keeps_the_minimum_balance(cooperative, saver, teller):
    product = product_for(cooperative)
    product.sukarela_min_balance = 50_000
    product.save()
    deposit(saver, SavingsKind.SUKARELA, 200_000)
    before = books()

    with pytest.raises(DomainError) as refused:
        savings_withdraw(member=saver, amount=150_001, channel="cash", acting_user=teller)

    assert refused.value.field == "amount"
    assert books() == before

    entry = savings_withdraw(
        member=saver, amount=150_000, channel="cash", acting_user=teller, on=ON
    )

    assert (entry.kind, entry.channel, entry.created_by) == ("withdrawal", "cash", teller)
    assert balances(saver)["sukarela"] == 50_000
    assert gl(cooperative, chart.CASH) == 50_000
    assert ledger_violations() == []


@pytest.mark.parametrize("amount", [0, -1, 1.0, Decimal(1), "1", True, MAX_AMOUNT + 1], ids=repr)
def test_a_bad_withdrawal_amount_is_refused(amount, saver):
    deposit(saver, SavingsKind.SUKARELA, 200_000)
    before = books()

    with pytest.raises(DomainError):
        savings_withdraw(member=saver, amount=amount, channel="cash", acting_user=None)

    assert books() == before


def test_pokok_and_wajib_cannot_be_withdrawn_while_a_member(cooperative, saver):
    deposit(saver, SavingsKind.POKOK, 100_000)
    deposit(saver, SavingsKind.WAJIB, 50_000)
    before = books()

    # Only sukarela can be withdrawn, and there is none.
    with pytest.raises(DomainError):
        savings_withdraw(member=saver, amount=1, channel="cash", acting_user=None)

    assert books() == before


# --- double submits ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SavingsKind.values)
def test_a_double_submitted_deposit_posts_once(kind, cooperative, saver):
    first = deposit(saver, kind, 25_000, idempotency_key="form-abc")
    before = books()

    again = deposit(saver, kind, 25_000, idempotency_key="form-abc")

    assert again.pk == first.pk
    assert books() == before
    assert balances(saver)[kind] == 25_000


def test_a_double_submitted_withdrawal_posts_once(saver):
    deposit(saver, SavingsKind.SUKARELA, 100_000)
    first = savings_withdraw(
        member=saver, amount=30_000, channel="cash", acting_user=None, idempotency_key="w-1"
    )
    before = books()

    again = savings_withdraw(
        member=saver, amount=30_000, channel="cash", acting_user=None, idempotency_key="w-1"
    )

    assert again.pk == first.pk
    assert books() == before
    assert balances(saver)["sukarela"] == 70_000


@pytest.mark.parametrize(
    "change",
    [{"amount": 25_001}, {"channel": "transfer"}],
    ids=["amount", "channel"],
)
def test_the_same_key_with_different_details_is_refused(change, saver):
    deposit(saver, SavingsKind.SUKARELA, 25_000, idempotency_key="form-abc")
    before = books()

    with pytest.raises(DomainError):
        deposit(
            saver,
            SavingsKind.SUKARELA,
            change.get("amount", 25_000),
            channel=change.get("channel", "cash"),
            idempotency_key="form-abc",
        )

    assert books() == before


def test_the_same_key_for_another_member_is_refused(cooperative, saver):
    other = admit(cooperative, joined_on=dt.date(2026, 1, 20), full_name="Budi")
    deposit(saver, SavingsKind.SUKARELA, 25_000, idempotency_key="form-abc")
    before = books()

    with pytest.raises(DomainError):
        deposit(other, SavingsKind.SUKARELA, 25_000, idempotency_key="form-abc")

    assert books() == before
    assert balances(other)["sukarela"] == 0


def test_the_same_key_for_another_kind_of_savings_is_refused(saver):
    deposit(saver, SavingsKind.SUKARELA, 25_000, idempotency_key="form-abc")

    with pytest.raises(DomainError):
        deposit(saver, SavingsKind.WAJIB, 25_000, idempotency_key="form-abc")


# --- exit payout ------------------------------------------------------------------------------


def test_exit_payout_pays_out_all_three_balances_in_one_entry(cooperative, saver, chair):
    deposit(saver, SavingsKind.POKOK, 100_000)
    deposit(saver, SavingsKind.WAJIB, 75_000)
    deposit(saver, SavingsKind.SUKARELA, 40_000)
    # June's month end leaves an open wajib bill and pays 40,000 x 3 % / 12 = 100 interest.
    month_end_run(cooperative=cooperative, month=dt.date(2026, 6, 1))
    assert balances(saver)["sukarela"] == 40_100
    entries = JournalEntry.objects.count()

    entry = exit_payout(member=saver, acting_user=chair, channel="transfer", idempotency_key="x")

    assert JournalEntry.objects.count() == entries + 1
    accounts = {a.savings_kind: a.pk for a in Account.objects.filter(member=saver)}
    bank = chart.gl_account(cooperative, chart.BANK)
    assert sorted(entry.postings.values_list("account_id", "amount")) == sorted(
        [
            (accounts["pokok"], 100_000),
            (accounts["wajib"], 75_000),
            (accounts["sukarela"], 40_100),
            (bank.pk, -215_100),
        ]
    )
    assert (entry.kind, entry.channel, entry.member_id) == ("exit", "transfer", saver.pk)
    assert balances(saver) == {"pokok": 0, "wajib": 0, "sukarela": 0}
    assert gl(cooperative, chart.CASH) == 215_000
    assert gl(cooperative, chart.BANK) == -215_100
    assert not SavingsBill.objects.filter(member=saver, status="open").exists()
    assert SavingsBill.objects.get(member=saver, period=dt.date(2026, 6, 1)).status == "cancelled"
    assert ledger_violations() == []


def test_exit_payout_of_a_member_without_savings_posts_nothing(cooperative, saver, chair):
    before = JournalEntry.objects.count()

    assert exit_payout(member=saver, acting_user=chair, channel="cash") is None

    assert JournalEntry.objects.count() == before
    # The unpaid pokok bill is cancelled: a leaving member owes nothing more.
    assert list(SavingsBill.objects.filter(member=saver).values_list("status", flat=True)) == [
        "cancelled"
    ]


def test_exit_payout_refuses_an_unknown_channel(saver, chair):
    deposit(saver, SavingsKind.SUKARELA, 40_000)
    before = books()

    with pytest.raises(DomainError):
        exit_payout(member=saver, acting_user=chair, channel="cheque")

    assert books() == before


# --- withdrawal requests ----------------------------------------------------------------------


def _request(member, amount) -> WithdrawalRequest:
    return withdrawal_request_create(
        member=member,
        amount=amount,
        bank_name=" BRI ",
        bank_account_number=" 0123-01-000123-50-1 ",
        bank_account_holder="Siti Aminah",
    )


def test_an_approved_request_posts_one_transfer_withdrawal(cooperative, saver, chair):
    deposit(saver, SavingsKind.SUKARELA, 300_000)
    request = _request(saver, 120_000)
    assert (request.status, request.bank_name, request.bank_account_number) == (
        "pending",
        "BRI",
        "0123-01-000123-50-1",
    )
    assert JournalEntry.objects.filter(kind="withdrawal").count() == 0

    decided = withdrawal_request_decide(request=request, acting_user=chair, approve=True)

    assert decided.status == "approved"
    assert decided.decided_by == chair
    assert decided.decided_at is not None
    entry = decided.entry
    assert (entry.kind, entry.channel, entry.member_id) == ("withdrawal", "transfer", saver.pk)
    assert entry.idempotency_key == f"withdrawal-request-{request.pk}"
    assert balances(saver)["sukarela"] == 180_000
    assert gl(cooperative, chart.BANK) == -120_000

    before = books()
    with pytest.raises(DomainError):
        withdrawal_request_decide(request=request, acting_user=chair, approve=True)
    assert books() == before
    assert JournalEntry.objects.filter(kind="withdrawal").count() == 1
    assert ledger_violations() == []


def test_a_rejection_needs_a_reason_and_posts_nothing(saver, chair):
    deposit(saver, SavingsKind.SUKARELA, 300_000)
    request = _request(saver, 120_000)
    before = books()

    with pytest.raises(DomainError) as refused:
        withdrawal_request_decide(request=request, acting_user=chair, approve=False, reason="  ")

    assert refused.value.field == "reason"
    request.refresh_from_db()
    assert request.status == "pending"

    decided = withdrawal_request_decide(
        request=request, acting_user=chair, approve=False, reason=" Rekening tidak cocok "
    )

    assert (decided.status, decided.reason, decided.entry) == (
        "rejected",
        "Rekening tidak cocok",
        None,
    )
    assert books() == before
    with pytest.raises(DomainError):
        withdrawal_request_decide(request=request, acting_user=chair, approve=True)
    assert books() == before


def test_a_request_cannot_ask_for_more_than_is_free(cooperative, saver):
    product = product_for(cooperative)
    product.sukarela_min_balance = 20_000
    product.save()
    deposit(saver, SavingsKind.SUKARELA, 300_000)
    _request(saver, 200_000)
    requests = WithdrawalRequest.objects.count()

    # 300,000 - 20,000 minimum - 200,000 pending leaves 80,000.
    with pytest.raises(DomainError) as refused:
        _request(saver, 80_001)

    assert refused.value.field == "amount"
    assert WithdrawalRequest.objects.count() == requests
    assert _request(saver, 80_000).amount == 80_000


def test_approving_a_request_the_balance_no_longer_covers_is_refused(saver, chair):
    deposit(saver, SavingsKind.SUKARELA, 300_000)
    request = _request(saver, 250_000)
    savings_withdraw(member=saver, amount=100_000, channel="cash", acting_user=chair)
    before = books()

    with pytest.raises(DomainError):
        withdrawal_request_decide(request=request, acting_user=chair, approve=True)

    assert books() == before
    request.refresh_from_db()
    assert (request.status, request.entry) == ("pending", None)


def test_make_member_gives_a_member_with_three_empty_accounts(cooperative):
    member = make_member(cooperative)

    assert member.status == "active"
    assert balances(member) == {"pokok": 0, "wajib": 0, "sukarela": 0}
    assert member_account(member, SavingsKind.SUKARELA).may_go_negative is False


# --- corrections -----------------------------------------------------------------------------


def test_reversing_a_wajib_deposit_reopens_the_bills_it_paid(saver, chair):
    from services.savings.actions import savings_reverse

    entry = deposit(saver, SavingsKind.WAJIB, 75_000)  # three months
    assert SavingsBill.objects.filter(member=saver, kind="wajib", status="paid").count() == 3

    savings_reverse(entry=entry, acting_user=chair)

    bills = SavingsBill.objects.filter(member=saver, kind="wajib")
    assert sorted(bills.values_list("paid_amount", "status")) == [(0, "open")] * 3
    assert balances(saver)["wajib"] == 0
    assert ledger_violations() == []
    with pytest.raises(DomainError):
        savings_reverse(entry=entry, acting_user=chair)
