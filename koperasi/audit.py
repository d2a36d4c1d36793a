"""The audit log: who did what, when, and from where.

Actions record events (`koperasi.events.event_record`); this module adds what no action sees:

- `AuditMiddleware` binds the request's origin (client IP, browser, path) for the events
  recorded while it is served, and records every refused access ("access.denied"): a 403, or a
  404 of a page that exists for a signed-in person (a cooperative's page that is not theirs);
- receivers for sign-in events from Django and allauth (sign-in, failed sign-in with the email
  tried and never the password, sign-out, password and email changes, two-factor changes);
- `KINDS`, the registry that sorts event kinds into categories and says each as a sentence.

Sign-ins are recorded for requests the site serves; a programmatic login (the test client's
`force_login`, a shell) is not a sign-in from anywhere and is left out.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from koperasi import events
from koperasi.models import Cooperative, Event, User

logger = logging.getLogger(__name__)

ACCESS_DENIED = "access.denied"
LOGIN = "auth.login"
LOGIN_FAILED = "auth.login_failed"
LOGOUT = "auth.logout"
PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105 (an event kind)
PASSWORD_SET = "auth.password_set"  # noqa: S105 (an event kind)
PASSWORD_RESET = "auth.password_reset"  # noqa: S105 (an event kind)
EMAIL_CHANGED = "auth.email_changed"
EMAIL_ADDED = "auth.email_added"
EMAIL_REMOVED = "auth.email_removed"
MFA_ADDED = "auth.mfa_added"
MFA_REMOVED = "auth.mfa_removed"
MFA_RESET = "auth.mfa_reset"
MFA_FAILED = "auth.mfa_failed"
DATA_EXPORTED = "data.exported"


# --- Where a request comes from ------------------------------------------------------------


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind `TRUSTED_PROXY_COUNT` proxies that each
    append to X-Forwarded-For, the address the farthest trusted proxy saw. Entries further
    left were written by the client and are never believed."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote
    candidate = forwarded[-trusted] if len(forwarded) >= trusted else forwarded[0]
    return _valid_ip(candidate) or remote


def meta_of(request: HttpRequest) -> events.RequestMeta:
    return events.RequestMeta(
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[: events.USER_AGENT_LENGTH],
        path=request.path[: events.PATH_LENGTH],
    )


def _record(**kwargs: Any) -> Event | None:
    """Record an event outside any action (its own transaction). The audit trail must never
    turn a page into an error, so a failure is logged and the request goes on."""
    try:
        with transaction.atomic():
            return events.event_record(**kwargs)
    except Exception:
        logger.exception("could not record the audit event %s", kwargs.get("kind"))
        return None


# --- Refused access ------------------------------------------------------------------------


def _is_refusal(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    if response.status_code == 403:
        return signed_in or request.method not in ("GET", "HEAD", "OPTIONS")
    # A 404 from a page that exists (the URL resolved): a cooperative's page that is not the
    # person's, another's object, or a staff-only area. Unknown addresses (a missing static
    # file, a bot's guesses) never resolve and are not recorded.
    return (
        response.status_code == 404
        and signed_in
        and getattr(request, "resolver_match", None) is not None
    )


def _cooperative_of(request: HttpRequest) -> Cooperative | None:
    tenant = getattr(request, "tenant", None)
    if tenant is not None:
        return tenant.cooperative
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("coop_slug") if match else None
    if slug:
        return Cooperative.objects.filter(slug=slug).first()
    return None


def access_denied_record(request: HttpRequest, response: HttpResponse) -> Event | None:
    """Record a refused request: status, method, the page's name, and the cooperative when the
    URL names one."""
    user = request.user if request.user.is_authenticated else None
    match = getattr(request, "resolver_match", None)
    return _record(
        kind=ACCESS_DENIED,
        actor=user,
        cooperative=_cooperative_of(request),
        data={
            "status": response.status_code,
            "method": request.method,
            "path": request.path[: events.PATH_LENGTH],
            "view": match.view_name if match else "",
        },
    )


class AuditMiddleware:
    """Binds the request's origin for the events it records, and records refusals.

    Sits after AuthenticationMiddleware and before TenancyMiddleware, so that it sees the
    refusals that tenancy answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with events.request_meta_bind(meta_of(request)):
            response = self.get_response(request)
            if _is_refusal(request, response):
                access_denied_record(request, response)
        return response


