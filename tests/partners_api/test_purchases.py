"""Recording members' purchases through the API, with Idempotency-Key."""

from __future__ import annotations

import pytest

from koperasi.models import Event
from partners.models import Order, Purchase
from partners.offers import order_confirm
from partners.purchases import purchase_code_issue
from tests.partners_api.conftest import error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def code(shopper) -> str:
    return purchase_code_issue(member=shopper).code


@pytest.fixture
def body(cooperative, shopper, code, partnership) -> dict:
    return {
        "cooperative": cooperative.slug,
        "member_number": shopper.number,
        "code": code,
        "amount": 150_000,
        "discount": 15_000,
        "description": "Pupuk 3 sak",
    }


def test_a_purchase_is_recorded(api, body, owner, shopper, cooperative):
    response = api.post("/purchases", body)

    assert response.status_code == 201
    purchase = Purchase.objects.get()
    assert response.json() == {
        "id": purchase.pk,
        "cooperative": cooperative.slug,
        "member_number": shopper.number,
        "order": None,
        "amount": 150_000,
        "discount": 15_000,
        "description": "Pupuk 3 sak",
        "occurred_at": response.json()["occurred_at"],
        "created_at": response.json()["created_at"],
    }
    assert (purchase.member, purchase.recorded_by) == (shopper, owner)
    assert Event.objects.get(kind="purchase.recorded").actor == owner


def test_the_same_idempotency_key_twice_records_one_purchase(api, body):
    headers = {"Idempotency-Key": "till-1-receipt-0042"}

    first = api.post("/purchases", body, headers=headers)
    again = api.post("/purchases", body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Purchase.objects.count() == 1
    assert Purchase.objects.get().idempotency_key == "till-1-receipt-0042"


def test_the_same_key_with_another_body_is_a_409(api, body):
    headers = {"Idempotency-Key": "till-1-receipt-0042"}
    api.post("/purchases", body, headers=headers)

    response = api.post("/purchases", {**body, "amount": 999_000}, headers=headers)

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert list(Purchase.objects.values_list("amount", flat=True)) == [150_000]


def test_without_a_key_the_used_code_refuses_a_second_purchase(api, body):
    assert api.post("/purchases", body).status_code == 201

    response = api.post("/purchases", body)

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"code": ["The member number or the code is not right."]}
    assert Purchase.objects.count() == 1


def test_a_key_longer_than_100_characters_is_refused(api, body):
    response = api.post("/purchases", body, headers={"Idempotency-Key": "k" * 101})

    assert response.status_code == 422
    assert "Idempotency-Key" in error_of(response)["fields"]
    assert not Purchase.objects.exists()


def test_keys_are_per_partner(api, other_api, body, other_partner, cooperative, chair, other_owner):
    from tests.partners_api.conftest import activate_partnership

    activate_partnership(cooperative, chair, other_partner, other_owner)
    headers = {"Idempotency-Key": "receipt-1"}
    assert api.post("/purchases", body, headers=headers).status_code == 201

    response = other_api.post("/purchases", body, headers=headers)

    # The other partner's request is its own: the code is used already, so it is refused.
    assert response.status_code == 422
    assert Purchase.objects.count() == 1


def test_a_purchase_settles_a_confirmed_order(api, body, order, owner):
    order_confirm(order=order, acting_user=owner)

    response = api.post("/purchases", {**body, "order": order.pk, "amount": 135_000})

    assert response.status_code == 201
    assert response.json()["order"] == order.pk
    assert Purchase.objects.get().order == order


def test_another_partners_order_cannot_be_settled(other_api, body, order, other_partner):
    before = list(Order.objects.values())

    response = other_api.post("/purchases", {**body, "order": order.pk})

    assert response.status_code == 422
    assert "order" in error_of(response)["fields"]
    assert list(Order.objects.values()) == before
    assert not Purchase.objects.exists()


def test_another_partners_purchase_is_404(api, other_api, body):
    purchase_id = api.post("/purchases", body).json()["id"]

    assert other_api.get(f"/purchases/{purchase_id}").status_code == 404
    assert other_api.get("/purchases").json()["count"] == 0
    assert api.get("/purchases").json()["count"] == 1
