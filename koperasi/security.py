"""Session lifetime and the second factor, enforced in one place for every page.

- A session ends after `SESSION_IDLE_TIMEOUT` seconds without a request and, whatever the
  activity, `SESSION_ABSOLUTE_TIMEOUT` seconds after signing in. The person is signed out and
  sent to the login page with a message saying why.
- People who can move a cooperative's money or decide for it (board members, pengurus) and
  platform staff must have a second factor (TOTP). Until they set one up, every page except
  the account pages sends them to the set-up page.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

AUTH_AT = "_auth_at"
SEEN_AT = "_seen_at"
#: `SEEN_AT` is refreshed at most this often, so a busy page does not write the session each time.
SEEN_RESOLUTION = 60


def _now() -> int:
    return int(time.time())


class SessionTimeoutMiddleware:
    """Signs people out after inactivity and after an absolute lifetime."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expired = self._expired(request)
            if expired:
                logout(request)
                messages.info(request, expired)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> str:
        session = request.session
        now = _now()
        auth_at = session.get(AUTH_AT)
        if auth_at is None:  # a session from before this rule, or a login we did not see
            session[AUTH_AT] = auth_at = now
        seen_at = session.get(SEEN_AT, now)
        if now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT:
            return _("You were signed out because your session reached its maximum length.")
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
            return _("You were signed out after a period of inactivity.")
        if now - seen_at >= SEEN_RESOLUTION or SEEN_AT not in session:
            session[SEEN_AT] = now
        return ""


def session_mark_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: the absolute lifetime counts from here."""
    now = _now()
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now


def needs_second_factor(user) -> bool:
    """Board members of any cooperative and platform staff must sign in with TOTP."""
    from koperasi.models import Role

    if not settings.MFA_REQUIRED_FOR_STAFF or not user.is_authenticated:
        return False
    return bool(
        user.is_platform_staff
        or user.is_superuser
        or Role.objects.filter(user=user, kind=Role.Kind.BOARD).exists()
    )


def has_second_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireSecondFactorMiddleware:
    """Sends board members and platform staff without TOTP to set it up first.

    The check costs one indexed query per request for people without a second factor (a member
    may become a board member at any time, in this very session when they register a
    cooperative); once the factor exists it is remembered in the session (removing it goes
    through allauth's views, whose signal clears the mark).
    """

    #: Paths a person without TOTP may still reach: the account pages (to set it up, sign out),
    #: language switching, static files.
    ALLOWED_PREFIXES = ("/akun/", "/i18n/", "/static/")
    SESSION_MARK = "_second_factor_ok"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.session.get(self.SESSION_MARK)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ) and needs_second_factor(user):
            if not has_second_factor(user):
                messages.warning(
                    request,
                    _(
                        "Your role needs a second factor: set up an authenticator app "
                        "before you continue."
                    ),
                )
                return redirect(reverse("mfa_activate_totp"))
            request.session[self.SESSION_MARK] = True
        return self.get_response(request)


def second_factor_changed(sender, request, **kwargs) -> None:
    """allauth `authenticator_removed` / `authenticator_added` receiver: check again."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(RequireSecondFactorMiddleware.SESSION_MARK, None)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin signs people in through the portal's own login, so the admin gets the
    same failed-login limits and the same second factor as every other page."""
    from django.contrib.auth import REDIRECT_FIELD_NAME

    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(next_url)