# --- Sign-in events ------------------------------------------------------------------------


def _in_request() -> bool:
    return events.request_meta() is not None


def _on_login(sender, request, user, **kwargs) -> None:
    if _in_request():
        _record(kind=LOGIN, actor=user, data={})


def _on_logout(sender, request, user, **kwargs) -> None:
    if _in_request() and user is not None:
        _record(kind=LOGOUT, actor=user, data={})


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """The email tried, and whose account it is; the password never leaves the form."""
    if not _in_request():
        return
    email = str(credentials.get("email") or credentials.get("username") or "").strip()[:254]
    data: dict[str, Any] = {"email": email}
    owner = User.objects.filter(email__iexact=email).values_list("pk", flat=True).first()
    if owner is not None:
        data["user_id"] = owner
    _record(kind=LOGIN_FAILED, actor=None, data=data)


def _user_event(kind: str) -> Callable:
    def receiver(sender, request=None, user=None, **kwargs) -> None:
        if _in_request() and user is not None:
            _record(kind=kind, actor=user, data={})

    return receiver


def _on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    if _in_request():
        data = {
            "from": getattr(from_email_address, "email", ""),
            "to": getattr(to_email_address, "email", ""),
        }
        _record(kind=EMAIL_CHANGED, actor=user, data=data)


def _email_event(kind: str) -> Callable:
    def receiver(sender, request, user, email_address, **kwargs) -> None:
        if _in_request():
            _record(kind=kind, actor=user, data={"email": email_address.email})

    return receiver


