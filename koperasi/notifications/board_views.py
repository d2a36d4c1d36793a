"""The board's page of deliveries that failed for good (`kelola/notifikasi-gagal/`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from koperasi.errors import DomainError
from koperasi.notifications import failures
from koperasi.tenancy import BOARD, SUPERVISOR, tenant_view


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def failure_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Failed emails and SMS of this cooperative, with why they failed; the board may retry."""
    cooperative = request.tenant.cooperative
    context = {
        "tenant": request.tenant,
        "failures": failures.failed_deliveries_for(cooperative=cooperative),
        "total": failures.failed_count_for(cooperative=cooperative),
    }
    return render(request, "notifications/failures.html", context)


@require_POST
@tenant_view(BOARD, write=True)
def failure_retry(request: HttpRequest, coop_slug: str, delivery_id: int) -> HttpResponse:
    delivery = failures.get_delivery_for(request.tenant, delivery_id)
    try:
        failures.delivery_retry(delivery=delivery, acting_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The message is queued to be sent again."))
    return redirect("koperasi:notification-failures", coop_slug=coop_slug)
