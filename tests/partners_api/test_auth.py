"""Authentication: no token, a wrong or revoked one → 401 in the error shape, nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from koperasi.models import Event
from partners.models import ApiToken, Offer, PartnerUser
from partners.tokens import api_token_revoke, token_hash
from tests.partners_api.conftest import ApiClient, error_of

pytestmark = pytest.mark.django_db

NEW_OFFER = {"title": "Pupuk organik", "price": 50_000, "valid_from": "2026-01-01"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer kop_00000000_notarealtoken"},
        {"Authorization": "Bearer "},
        {"Authorization": "Token kop_00000000_x"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["none", "unknown", "empty", "other-scheme", "basic"],
)
def test_requests_without_a_valid_token_get_401_and_change_nothing(headers, offer):
    client = ApiClient(**headers)
    before = list(Offer.objects.values())

    listing = client.get("/offers")
    creation = client.post("/offers", NEW_OFFER)
    change = client.patch(f"/offers/{offer.pk}", {"price": 1})

    for response in (listing, creation, change):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert error_of(response)["code"] == "unauthorized"
    assert list(Offer.objects.values()) == before


def test_a_revoked_token_gets_401(partner, owner, token, offer):
    api = ApiClient(token)
    assert api.get("/offers").status_code == 200
    api_token_revoke(token=ApiToken.objects.get(partner=partner), acting_user=owner)

    response = api.patch(f"/offers/{offer.pk}", {"price": 1})

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    offer.refresh_from_db()
    assert offer.price == 75_000


def test_a_token_dies_when_its_creator_leaves_the_business(owner, partner, token):
    PartnerUser.objects.filter(partner=partner, user=owner).delete()

    assert ApiClient(token).get("/offers").status_code == 401


def test_only_a_hash_of_the_token_is_stored(partner, token):
    stored = ApiToken.objects.get(partner=partner)

    assert token.startswith(f"{stored.prefix}_")
    assert len(stored.prefix) == 12
    assert stored.prefix.startswith("kop_")
    assert stored.key_hash == token_hash(token) != token
    assert not ApiToken.objects.filter(key_hash=token).exists()


def test_last_used_is_written_at_most_once_a_minute(partner, api):
    assert ApiToken.objects.get(partner=partner).last_used_at is None

    api.get("/offers")
    first = ApiToken.objects.get(partner=partner).last_used_at
    api.get("/offers")
    assert ApiToken.objects.get(partner=partner).last_used_at == first

    ApiToken.objects.filter(partner=partner).update(last_used_at=first - timedelta(minutes=2))
    api.get("/offers")
    assert ApiToken.objects.get(partner=partner).last_used_at > first - timedelta(minutes=1)
    assert first <= timezone.now()


def test_api_changes_are_recorded_as_done_by_the_tokens_creator(owner, api):
    response = api.post("/offers", NEW_OFFER)

    assert response.status_code == 201
    event = Event.objects.get(kind="offer.created")
    assert event.actor == owner
    assert event.data["offer_id"] == response.json()["id"]


def test_unknown_paths_and_methods_answer_json_errors(api):
    missing = api.get("/nothing-here")
    wrong_method = api.delete("/offers")

    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "method_not_allowed"
    assert "GET" in wrong_method["Allow"]
    assert "POST" in wrong_method["Allow"]


def test_the_api_root_points_to_the_docs(client):
    body = client.get("/api/v1/").json()

    assert body["docs"] == "http://testserver/api/v1/docs"
    assert body["openapi"] == "http://testserver/api/v1/openapi.json"


def test_malformed_json_is_a_400_in_the_error_shape(api):
    response = api.client.post(
        "/api/v1/offers", data="{not json", content_type="application/json", headers=api.headers
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_the_openapi_schema_documents_bearer_auth(client):
    schema = client.get("/api/v1/openapi.json").json()

    assert schema["components"]["securitySchemes"]["PartnerTokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "kop_<prefix>_<secret>",
        "description": "A partner's API token, created in the partner portal.",
    }
    assert schema["paths"]["/api/v1/offers"]["get"]["security"] == [{"PartnerTokenAuth": []}]


def test_the_docs_page_lists_the_endpoints_without_scripts(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/purchases" in html
    assert "Idempotency-Key" in html
    assert "<script>" not in html
    assert "cdn" not in html.lower()
