"""The member's side of partner purchases, under /k/<coop_slug>/anggota/mitra/: the one-time
shopping code (digits and a QR code) and the list of their own purchases.

The URLs name no member: it is always the logged-in person's own membership (`get_own_member`).
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from koperasi.errors import DomainError
from koperasi.tenancy import MEMBER, tenant_view
from partners import purchases
from services.savings.member_views import get_own_member

PAGE_SIZE = 25


def qr_svg(text: str) -> str:
    """The QR code as inline SVG, made here (no script, no inline style, a few kilobytes)."""
    qr = segno.make(text, error="m", micro=False)
    return qr.svg_inline(
        scale=6,
        border=3,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        omitsize=True,  # a viewBox, so the CSS can size it for the screen
        title=_("QR code of your shopping code"),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@tenant_view(MEMBER)
def member_purchase_code(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Show the member's live shopping code; POST makes a new one (the old one stops)."""
    member = get_own_member(request)
    if request.method == "POST":
        try:
            purchases.purchase_code_issue(member=member)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("koperasi:member-purchase-code", coop_slug=coop_slug)
    code = purchases.live_code(member=member) if member.is_active else None
    qr = ""
    if code is not None:
        # segno writes only path data and its escaped <title>: the SVG is safe to inline.
        qr = mark_safe(  # noqa: S308
            qr_svg(
                purchases.qr_text(cooperative=request.tenant.cooperative, member=member, code=code)
            )
        )
    return render(
        request,
        "partners/member_purchase_code.html",
        {"member": member, "code": code, "qr": qr, "lifetime_minutes": 10},
    )


@require_GET
@tenant_view(MEMBER)
def member_purchase_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """The member's own purchases at the cooperative's partners, newest first."""
    member = get_own_member(request)
    page = Paginator(purchases.member_purchases(member=member), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "partners/member_purchase_list.html", {"member": member, "page": page})
