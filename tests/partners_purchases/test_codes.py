"""The member's one-time code: 6 digits, 10 minutes, one purchase, dead after 5 wrong tries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from koperasi.errors import DomainError
from koperasi.models import Event
from members.models import Member
from partners.models import Purchase, PurchaseCode
from partners.purchases import live_code, purchase_code_issue, purchase_record, qr_parse

pytestmark = pytest.mark.django_db

NOT_RIGHT = "The member number or the code is not right."


def try_code(partner, owner, member, code, amount=50_000):
    return purchase_record(
        partner=partner,
        acting_user=owner,
        cooperative=member.cooperative,
        member_number=member.number,
        code=code,
        amount=amount,
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_is_six_digits_valid_ten_minutes(buyer):
    before = timezone.now()
    code = purchase_code_issue(member=buyer)

    assert len(code.code) == 6
    assert code.code.isdigit()
    assert (
        dt.timedelta(minutes=10) <= code.expires_at - before < dt.timedelta(minutes=10, seconds=5)
    )
    assert (code.cooperative_id, code.member_id, code.used_at, code.failed_attempts) == (
        buyer.cooperative_id,
        buyer.pk,
        None,
        0,
    )
    assert live_code(member=buyer) == code


def test_a_new_code_ends_the_previous_one(partner, owner, buyer):
    first = purchase_code_issue(member=buyer)
    second = purchase_code_issue(member=buyer)

    first.refresh_from_db()
    assert first.expires_at <= timezone.now()
    assert live_code(member=buyer) == second
    with pytest.raises(DomainError, match=NOT_RIGHT):
        try_code(partner, owner, buyer, first.code if first.code != second.code else "x")
    assert Purchase.objects.count() == 0


def test_only_an_active_member_gets_a_code(buyer):
    Member.objects.filter(pk=buyer.pk).update(status=Member.Status.RESIGNED)

    with pytest.raises(DomainError, match="Only an active member"):
        purchase_code_issue(member=buyer)
    assert PurchaseCode.objects.count() == 0


def test_a_code_makes_one_purchase(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)

    purchase = try_code(partner, owner, buyer, code.code, amount=75_000)

    code.refresh_from_db()
    assert code.used_at == purchase.occurred_at
    assert (purchase.member, purchase.partner, purchase.amount, purchase.recorded_by) == (
        buyer,
        partner,
        75_000,
        owner,
    )
    with pytest.raises(DomainError, match=NOT_RIGHT):
        try_code(partner, owner, buyer, code.code)
    assert Purchase.objects.count() == 1
    assert live_code(member=buyer) is None


def test_an_expired_code_is_refused(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    PurchaseCode.objects.filter(pk=code.pk).update(expires_at=timezone.now())

    with pytest.raises(DomainError, match=NOT_RIGHT):
        try_code(partner, owner, buyer, code.code)

    code.refresh_from_db()
    assert (code.used_at, code.failed_attempts) == (None, 0)
    assert Purchase.objects.count() == 0


def test_five_wrong_tries_kill_the_code(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)

    for attempt in range(1, 6):
        with pytest.raises(DomainError, match=NOT_RIGHT):
            try_code(partner, owner, buyer, wrong(code.code))
        code.refresh_from_db()
        assert code.failed_attempts == attempt

    # The right code no longer works, and tries stop counting against it.
    with pytest.raises(DomainError, match=NOT_RIGHT):
        try_code(partner, owner, buyer, code.code)
    code.refresh_from_db()
    assert (code.failed_attempts, code.used_at) == (5, None)
    assert live_code(member=buyer) is None
    assert Purchase.objects.count() == 0


def test_four_wrong_tries_leave_the_code_working(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    for _ in range(4):
        with pytest.raises(DomainError):
            try_code(partner, owner, buyer, wrong(code.code))

    purchase = try_code(partner, owner, buyer, code.code)

    assert purchase.amount == 50_000


def test_unknown_member_and_wrong_code_read_the_same(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    messages = []
    for number, typed in [(buyer.number + 1000, code.code), (buyer.number, wrong(code.code))]:
        with pytest.raises(DomainError) as refused:
            purchase_record(
                partner=partner,
                acting_user=owner,
                cooperative=buyer.cooperative,
                member_number=number,
                code=typed,
                amount=10_000,
            )
        messages.append((refused.value.message, refused.value.field))

    assert messages == [(NOT_RIGHT, "code"), (NOT_RIGHT, "code")]


def test_a_code_of_another_member_does_not_work(partner, owner, buyer, other_buyer):
    code = purchase_code_issue(member=other_buyer)
    own = purchase_code_issue(member=buyer)

    with pytest.raises(DomainError, match=NOT_RIGHT):
        try_code(partner, owner, buyer, code.code if code.code != own.code else wrong(own.code))
    assert Purchase.objects.count() == 0


def test_qr_text_is_parsed():
    assert qr_parse("KOPERASI:koperasi-contoh-1:12:004711") == (
        qr_parse("  koperasi:koperasi-contoh-1:12:004711 ")
    )
    content = qr_parse("KOPERASI:koperasi-contoh-1:12:004711")
    assert (content.coop_slug, content.member_number, content.code) == (
        "koperasi-contoh-1",
        12,
        "004711",
    )
    for bad in ["", "KOPERASI:x:12", "SHOP:x:12:123456", "KOPERASI:x:ab:123456", "KOPERASI:x:1:12"]:
        assert qr_parse(bad) is None


def test_a_recorded_purchase_is_an_event(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    purchase = try_code(partner, owner, buyer, code.code, amount=30_000)

    event = Event.objects.get(kind="purchase.recorded")
    assert (event.actor, event.cooperative_id) == (owner, buyer.cooperative_id)
    assert event.data == {
        "purchase_id": purchase.pk,
        "member_id": buyer.pk,
        "partner_id": partner.pk,
        "partner_name": "PT Tani Makmur",
        "amount": 30_000,
        "discount": 0,
        "order_id": None,
    }
