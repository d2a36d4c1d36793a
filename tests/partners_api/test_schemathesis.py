"""The API against its own OpenAPI schema: schemathesis generates requests (valid and not) for
every operation and checks each answer: no server error, a documented status code, content
type and headers, and a body that matches the documented schema.

`positive_data_acceptance` is left out on purpose: a request can match the schema and still be
refused by a business rule (an unknown member number, a wrong one-time code, a last day
before the first), which the API answers 422 `rejected` as documented.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from partners.offers import order_confirm
from partners.purchases import purchase_code_issue, purchase_record

pytestmark = pytest.mark.django_db


#: Loaded from the app itself (in-process WSGI, no server): the schema clients download.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": 15, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)


@pytest.fixture
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, whose `request_finished` signal would close
    the database connection holding the test's transaction; Django's own test client
    detaches that handler the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def authorization(
    _keep_the_test_connection, settings, token, partner, owner, order, cooperative, shopper
) -> dict:
    """The headers of a partner with data in every list (so item schemas are checked too)."""
    # Thousands of requests from one token: the rate limit has its own test.
    settings.PARTNER_API_RATE = "1000000/min"
    settings.PARTNER_API_ANON_RATE = "1000000/min"
    order_confirm(order=order, acting_user=owner)
    purchase_record(
        partner=partner,
        acting_user=owner,
        cooperative=cooperative,
        member_number=shopper.number,
        code=purchase_code_issue(member=shopper).code,
        amount=10_000,
    )
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_openapi_schema(case, authorization):
    case.call_and_validate(headers=authorization, excluded_checks=[positive_data_acceptance])
