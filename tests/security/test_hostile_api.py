"""The partners' JSON API (/api/v1/) fed hostile requests: wrong types, missing and unknown
fields, huge and negative numbers, overlong text, NUL, malformed JSON, the wrong content type,
forged ids, hostile query strings and headers.

Every refusal is a 4xx in the API's one error shape (partners/api/errors.py) and changes
nothing; every acceptance stores text that the portal then shows escaped. Never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from koperasi.models import Event
from partners.models import ApiToken, Offer, Order, Purchase, PurchaseCode
from partners.tokens import api_token_create
from tests.conftest import client_for
from tests.security import hostile, hostile_world
from tests.security.hostile_world import World, fresh_code

pytestmark = pytest.mark.django_db
world = hostile_world.world  # the module-scoped fixture

API = "/api/v1"
MODELS = (Offer, Order, Purchase, PurchaseCode)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Hundreds of requests a test: the rate limits (tests/partners_api) are not the subject."""
    settings.PARTNER_API_RATE = "100000/min"
    settings.PARTNER_API_ANON_RATE = "100000/min"


@pytest.fixture
def token(world) -> str:
    return api_token_create(partner=world.partner, acting_user=world.partner_owner, name="Kasir")[1]


def _client() -> Client:
    client = Client()
    client.raise_request_exception = False
    return client


def _snapshot() -> dict[str, list]:
    rows = {m.__name__: list(m.objects.order_by("pk").values_list()) for m in MODELS}
    rows["Event"] = list(Event.objects.exclude(kind="access.denied").order_by("pk").values_list())
    return rows


