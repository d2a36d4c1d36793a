"""Rate limits of the API, counted in the Django cache (Redis in tests and production).

Each token may make `PARTNER_API_RATE` requests (default 120 a minute); requests without a
valid token are counted by client IP at `PARTNER_API_ANON_RATE` (default 30 a minute), so
guessing tokens is slow. Both settings are optional and read on every request.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

DEFAULT_RATE = "120/min"
DEFAULT_ANON_RATE = "30/min"


class _SettingsRateThrottle(SimpleRateThrottle):
    setting_name = ""
    default_rate = ""

    def __init__(self) -> None:
        super().__init__(rate=self.default_rate)

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = getattr(settings, self.setting_name, self.default_rate)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class TokenRateThrottle(_SettingsRateThrottle):
    """Per token: every request that got past authentication."""

    scope = "partner_api_token"
    setting_name = "PARTNER_API_RATE"
    default_rate = DEFAULT_RATE

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class AnonymousRateThrottle(_SettingsRateThrottle):
    """Per client IP: requests without a valid token."""

    scope = "partner_api_anon"
    setting_name = "PARTNER_API_ANON_RATE"
    default_rate = DEFAULT_ANON_RATE

    def get_ident(self, request: HttpRequest) -> str | None:
        """The client IP. X-Forwarded-For is trusted only with `NINJA_NUM_PROXIES` set (else
        anybody could dodge the limit by sending a made-up header)."""
        from ninja.conf import settings as ninja_settings

        if ninja_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR")
        return super().get_ident(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
