"""Language: Bahasa Indonesia unless the person chose English.

The browser's Accept-Language is ignored on purpose: many members' phones are set to English,
but the portal speaks Indonesian first. A choice is kept in the language cookie and, for a
logged-in person, on their account (notifications use it).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django.views.i18n import set_language


def _supported(code: str | None) -> bool:
    return code in dict(settings.LANGUAGES)


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not _supported(code):
            user = getattr(request, "user", None)
            code = user.language if user is not None and user.is_authenticated else None
        if not _supported(code):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", code)
        return response


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language, which also remembers the choice on the person's account."""
    response = set_language(request)
    code = request.POST.get("language")
    user = request.user
    if _supported(code) and user.is_authenticated and user.language != code:
        user.language = code
        user.save(update_fields=["language"])
    return response