def _mfa_event(kind: str) -> Callable:
    def receiver(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
        if _in_request() and user is not None:
            _record(kind=kind, actor=user, data={"type": getattr(authenticator, "type", "")})

    return receiver


_RECEIVERS = [
    (auth_signals.user_logged_in, _on_login),
    (auth_signals.user_logged_out, _on_logout),
    (auth_signals.user_login_failed, _on_login_failed),
    (account_signals.password_changed, _user_event(PASSWORD_CHANGED)),
    (account_signals.password_set, _user_event(PASSWORD_SET)),
    (account_signals.password_reset, _user_event(PASSWORD_RESET)),
    (account_signals.email_changed, _on_email_changed),
    (account_signals.email_added, _email_event(EMAIL_ADDED)),
    (account_signals.email_removed, _email_event(EMAIL_REMOVED)),
    (mfa_signals.authenticator_added, _mfa_event(MFA_ADDED)),
    (mfa_signals.authenticator_removed, _mfa_event(MFA_REMOVED)),
    (mfa_signals.authenticator_reset, _mfa_event(MFA_RESET)),
    (mfa_signals.authentication_failed, _mfa_event(MFA_FAILED)),
]
for _signal, _receiver in _RECEIVERS:
    _signal.connect(
        _receiver, dispatch_uid=f"koperasi.audit.{_receiver.__qualname__}-{id(_signal)}"
    )


def export_record(
    *, request: HttpRequest, what: str, cooperative: Cooperative | None, **details: Any
) -> Event | None:
    """Record that someone downloaded a file with personal data (a GET view, no action)."""
    return _record(
        kind=DATA_EXPORTED,
        actor=request.user if request.user.is_authenticated else None,
        cooperative=cooperative,
        data={"what": what, **details},
    )


# --- What each kind means ------------------------------------------------------------------

MONEY = "money"
APPROVALS = "approvals"
ROLES = "roles"
SETTINGS = "settings"
SIGN_IN = "sign_in"
DENIED = "denied"
EXPORTS = "exports"

CATEGORIES = [
    (MONEY, _("Money")),
    (APPROVALS, _("Approvals")),
    (ROLES, _("Roles")),
    (SETTINGS, _("Settings")),
    (SIGN_IN, _("Sign-in")),
    (DENIED, _("Denied access")),
    (EXPORTS, _("Exports")),
]


@dataclass(frozen=True)
class Kind:
    category: str
    #: A sentence with %(name)s placeholders taken from the event's details (see `describe`).
    label: Any


KINDS: dict[str, Kind] = {
    # Money
    "savings.deposited": Kind(MONEY, _("Deposit of %(amount)s from %(member)s: %(savings_kind)s")),
    "savings.withdrawn": Kind(MONEY, _("Withdrawal of %(amount)s from savings of %(member)s")),
    "savings.reversed": Kind(MONEY, _("Transaction #%(entry_id)s of %(member)s reversed")),
    "loan.disbursed": Kind(
        MONEY, _("Loan #%(loan_id)s of %(member)s disbursed: %(amount)s (fee %(fee)s)")
    ),
    "loan.repaid": Kind(MONEY, _("Repayment of %(amount)s on loan #%(loan_id)s of %(member)s")),
    "member.resigned": Kind(MONEY, _("%(member)s left the cooperative; savings paid out")),
    "member.expelled": Kind(MONEY, _("%(member)s was expelled; savings paid out")),
    "shu.published": Kind(MONEY, _("SHU published")),
    "savings.month_end": Kind(MONEY, _("Month-end closing of savings")),
    "loans.daily": Kind(MONEY, _("Daily loan run: arrears and penalties")),
    "members.imported": Kind(MONEY, _("%(members)s members imported with opening balances")),
    # Approvals
    "member.approved": Kind(APPROVALS, _("Membership of %(member)s approved")),
    "member.rejected": Kind(APPROVALS, _("Membership application of %(member)s rejected")),
    "loan.approval_given": Kind(
        APPROVALS, _("First approval of loan #%(loan_id)s of %(member)s; a second is needed")
    ),
    "loan.approved": Kind(APPROVALS, _("Loan #%(loan_id)s of %(member)s approved")),
    "loan.rejected": Kind(APPROVALS, _("Loan #%(loan_id)s of %(member)s rejected")),
    "withdrawal.approved": Kind(APPROVALS, _("Withdrawal request of %(member)s approved")),
    "withdrawal.rejected": Kind(APPROVALS, _("Withdrawal request of %(member)s rejected")),
    "cooperative.verified": Kind(APPROVALS, _("Cooperative verified by platform staff")),
    "cooperative.rejected": Kind(APPROVALS, _("Cooperative registration rejected")),
    "members.import_accepted": Kind(APPROVALS, _("Member import accepted")),
    "partnership.accepted": Kind(APPROVALS, _("Partnership accepted")),
    "partnership.activated": Kind(APPROVALS, _("Partnership active")),
    # Roles
    "role.granted": Kind(ROLES, _("%(user)s given the role %(role)s")),
    "role.revoked": Kind(ROLES, _("Role %(role)s of %(user)s removed")),
    # Settings
    "cooperative.updated": Kind(SETTINGS, _("Cooperative details changed: %(fields)s")),
    "cooperative.resubmitted": Kind(SETTINGS, _("Cooperative details corrected and resubmitted")),
    "savings.product_changed": Kind(SETTINGS, _("Savings rules changed")),
    "loan.product_created": Kind(SETTINGS, _("Loan product #%(product_id)s created")),
    "loan.product_changed": Kind(SETTINGS, _("Loan product #%(product_id)s changed")),
    "loan.policy_changed": Kind(SETTINGS, _("Two-approval threshold for loans changed")),
    "participation.weights_changed": Kind(
        SETTINGS, _("Participation weights and meeting quorum changed")
    ),
    "shu.saved": Kind(SETTINGS, _("SHU %(year)s saved: surplus and percentages")),
    # Sign-in
    LOGIN: Kind(SIGN_IN, _("Signed in")),
    LOGIN_FAILED: Kind(SIGN_IN, _("Failed sign-in as %(email)s")),
    LOGOUT: Kind(SIGN_IN, _("Signed out")),
    PASSWORD_CHANGED: Kind(SIGN_IN, _("Password changed")),
    PASSWORD_SET: Kind(SIGN_IN, _("Password set")),
    PASSWORD_RESET: Kind(SIGN_IN, _("Password reset")),
    EMAIL_CHANGED: Kind(SIGN_IN, _("Primary email changed to %(to)s")),
    EMAIL_ADDED: Kind(SIGN_IN, _("Email %(email)s added")),
    EMAIL_REMOVED: Kind(SIGN_IN, _("Email %(email)s removed")),
    MFA_ADDED: Kind(SIGN_IN, _("Two-factor sign-in turned on (%(type)s)")),
    MFA_REMOVED: Kind(SIGN_IN, _("Two-factor sign-in turned off (%(type)s)")),
    MFA_RESET: Kind(SIGN_IN, _("Recovery codes regenerated")),
    MFA_FAILED: Kind(SIGN_IN, _("Wrong two-factor code")),
    # Denied access
    ACCESS_DENIED: Kind(DENIED, _("Access refused (%(status)s): %(method)s %(path)s")),
    # Exports
    DATA_EXPORTED: Kind(EXPORTS, _("Downloaded: %(what)s")),
}


#: What a "data.exported" event downloaded.
EXPORTS_NAMED = {
    "audit": _("the audit log"),
    "loan_portfolio": _("the loan portfolio"),
    "savings_statement": _("a savings statement"),
    "shu": _("the SHU split per member"),
}


def kinds_of(category: str) -> list[str]:
    return [kind for kind, spec in KINDS.items() if spec.category == category]


#: Events about a person rather than a cooperative: a cooperative's log shows its staff's.
PERSONAL_KINDS = frozenset(kinds_of(SIGN_IN) + kinds_of(DENIED))


class _Details(dict):
    """A missing placeholder reads as a dash instead of failing the sentence."""

    def __missing__(self, key: str) -> str:
        return "—"


def describe(event: Event, *, members: dict[int, str], users: dict[int, str]) -> str:
    """The event as a sentence for people, from the registry; the kind itself when unknown.

    `members` and `users` name the ids found in the details (loaded once per page)."""
    spec = KINDS.get(event.kind)
    if spec is None:
        return event.kind
    from koperasi.models import Role
    from koperasi.money import format_rupiah
    from services.ledger.models import SavingsKind

    data = event.data if isinstance(event.data, dict) else {}
    values = _Details({key: value for key, value in data.items() if not isinstance(value, dict)})
    for key in ("amount", "fee"):
        if isinstance(data.get(key), int):
            values[key] = format_rupiah(data[key])
    if "member_id" in data:
        values["member"] = members.get(data["member_id"], f"#{data['member_id']}")
    if "user_id" in data:
        values["user"] = users.get(data["user_id"], f"#{data['user_id']}")
    if data.get("role") in Role.Kind.values:
        values["role"] = Role.Kind(data["role"]).label
    if data.get("kind") in SavingsKind.values:
        values["savings_kind"] = SavingsKind(data["kind"]).label
    if data.get("what") in EXPORTS_NAMED:
        values["what"] = EXPORTS_NAMED[data["what"]]
    if isinstance(data.get("fields"), list):
        values["fields"] = ", ".join(str(f) for f in data["fields"]) or "—"
    try:
        return str(spec.label) % values
    except (TypeError, ValueError):
        return event.kind