def _error_shape(response) -> dict | None:
    """The API's error body, or None if the answer does not have that shape."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return None
    error = body["error"]
    if set(error) != {"code", "message", "fields"} or not error["message"]:
        return None
    return error


def _send(method: str, path: str, token: str | None, *, body=None, raw=None, **extra):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(extra.pop("headers", {}))
    kwargs = {"headers": headers, **extra}
    if raw is not None:
        kwargs.setdefault("content_type", "application/json")
        kwargs["data"] = raw
    elif body is not None:
        kwargs["content_type"] = "application/json"
        kwargs["data"] = json.dumps(body)
    return getattr(_client(), method)(f"{API}{path}", **kwargs)


def _refused(response, where: str, before: dict) -> list[str]:
    """A 4xx in the error shape, and nothing written."""
    problems = []
    if response.status_code >= 500:
        problems.append(f"{where}: {response.status_code} {response.content[:300]!r}")
    elif not 400 <= response.status_code < 500:
        problems.append(f"{where}: accepted ({response.status_code})")
    elif _error_shape(response) is None:
        problems.append(f"{where}: {response.status_code} not in the error shape")
    if _snapshot() != before:
        problems.append(f"{where}: something changed")
    return problems


# --- Bodies, field by field ----------------------------------------------------------------------

#: JSON values of the wrong type, and numbers out of any range.
WRONG_TYPES = {
    "null": None,
    "true": True,
    "list": [1],
    "object": {"a": 1},
    "float": 1.5,
}
#: For a field that may be left out (null is its "none") or is a decimal (1.5 is one).
WRONG_TYPES_OPTIONAL = {name: v for name, v in WRONG_TYPES.items() if name != "null"}
WRONG_TYPES_DECIMAL = {name: v for name, v in WRONG_TYPES.items() if name != "float"}
BAD_NUMBERS = {
    "negative": -1,
    "zero_or_less": -1_000_000,
    "huge": 10**30,
    "int64_overflow": 2**63,
    "numeric_string": "100",
    "nan_string": "NaN",
    "float_string": "1e309",
}
BAD_TEXTS = {
    "overlong": hostile.OVERLONG,
    "nul": hostile.NUL,
    "number": 123,
}
#: Text the API may store (the portal must then show it escaped).
FINE_TEXTS = {"script": hostile.SCRIPT, "unicode_mix": hostile.UNICODE_MIX}
BAD_DATES = {
    "february_30": "2025-02-30",
    "timestamp": "2025-01-01T00:00:00",
    "year_99999": "99999-01-01",
    "nul": "2025-01-01\x00",
    "number": 20250101,
}
BAD_PERCENTS = {
    "negative": "-1",
    "over_100": "100.01",
    "nan": "NaN",
    "infinity": "Infinity",
    "many_decimals": "1.234",
    "huge": "1e309",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[World], str]
    body: Callable[[World], dict]
    fields: dict[str, dict]  # field -> hostile values (all must be refused)
    required: tuple[str, ...] = ()
    free_text: tuple[str, ...] = ()  # fields where markup and Unicode tricks may be stored


def _offer_body(w: World) -> dict:
    return {
        "title": "Benih jagung 5 kg",
        "description": "Benih hibrida",
        "unit": "kantong",
        "price": 90_000,
        "discount_percent": "5",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
    }


def _purchase_body(w: World) -> dict:
    return {
        "cooperative": w.home.cooperative.slug,
        "member_number": w.home.member.number,
        "code": fresh_code(w.home.member),
        "amount": 150_000,
        "discount": 0,
        "description": "Pupuk 3 sak",
    }


TEXT = {**WRONG_TYPES, **BAD_TEXTS}
MONEY = {**WRONG_TYPES, **BAD_NUMBERS}

# fmt: off
ENDPOINTS = [
    Endpoint("offer-create", "post", lambda w: "/offers", _offer_body,
             {"title": TEXT, "description": BAD_TEXTS, "unit": BAD_TEXTS, "price": MONEY,
              "discount_percent": {**WRONG_TYPES_DECIMAL, **BAD_PERCENTS}, "valid_from": BAD_DATES,
              "valid_to": BAD_DATES}, required=("title", "price", "valid_from"),
             free_text=("title", "description", "unit")),
    Endpoint("offer-update", "patch", lambda w: f"/offers/{w.offer.pk}",
             lambda w: {"title": "Pupuk Urea 25 kg", "price": 240_000},
             {"title": TEXT, "price": MONEY, "discount_percent": BAD_PERCENTS,
              "valid_to": BAD_DATES}, free_text=("title",)),
    Endpoint("order-status", "patch", lambda w: f"/orders/{w.order.pk}",
             lambda w: {"status": "rejected", "reason": "Stok habis"},
             {"status": {**WRONG_TYPES, "unknown": "paid", "script": hostile.SCRIPT,
                         "nul": "rejected\x00"},
              "reason": TEXT}, required=("status",), free_text=("reason",)),
    Endpoint("purchase-create", "post", lambda w: "/purchases", _purchase_body,
             {"cooperative": {**TEXT, "other_tenant": "__other__"},
              "member_number": MONEY, "code": TEXT, "amount": MONEY,
              "discount": MONEY, "description": BAD_TEXTS,
              "order": {**WRONG_TYPES_OPTIONAL, **BAD_NUMBERS, "other_tenant": "__other_order__",
                        "missing": 99_999_999}},
             required=("cooperative", "member_number", "code", "amount"),
             free_text=("description",)),
]
# fmt: on
ENDPOINTS_BY_NAME = {e.name: e for e in ENDPOINTS}


def _value(w: World, value):
    if value == "__other__":
        return w.other.cooperative.slug
    if value == "__other_order__":
        return w.other_order.pk
    return value


@pytest.mark.parametrize("name", [e.name for e in ENDPOINTS])
def test_the_baseline_body_is_accepted(world, token, name):
    endpoint = ENDPOINTS_BY_NAME[name]
    before = _snapshot()

    response = _send(endpoint.method, endpoint.path(world), token, body=endpoint.body(world))

    assert response.status_code in (200, 201), response.content
    assert _snapshot() != before


@pytest.mark.parametrize("name", [e.name for e in ENDPOINTS])
def test_a_hostile_field_is_a_4xx_in_the_error_shape_and_changes_nothing(world, token, name):
    endpoint = ENDPOINTS_BY_NAME[name]
    problems = []
    variants = [
        (f"{field}={value_name}", {**endpoint.body(world), field: _value(world, value)})
        for field, values in endpoint.fields.items()
        for value_name, value in values.items()
    ]
    variants += [
        (f"without {field}", {k: v for k, v in endpoint.body(world).items() if k != field})
        for field in endpoint.required
    ]
    variants.append(("unknown field", {**endpoint.body(world), "is_admin": True}))
    for where, body in variants:
        with transaction.atomic():
            before = _snapshot()
            response = _send(endpoint.method, endpoint.path(world), token, body=body)
            problems += _refused(response, f"{name}: {where}", before)
            error = _error_shape(response) or {}
            if where == "unknown field" and "is_admin" not in error.get("fields", {}):
                problems.append(f"{name}: the unknown field is not named in the error")
            transaction.set_rollback(True)

    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("name", [e.name for e in ENDPOINTS])
def test_text_with_markup_or_unicode_is_stored_as_sent_or_refused(world, token, name):
    """Markup and Unicode tricks in free text: a 4xx, or stored as sent (never a 500)."""
    endpoint = ENDPOINTS_BY_NAME[name]
    problems = []
    for field in endpoint.free_text:
        for value_name, value in FINE_TEXTS.items():
            with transaction.atomic():
                body = {**endpoint.body(world), field: value}
                before = _snapshot()
                response = _send(endpoint.method, endpoint.path(world), token, body=body)
                if response.status_code >= 500:
                    problems.append(f"{name}: {field}={value_name}: {response.status_code}")
                elif response.status_code >= 400:
                    problems += _refused(response, f"{name}: {field}={value_name}", before)
                elif field in response.json() and response.json()[field] != value:
                    problems.append(f"{name}: {field}={value_name} stored changed")
                transaction.set_rollback(True)

    assert problems == [], "\n".join(problems)


def test_an_offer_title_with_markup_sent_by_the_api_is_shown_escaped_to_members(world, token):
    response = _send("post", "/offers", token, body={**_offer_body(world), "title": hostile.SCRIPT})
    assert response.status_code == 201
    member = client_for(world.home.member.user)
    slug = world.home.cooperative.slug

    pages = [
        member.get(reverse("koperasi:member-offer-list", args=[slug])),
        member.get(reverse("koperasi:member-offer-detail", args=[slug, response.json()["id"]])),
    ]

    for page in pages:
        assert hostile.SCRIPT not in page.content.decode()
        assert hostile.escaped(hostile.SCRIPT) in page.content.decode()


# --- Bodies that are not JSON objects ------------------------------------------------------------

RAW_BODIES = {
    "malformed": '{"title": ',
    "empty": "",
    "array": "[1, 2]",
    "string": '"offer"',
    "number": "1e309",
    "nan": '{"title": "x", "price": NaN, "valid_from": "2026-01-01"}',
    "infinity": '{"title": "x", "price": Infinity, "valid_from": "2026-01-01"}',
    "deeply_nested": "[" * 100_000 + "]" * 100_000,
    "not_utf8": b'{"title": "\xff\xfe", "price": 1, "valid_from": "2026-01-01"}',
    "duplicate_keys": '{"price": 1, "price": -5, "title": "x", "valid_from": "2026-01-01"}',
    "nul_escape": '{"title": "a\\u0000b", "price": 1, "valid_from": "2026-01-01"}',
    "lone_surrogate": '{"title": "\\ud800", "price": 1, "valid_from": "2026-01-01"}',
}
CONTENT_TYPES = {
    "text_plain": "text/plain",
    "form": "application/x-www-form-urlencoded",
    "xml": "application/xml",
    "none": "",
}


@pytest.mark.parametrize("name", [e.name for e in ENDPOINTS])
def test_a_body_that_is_not_a_json_object_is_refused(world, token, name):
    endpoint = ENDPOINTS_BY_NAME[name]
    path = endpoint.path(world)
    problems = []
    for body_name, raw in RAW_BODIES.items():
        before = _snapshot()
        response = _send(endpoint.method, path, token, raw=raw)
        problems += _refused(response, f"{name}: {body_name}", before)
    for type_name, content_type in CONTENT_TYPES.items():
        good = json.dumps(endpoint.body(world))
        before = _snapshot()
        response = _send(endpoint.method, path, token, raw=good, content_type=content_type)
        problems += _refused(response, f"{name}: content type {type_name}", before)
        if response.status_code != 415:
            problems.append(f"{name}: content type {type_name}: {response.status_code}, not 415")

    assert problems == [], "\n".join(problems)


# --- Ids, query strings, headers ------------------------------------------------------------


def test_another_partners_or_a_missing_id_is_a_404_in_the_error_shape(world, token):
    requests = []
    for offer_id in (world.other_offer.pk, 99_999_999, 2**63, 10**30):
        requests += [
            ("get", f"/offers/{offer_id}", None),
            ("patch", f"/offers/{offer_id}", {"price": 1}),
            ("post", f"/offers/{offer_id}/withdraw", None),
        ]
    for order_id in (world.other_order.pk, 99_999_999, 2**63):
        requests += [
            ("get", f"/orders/{order_id}", None),
            ("patch", f"/orders/{order_id}", {"status": "confirmed"}),
        ]
    requests += [
        ("get", "/purchases/99999999", None),
        ("get", "/offers/-1", None),
        ("get", "/offers/abc", None),
        ("get", "/offers/1%00", None),
    ]
    before = _snapshot()
    problems = []
    for method, path, body in requests:
        response = _send(method, path, token, body=body)
        if response.status_code != 404 or _error_shape(response) is None:
            problems.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")

    assert problems == [], "\n".join(problems)
    assert _snapshot() == before


QUERY_VALUES = {
    "script": hostile.SCRIPT,
    "nul": "1\x00",
    "negative": "-1",
    "huge": "9" * 30,
    "float": "1.5",
    "float_overflow": "1e309",
    "nan": "NaN",
    "overlong": hostile.OVERLONG,
}


@pytest.mark.parametrize("path", ["/offers", "/orders", "/purchases", "/figures"])
def test_a_hostile_query_string_is_a_422_in_the_error_shape(world, token, path):
    problems = []
    names = {"/orders": ("limit", "offset", "status")}.get(path, ("limit", "offset"))
    if path == "/figures":
        names = ("year",)  # the figures take no parameter at all
    for name in names:
        for value_name, value in QUERY_VALUES.items():
            response = _send("get", path, token, data={name: value})
            if response.status_code != 422 or _error_shape(response) is None:
                problems.append(f"{path}?{name}={value_name}: {response.status_code}")
            elif not response["Content-Type"].startswith("application/json"):
                # An echoed value is harmless in JSON, not in a page a browser would render.
                problems.append(f"{path}?{name}={value_name}: answered as HTML")

    assert problems == [], "\n".join(problems)


def test_a_hostile_idempotency_key_is_refused_and_records_nothing(world, token):
    problems = []
    for value_name, value in {
        "overlong": "k" * 101,
        "empty": "",
        "nul": "key\x00",
        "script": hostile.SCRIPT,
        "newline": "a\nb",
    }.items():
        with transaction.atomic():
            body = _purchase_body(world)
            before = _snapshot()
            response = _send(
                "post", "/purchases", token, body=body, headers={"Idempotency-Key": value}
            )
            if response.status_code >= 500:
                problems.append(f"Idempotency-Key {value_name}: {response.status_code}")
            elif response.status_code >= 400:
                problems += _refused(response, f"Idempotency-Key {value_name}", before)
            transaction.set_rollback(True)

    assert problems == [], "\n".join(problems)


def test_a_hostile_token_is_a_401_in_the_error_shape(world, token):
    problems = []
    for value_name, value in {
        "nul": f"Bearer {token}\x00",
        "overlong": "Bearer " + "k" * 10_000,
        "script": f"Bearer {hostile.SCRIPT}",
        "sql_ish": f"Bearer {hostile.SQL_ISH}",
        "basic": "Basic dXNlcjpwYXNz",
        "unicode": f"Bearer {hostile.UNICODE_MIX}",
        "another_partners_prefix": f"Bearer {token[:12]}",
    }.items():
        response = _client().get(f"{API}/offers", headers={"Authorization": value})
        if response.status_code != 401 or _error_shape(response) is None:
            problems.append(f"Authorization {value_name}: {response.status_code}")

    assert problems == [], "\n".join(problems)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() >= 1
