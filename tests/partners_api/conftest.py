from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from partners.actions import partnership_accept, partnership_propose
from partners.models import Offer, Order, Partner
from partners.offers import offer_create, order_place
from partners.tokens import api_token_create
from tests.factories import UserFactory, add_partner_user, make_member, make_partner

API = "/api/v1"


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, token: str | None = None, **headers: str):
        self.client = Client()
        self.headers = dict(headers)
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, body=None, headers=None, **kwargs):
        all_headers = {**self.headers, **(headers or {})}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(f"{API}{path}", headers=all_headers, **kwargs)

    def get(self, path, **kwargs):
        return self._call("get", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self._call("post", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self._call("patch", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self._call("delete", path, **kwargs)


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


@pytest.fixture
def partner() -> Partner:
    return make_partner()


@pytest.fixture
def other_partner() -> Partner:
    return make_partner(npwp="029876543210000", name="CV Pasar Raya")


@pytest.fixture
def owner(partner):
    return add_partner_user(partner, language="en")


@pytest.fixture
def other_owner(other_partner):
    return add_partner_user(other_partner, language="en")


@pytest.fixture
def token(partner, owner) -> str:
    return api_token_create(partner=partner, acting_user=owner, name="Kasir toko 1")[1]


@pytest.fixture
def other_token(other_partner, other_owner) -> str:
    return api_token_create(partner=other_partner, acting_user=other_owner, name="Gudang")[1]


@pytest.fixture
def api(token) -> ApiClient:
    return ApiClient(token)


@pytest.fixture
def other_api(other_token) -> ApiClient:
    return ApiClient(other_token)


def activate_partnership(cooperative, chair, partner, owner):
    partnership = partnership_propose(
        cooperative=cooperative,
        partner=partner,
        acting_user=chair,
        data={"terms": "Diskon anggota", "valid_from": date(2024, 1, 1)},
    )
    return partnership_accept(partnership=partnership, acting_user=owner)


@pytest.fixture
def partnership(cooperative, chair, partner, owner):
    return activate_partnership(cooperative, chair, partner, owner)


@pytest.fixture
def shopper(cooperative, chair):
    """An active member with a login, member number 1 or above."""
    return make_member(cooperative, user=UserFactory(), acting_user=chair)


def make_offer(partner, user, **overrides) -> Offer:
    data = {
        "title": "Beras premium 5 kg",
        "description": "Beras pulen dari Cianjur",
        "unit": "karung",
        "price": 75_000,
        "discount_percent": 10,
        "valid_from": date(2024, 1, 1),
        "valid_to": None,
        **overrides,
    }
    return offer_create(partner=partner, acting_user=user, data=data)


@pytest.fixture
def offer(partner, owner) -> Offer:
    return make_offer(partner, owner)


@pytest.fixture
def order(partnership, offer, shopper) -> Order:
    return order_place(
        member=shopper, offer=offer, quantity=2, note="Antar sore", acting_user=shopper.user
    )
