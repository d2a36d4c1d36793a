"""Offers and orders through the API: each token sees and changes only its partner's."""

from __future__ import annotations

import pytest

from koperasi.models import Event
from partners.models import Offer, Order
from tests.partners_api.conftest import error_of, make_offer

pytestmark = pytest.mark.django_db


def _rows():
    return list(Offer.objects.order_by("pk").values()), list(Order.objects.order_by("pk").values())


def test_creating_an_offer(partner, api):
    response = api.post(
        "/offers",
        {
            "title": "Pupuk organik 25 kg",
            "unit": "sak",
            "price": 120_000,
            "discount_percent": "12.5",
            "valid_from": "2026-02-01",
            "valid_to": "2026-03-31",
        },
    )

    assert response.status_code == 201
    body = response.json()
    offer = Offer.objects.get(partner=partner)
    assert body == {
        "id": offer.pk,
        "title": "Pupuk organik 25 kg",
        "description": "",
        "unit": "sak",
        "price": 120_000,
        "discount_percent": "12.50",
        "member_price": 105_000,
        "valid_from": "2026-02-01",
        "valid_to": "2026-03-31",
        "state": body["state"],
        "order_count": 0,
        "withdrawn_at": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert offer.price == 120_000
    assert offer.created_by_id is not None


def test_an_offer_the_rules_refuse_is_a_422_at_its_field(partner, api):
    response = api.post(
        "/offers",
        {"title": "Beras", "price": 10_000, "valid_from": "2026-03-01", "valid_to": "2026-02-01"},
    )

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "rejected"
    assert error["fields"] == {"valid_to": ["The last day cannot come before the first day."]}
    assert not Offer.objects.exists()


def test_a_body_that_does_not_match_the_schema_is_a_422_naming_the_fields(api):
    response = api.post("/offers", {"title": "", "price": "mahal", "extra": 1})

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"title", "price", "valid_from", "extra"}
    assert not Offer.objects.exists()


def test_changing_an_offer_changes_only_the_fields_sent(api, offer):
    response = api.patch(f"/offers/{offer.pk}", {"price": 80_000, "valid_to": "2026-12-31"})

    assert response.status_code == 200
    assert response.json()["price"] == 80_000
    assert response.json()["member_price"] == 72_000
    offer.refresh_from_db()
    assert (offer.price, offer.title, str(offer.valid_to)) == (
        80_000,
        "Beras premium 5 kg",
        "2026-12-31",
    )
    assert Event.objects.filter(kind="offer.updated").count() == 1


def test_a_withdrawn_offer_cannot_be_changed(api, offer):
    assert api.post(f"/offers/{offer.pk}/withdraw").json()["state"] == "withdrawn"

    response = api.patch(f"/offers/{offer.pk}", {"price": 1_000})

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    offer.refresh_from_db()
    assert offer.price == 75_000


def test_listing_offers_pages_with_limit_and_offset(
    partner, owner, other_partner, other_owner, api
):
    for n in range(3):
        make_offer(partner, owner, title=f"Offer {n}")
    make_offer(other_partner, other_owner, title="Someone else's")

    first = api.get("/offers", data={"limit": 2}).json()
    second = api.get("/offers", data={"limit": 2, "offset": 2}).json()

    assert first["count"] == second["count"] == 3
    assert [o["title"] for o in first["items"]] == ["Offer 2", "Offer 1"]
    assert [o["title"] for o in second["items"]] == ["Offer 0"]
    assert api.get("/offers", data={"limit": 101}).status_code == 422


def test_another_partners_offer_is_404_and_unchanged(other_api, offer):
    before = _rows()

    responses = [
        other_api.get(f"/offers/{offer.pk}"),
        other_api.patch(f"/offers/{offer.pk}", {"price": 1, "title": "Hacked"}),
        other_api.post(f"/offers/{offer.pk}/withdraw"),
    ]

    for response in responses:
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert _rows() == before
    assert other_api.get("/offers").json()["count"] == 0


def test_another_partners_order_is_404_and_unchanged(other_api, order):
    before = _rows()

    responses = [
        other_api.get(f"/orders/{order.pk}"),
        other_api.patch(f"/orders/{order.pk}", {"status": "confirmed"}),
        other_api.patch(f"/orders/{order.pk}", {"status": "rejected", "reason": "Habis"}),
    ]

    for response in responses:
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert _rows() == before
    assert other_api.get("/orders").json() == {"count": 0, "limit": 50, "offset": 0, "items": []}


def test_listing_orders(api, order, cooperative, shopper):
    body = api.get("/orders", data={"status": "placed"}).json()

    assert body["count"] == 1
    item = body["items"][0]
    assert {k: item[k] for k in ("id", "cooperative", "member_number", "quantity", "status")} == {
        "id": order.pk,
        "cooperative": cooperative.slug,
        "member_number": shopper.number,
        "quantity": 2,
        "status": "placed",
    }
    assert (item["unit_price"], item["total"]) == (67_500, 135_000)
    assert api.get("/orders", data={"status": "fulfilled"}).json()["count"] == 0


def test_an_order_is_confirmed_then_fulfilled(api, order, owner):
    confirmed = api.patch(f"/orders/{order.pk}", {"status": "confirmed"})
    fulfilled = api.patch(f"/orders/{order.pk}", {"status": "fulfilled"})

    assert confirmed.status_code == fulfilled.status_code == 200
    assert fulfilled.json()["status"] == "fulfilled"
    order.refresh_from_db()
    assert order.status == Order.Status.FULFILLED
    assert order.decided_by == owner


def test_a_refused_step_is_a_409_and_changes_nothing(api, order):
    before = _rows()

    response = api.patch(f"/orders/{order.pk}", {"status": "fulfilled"})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert error["message"] == "Only a confirmed order can be marked as fulfilled."
    assert _rows() == before


def test_rejecting_needs_a_reason(api, order):
    without = api.patch(f"/orders/{order.pk}", {"status": "rejected"})
    with_reason = api.patch(f"/orders/{order.pk}", {"status": "rejected", "reason": "Stok habis"})

    assert without.status_code == 422
    assert error_of(without)["fields"] == {"reason": ["Tell the member why the order is rejected."]}
    assert with_reason.status_code == 200
    assert with_reason.json()["reason"] == "Stok habis"
    assert with_reason.json()["status"] == "rejected"
