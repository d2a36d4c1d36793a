"""The NinjaAPI instance of the partners' JSON API, mounted at /api/v1/ in koperasi/urls.py.

Every endpoint needs a partner's token (see `auth`), is rate-limited per token (see
`throttling`), and answers errors in the one shape of `errors`. Routers: one per resource.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, re_path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from partners.api.auth import partner_token_auth
from partners.api.docs import ServerRenderedDocs
from partners.api.errors import error_response, not_found_view, register_exception_handlers
from partners.api.throttling import TokenRateThrottle

DESCRIPTION = (
    "The JSON API of the partner portal: offers, orders, members' purchases and the figures "
    "cooperatives share with their partners.\n\n"
    "**Authentication.** Create a token in the partner portal (API tokens page, owner only) "
    "and send it as `Authorization: Bearer <token>`. A token acts for its partner only; "
    "what it changes is recorded in the audit trail as done by the person who created it.\n\n"
    "**Errors** always have the shape "
    '`{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}`.\n\n'
    "**Rate limits.** 120 requests a minute per token; more get 429 with a Retry-After "
    "header.\n\n"
    "**Money** is whole Rupiah (integers); dates and times are ISO 8601; lists take "
    "`limit` and `offset`.\n\n"
    "**Language.** Messages are in the language chosen by the token's creator on the portal "
    "(Indonesian by default); rely on `code`, not on `message`."
)


class PartnerAPI(NinjaAPI):
    """NinjaAPI whose every answer under its prefix is JSON, unknown paths and methods included."""

    def _get_urls(self):
        urls = []
        patterns = super()._get_urls()
        for bound_router in self._get_bound_routers():
            for path_view in bound_router.path_operations.values():
                for operation in path_view.operations:
                    _refuse_unknown_query_parameters(operation)
        for pattern in patterns:
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                urls.append(path("", _api_root, {"api": self}, name="api-root"))
            elif isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
                urls.append(pattern)
            else:
                urls.append(pattern)
        urls.append(re_path(r"^.*$", csrf_exempt(not_found_view), name="not-found"))
        return urls


def _query_names(operation) -> frozenset[str]:
    names: set[str] = set()
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) != "query":
            continue
        flatten_map = getattr(model, "__ninja_flatten_map__", None)
        names.update(flatten_map or (f.alias or n for n, f in model.model_fields.items()))
    return frozenset(names)


def _refuse_unknown_query_parameters(operation) -> None:
    """A query parameter the operation does not know is an error (422), not silently ignored:
    `?stauts=placed` must not list every order; a body that is not sent as JSON is a 415.
    Checked after authentication."""
    if getattr(operation, "_unknown_query_refused", False):
        return
    allowed = _query_names(operation)
    takes_body = any(getattr(m, "__ninja_param_source__", None) == "body" for m in operation.models)
    run_checks = operation._run_checks

    def checks_then_query(request: HttpRequest):
        error = run_checks(request)
        if error is not None:
            return error
        if takes_body and request.body and request.content_type != "application/json":
            # Ninja would read any body as JSON; a form or text/plain body is refused.
            return error_response(415, _("The request body could not be read as JSON."))
        unknown = sorted(set(request.GET) - allowed)
        if unknown:
            return error_response(
                422,
                _("The request is not valid."),
                code="invalid",
                fields={name: [_("Unknown query parameter.")] for name in unknown},
            )
        return None

    operation._run_checks = checks_then_query
    operation._unknown_query_refused = True


def _json_method_not_allowed(view):
    """Ninja answers an undeclared method with a plain-text 405; give it the error shape."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allow = response.get("Allow", "")
            return error_response(
                405,
                _("This endpoint does not answer %(method)s.") % {"method": request.method},
                headers={"Allow": allow} if allow else None,
            )
        return response

    wrapper.csrf_exempt = True
    return wrapper


@csrf_exempt
def _api_root(request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
    return JsonResponse(
        {
            "title": api.title,
            "version": api.version,
            "docs": request.build_absolute_uri(reverse("api:openapi-view")),
            "openapi": request.build_absolute_uri(reverse("api:openapi-json")),
        }
    )


api = PartnerAPI(
    title="Portal Koperasi partner API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=partner_token_auth,
    throttle=[TokenRateThrottle()],
    docs=ServerRenderedDocs(),
    docs_url="/docs",
)
register_exception_handlers(api)

from partners.api import figures, offers, orders, purchases  # noqa: E402  (routers use `api`)

api.add_router("/offers", offers.router, tags=["offers"])
api.add_router("/orders", orders.router, tags=["orders"])
api.add_router("/purchases", purchases.router, tags=["purchases"])
api.add_router("/figures", figures.router, tags=["figures"])
