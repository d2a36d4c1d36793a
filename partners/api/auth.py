"""Bearer-token authentication of the partners' API.

`Authorization: Bearer kop_...` is looked up by its SHA-256; an unknown or revoked token (or
none) gets 401 in the API's error shape. A valid token sets, for the request:

- `request.auth`: the `ApiToken`;
- `request.partner`: its partner (every object is looked up within it);
- `request.acting_user`: the person who created the token. Actions called by the API record
  this person as the actor of their events, so the audit trail shows whose key did what.

Requests that fail authentication are rate-limited per client IP (see `throttling`).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja.errors import Throttled
from ninja.security import HttpBearer

from partners.api.throttling import AnonymousRateThrottle
from partners.models import ApiToken
from partners.tokens import api_token_for_plaintext, api_token_touch


class PartnerTokenAuth(HttpBearer):
    """A partner's API token, sent as `Authorization: Bearer <token>`."""

    openapi_bearerFormat = "kop_<prefix>_<secret>"  # noqa: N815 (the OpenAPI key)
    openapi_description = "A partner's API token, created in the partner portal."

    def __init__(self) -> None:
        super().__init__()
        self.failures = AnonymousRateThrottle()

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        token = super().__call__(request)
        if token is None:
            self._count_failure(request)
        return token

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_for_plaintext(token.strip())
        if api_token is None:
            return None
        api_token_touch(token=api_token)
        request.partner = api_token.partner
        request.acting_user = api_token.created_by
        language = api_token.created_by.language
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return api_token

    def _count_failure(self, request: HttpRequest) -> None:
        if not self.failures.allow_request(request):
            raise Throttled(wait=self.failures.wait())


partner_token_auth = PartnerTokenAuth()
