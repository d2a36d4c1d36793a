"""Tenancy in one place.

A cooperative's area lives under `/k/<coop_slug>/`. `TenancyMiddleware` resolves the cooperative
and the user's roles there once per request and puts them on `request.tenant`. Views declare who
may enter with `@tenant_view(...)`; objects named in a URL are loaded with `get_for_tenant`, which
answers 404 alike for "missing" and "another cooperative's".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from koperasi.models import Cooperative, Role

TENANT_KWARG = "coop_slug"

BOARD = Role.Kind.BOARD
SUPERVISOR = Role.Kind.SUPERVISOR
TELLER = Role.Kind.TELLER
MEMBER = Role.Kind.MEMBER
#: Roles that see the cooperative's back office ("kelola").
STAFF_ROLES = frozenset({BOARD, SUPERVISOR, TELLER})


@dataclass(frozen=True)
class Tenant:
    cooperative: Cooperative
    roles: frozenset[str] = field(default_factory=frozenset)
    title: str = ""

    def has(self, *kinds: str) -> bool:
        return bool(self.roles.intersection(kinds))

    @property
    def is_board(self) -> bool:
        return BOARD in self.roles

    @property
    def is_staff(self) -> bool:
        """Board, supervisor or teller: people who see the back office."""
        return bool(self.roles & STAFF_ROLES)

    @property
    def role_label(self) -> str:
        """The person's highest role here, as the UI names it: "Chair (ketua)", "Teller"..."""
        if self.title:
            return str(Role.Title(self.title).label)
        for kind in (BOARD, SUPERVISOR, TELLER, MEMBER):
            if kind in self.roles:
                return str(Role.Kind(kind).label)
        return ""

    @property
    def can_write(self) -> bool:
        """Supervisors (pengawas) read everything and change nothing."""
        return self.has(BOARD, TELLER)


def resolve_tenant(request: HttpRequest, slug: str) -> Tenant:
    """Load the cooperative named in the URL and the user's roles in it (two queries at most)."""
    cooperative = get_object_or_404(
        Cooperative.objects.select_related("province", "regency"), slug=slug
    )
    roles: frozenset[str] = frozenset()
    title = ""
    user = request.user
    if user.is_authenticated:
        rows = list(
            Role.objects.filter(cooperative=cooperative, user=user).values_list("kind", "title")
        )
        roles = frozenset(kind for kind, _ in rows)
        title = next((t for _, t in rows if t), "")
    tenant = Tenant(cooperative=cooperative, roles=roles, title=title)
    if not cooperative.is_verified and not tenant.is_staff:
        # Until platform staff verify it, only its own staff know the cooperative exists.
        raise Http404
    return tenant


def check_access(request: HttpRequest, roles: frozenset[str], write: bool) -> HttpResponse | None:
    """Who may enter a tenant view: None to let the request through, or the refusal."""
    tenant: Tenant = request.tenant
    if not roles:
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not tenant.roles:
        raise Http404
    if not tenant.has(*roles) or (write and not tenant.can_write):
        raise PermissionDenied
    return None


class TenancyMiddleware:
    """Resolves the tenant and checks the view's roles before any other view code runs, so a
    refused request learns nothing (not even which HTTP methods a page accepts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        slug = view_kwargs.get(TENANT_KWARG)
        if slug is None:
            return None
        request.tenant = resolve_tenant(request, slug)
        roles = getattr(view_func, "tenant_roles", None)
        if roles is None:
            raise ImproperlyConfigured(
                f"{view_func.__name__} takes {TENANT_KWARG}: use @tenant_view"
            )
        return check_access(request, roles, getattr(view_func, "tenant_write", False))


def tenant_view(*roles: str, write: bool = False) -> Callable:
    """Let in only people who hold one of `roles` in the URL's cooperative.

    No roles named: anybody may enter (a public page of a verified cooperative).
    Anonymous visitors are sent to log in; a person with no role in the cooperative gets 404
    (its pages are not theirs to know about); one with a role but not the right one gets 403.
    `write=True` also refuses supervisors, who read everything and change nothing.
    The middleware enforces this before the view's other decorators run; the wrapper checks
    again so that the view is safe however it is reached.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if getattr(request, "tenant", None) is None:
                raise ImproperlyConfigured(f"{view.__name__} needs TenancyMiddleware")
            refusal = check_access(request, frozenset(roles), write)
            return refusal or view(request, *args, **kwargs)

        wrapper.tenant_roles = frozenset(roles)
        wrapper.tenant_write = write
        return wrapper

    return decorator


M = TypeVar("M", bound=models.Model)


def get_for_tenant(queryset: models.QuerySet[M] | type[M], tenant: Tenant, **lookup) -> M:
    """Fetch an object of the tenant's cooperative; 404 when missing *or* another's."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    return get_object_or_404(queryset, cooperative=tenant.cooperative, **lookup)


def user_cooperatives(user) -> list[tuple[Cooperative, list[str]]]:
    """The cooperatives a person holds roles in, each with its role kinds (one query)."""
    if not user.is_authenticated:
        return []
    by_coop: dict[int, tuple[Cooperative, list[str]]] = {}
    for role in (
        Role.objects.filter(user=user)
        .select_related("cooperative")
        .order_by("cooperative__name", "kind")
    ):
        by_coop.setdefault(role.cooperative_id, (role.cooperative, []))[1].append(role.kind)
    return list(by_coop.values())


def request_cooperatives(request) -> list[tuple[Cooperative, list[str]]]:
    """`user_cooperatives` of the signed-in person, read once per request (the page and the
    header's cooperative switcher share it)."""
    if not hasattr(request, "_user_cooperatives"):
        request._user_cooperatives = user_cooperatives(request.user)
    return request._user_cooperatives
