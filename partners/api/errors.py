"""One JSON shape for every error the API answers:

    {"error": {"code": "not_found", "message": "...", "fields": {"amount": ["..."]}}}

`fields` is present (possibly empty) on every error; it names the request fields a 400/422
is about. Handlers here are registered on the NinjaAPI in `partners.api.app`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from koperasi.errors import DomainError

logger = logging.getLogger(__name__)

#: The error code for each status the API answers.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}

NON_FIELD = "__all__"


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    response = JsonResponse(
        error_body(code or CODES.get(status, "error"), message, fields), status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "payload", "amount")` -> "amount"; `("query", "limit")` -> "limit"."""
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts:
        parts = parts[1:]
    return ".".join(parts) or NON_FIELD


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(str(error.get("msg", "")))
    return fields


def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return error_response(422, _("The request is not valid."), fields=validation_fields(exc.errors))


def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        401,
        _("Send a valid API token: Authorization: Bearer <token>."),
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return error_response(403, _("This token may not do that."))


def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = max(1, math.ceil(exc.wait)) if exc.wait is not None else 60
    return error_response(
        429,
        _("Too many requests. Try again in %(seconds)s seconds.") % {"seconds": wait},
        headers={"Retry-After": str(wait)},
    )


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(400, _("The request body could not be read as JSON."))
    return error_response(exc.status_code, str(exc))


def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, _("Not found."))


def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A business rule said no. About a field of the request: 422 `rejected`, the message at
    that field. About the state of things (an order already decided, a withdrawn offer, an
    idempotency key used for other content): 409 `conflict`."""
    if exc.field:
        return error_response(422, exc.message, code="rejected", fields={exc.field: [exc.message]})
    return error_response(409, exc.message)


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unexpected error in the partner API", exc_info=exc)
    return error_response(500, _("Something went wrong on our side. Please try again later."))


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under /api/v1/ that is not an endpoint."""
    return error_response(404, _("There is no such endpoint. See the API documentation."))


def register_exception_handlers(api) -> None:
    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(AuthorizationError, on_authorization_error)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(NinjaValidationError, on_validation_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(DomainError, on_domain_error)
