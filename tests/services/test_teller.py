"""The counter: deposits and withdrawals with receipts; bad input changes nothing."""

from __future__ import annotations

import pytest

from services.ledger.models import JournalEntry, Posting
from services.savings import actions as savings
from tests.conftest import client_for
from tests.factories import make_member


@pytest.fixture
def active_member(cooperative):
    return make_member(cooperative)


def _post(client, cooperative, **data):
    form = {
        "number": "",
        "direction": "deposit",
        "kind": "sukarela",
        "amount": "",
        "channel": "cash",
        "idempotency_key": "k-1",
    }
    form.update(data)
    return client.post(f"/k/{cooperative.slug}/kelola/kas/", form)


def _balance(member, kind):
    return member.accounts.get(savings_kind=kind).balance


@pytest.mark.django_db
def test_a_deposit_posts_once_and_ends_on_a_receipt(cooperative, teller, active_member):
    client = client_for(teller)

    first = _post(client, cooperative, number=active_member.number, amount="1.250.000")
    again = _post(client, cooperative, number=active_member.number, amount="1.250.000")

    entry = JournalEntry.objects.get()
    assert (
        first["Location"]
        == again["Location"]
        == f"/k/{cooperative.slug}/kelola/transaksi/{entry.pk}/"
    )
    assert _balance(active_member, "sukarela") == 1_250_000
    receipt = client.get(first["Location"]).content.decode()
    assert "Rp 1.250.000" in receipt
    assert active_member.full_name in receipt


@pytest.mark.django_db
def test_a_withdrawal_of_sukarela(cooperative, teller, active_member):
    savings.savings_deposit(
        member=active_member, kind="sukarela", amount=500_000, channel="cash", acting_user=None
    )

    _post(
        client_for(teller),
        cooperative,
        number=active_member.number,
        direction="withdrawal",
        amount="200000",
        idempotency_key="w-1",
    )

    assert _balance(active_member, "sukarela") == 300_000


BAD = [
    ({"amount": "0"}, "amount"),
    ({"amount": "-5000"}, "amount"),
    ({"amount": "12,5"}, "amount"),
    ({"amount": "seratus"}, "amount"),
    ({"amount": "99999999999999999999"}, "amount"),
    ({"amount": ""}, "amount"),
    ({"number": "999"}, "number"),
    ({"number": "abc"}, "number"),
    ({"direction": "withdrawal", "kind": "wajib"}, "kind"),
    ({"direction": "withdrawal", "amount": "1"}, "amount"),  # more than the balance (0)
    ({"kind": "pokok", "amount": "150000"}, "amount"),  # pokok due is 100.000
    ({"channel": "crypto"}, "channel"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "field"), BAD)
def test_bad_counter_input_is_refused_and_nothing_moves(
    cooperative, teller, active_member, changes, field
):
    data = {"number": str(active_member.number), "amount": "10000", **changes}

    response = _post(client_for(teller), cooperative, **data)

    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not JournalEntry.objects.exists()
    assert not Posting.objects.exists()


@pytest.mark.django_db
def test_an_inactive_member_cannot_deposit(cooperative, teller, active_member, chair):
    from members.actions import member_exit

    member_exit(member=active_member, acting_user=chair)

    response = _post(client_for(teller), cooperative, number=active_member.number, amount="10000")

    assert "member" in str(response.context["form"].errors) or response.context["form"].errors
    assert not JournalEntry.objects.filter(kind="deposit").exists()


@pytest.mark.django_db
def test_another_cooperatives_member_number_is_unknown_here(cooperative, other_cooperative, teller):
    foreign = make_member(other_cooperative)

    response = _post(client_for(teller), cooperative, number=foreign.number + 100, amount="10000")

    assert "number" in response.context["form"].errors
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_another_cooperatives_receipt_is_404(cooperative, other_cooperative, teller):
    foreign = make_member(other_cooperative)
    entry = savings.savings_deposit(
        member=foreign, kind="sukarela", amount=10_000, channel="cash", acting_user=None
    )

    response = client_for(teller).get(f"/k/{cooperative.slug}/kelola/transaksi/{entry.pk}/")

    assert response.status_code == 404


@pytest.mark.django_db
def test_supervisors_cannot_post_at_the_counter(cooperative, supervisor, active_member):
    response = _post(
        client_for(supervisor), cooperative, number=active_member.number, amount="10000"
    )

    assert response.status_code == 403
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_a_withdrawal_request_is_approved_once_by_the_teller(cooperative, teller, active_member):
    savings.savings_deposit(
        member=active_member, kind="sukarela", amount=300_000, channel="cash", acting_user=None
    )
    request = savings.withdrawal_request_create(
        member=active_member,
        amount=100_000,
        bank_name="BRI",
        bank_account_number="0123456789",
        bank_account_holder="Sri Wahyuni",
    )
    url = f"/k/{cooperative.slug}/kelola/penarikan/{request.pk}/keputusan/"
    client = client_for(teller)

    client.post(url, {"decision": "approve"})
    client.post(url, {"decision": "approve"})

    request.refresh_from_db()
    assert request.status == "approved"
    assert JournalEntry.objects.filter(kind="withdrawal").count() == 1
    assert _balance(active_member, "sukarela") == 200_000


@pytest.mark.django_db
def test_the_board_changes_the_savings_rules_and_the_change_is_recorded(
    cooperative, board_client, supervisor
):
    from koperasi.models import Event

    url = f"/k/{cooperative.slug}/kelola/simpanan/"
    form = {
        "pokok_amount": "150.000",
        "wajib_amount": "30000",
        "wajib_due_day": "15",
        "sukarela_annual_rate": "4.50",
        "sukarela_min_balance": "10000",
    }
    assert client_for(supervisor).post(url, form).status_code == 403

    board_client.post(url, form)

    product = savings.product_for(cooperative)
    assert (product.pokok_amount, product.wajib_amount, product.wajib_due_day) == (
        150_000,
        30_000,
        15,
    )
    assert str(product.sukarela_annual_rate) == "4.50"
    event = Event.objects.get(kind="savings.product_changed")
    assert event.data["pokok_amount"] == ["100000", "150000"]
