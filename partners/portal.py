"""Who may enter the partner portal (/mitra/): the one place that resolves `request.partner`.

A person reaches the portal's business pages only through a `PartnerUser` row; anybody else
(members and board users of cooperatives included) gets 404, as if the pages did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from partners.models import Partner, PartnerUser


def partner_user_for(user) -> PartnerUser | None:
    """The person's place in a partner business (one partner per person for now)."""
    if not user.is_authenticated:
        return None
    return PartnerUser.objects.select_related("partner").filter(user=user).order_by("pk").first()


def partner_view(*roles: str) -> Callable:
    """Let in only partner users; with `roles` named, only those roles (others get 403).

    Anonymous visitors are sent to log in; a person who is not a partner user gets 404.
    Sets `request.partner` and `request.partner_role`.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            partner_user = partner_user_for(request.user)
            if partner_user is None:
                raise Http404
            if roles and partner_user.role not in roles:
                raise PermissionDenied
            request.partner = partner_user.partner
            request.partner_role = partner_user.role
            return view(request, *args, **kwargs)

        wrapper.partner_roles = frozenset(roles)
        return wrapper

    return decorator


def get_for_partner(queryset, partner: Partner, **lookup):
    """Fetch an object of the partner's; 404 when missing *or* another partner's."""
    obj = queryset.filter(partner=partner, **lookup).first()
    if obj is None:
        raise Http404
    return obj
