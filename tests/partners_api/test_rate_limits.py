"""Rate limits: per token, and per client IP for requests without a valid token."""

from __future__ import annotations

import pytest

from partners.models import Offer
from tests.partners_api.conftest import ApiClient, error_of

pytestmark = pytest.mark.django_db


def test_a_token_over_its_rate_gets_429_with_retry_after(settings, api, other_api):
    settings.PARTNER_API_RATE = "3/min"

    answers = [api.get("/offers").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    response = api.post("/offers", {"title": "X", "price": 1, "valid_from": "2026-01-01"})
    assert response.status_code == 429
    error = error_of(response)
    assert error["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not Offer.objects.exists()
    # Another token has its own count.
    assert other_api.get("/offers").status_code == 200


def test_guessing_tokens_is_limited_per_ip(settings, token):
    settings.PARTNER_API_ANON_RATE = "2/min"
    guesser = ApiClient("kop_12345678_guess")
    guesser.client.defaults["REMOTE_ADDR"] = "10.0.0.7"
    elsewhere = ApiClient("kop_12345678_guess")
    elsewhere.client.defaults["REMOTE_ADDR"] = "10.0.0.8"
    valid = ApiClient(token)
    valid.client.defaults["REMOTE_ADDR"] = "10.0.0.7"

    answers = [guesser.get("/offers").status_code for _ in range(3)]

    assert answers == [401, 401, 429]
    assert int(guesser.get("/offers")["Retry-After"]) >= 1
    assert elsewhere.get("/offers").status_code == 401
    # A valid token from the same address is not held back by the guesses.
    assert valid.get("/offers").status_code == 200
