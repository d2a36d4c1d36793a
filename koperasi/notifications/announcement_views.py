"""The board's announcements (/k/<coop_slug>/kelola/pengumuman/): write one, watch it go out.

The board writes; supervisors read (they change nothing); tellers and members have no access.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.notifications import announcements
from koperasi.notifications.models import Announcement
from koperasi.tenancy import BOARD, SUPERVISOR, get_for_tenant, tenant_view

RECENT = 20
DETAIL = "notifications/announcement_detail.html"


class AnnouncementForm(forms.ModelForm):
    audience = forms.ChoiceField(
        label=gettext_lazy("Send to"),
        choices=Announcement.Audience.choices,
        initial=Announcement.Audience.ACTIVE,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Announcement
        fields = ("audience", "title", "body")
        labels = {"title": gettext_lazy("Title"), "body": gettext_lazy("Message")}
        widgets = {"body": forms.Textarea(attrs={"rows": 6, "maxlength": 2000})}


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, SUPERVISOR)
def announcement_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """The form for the board; recent announcements with their progress for board and
    supervisors."""
    tenant = request.tenant
    form = AnnouncementForm(request.POST or None) if tenant.is_board else None
    if request.method == "POST":
        if not tenant.is_board:
            raise PermissionDenied
        if form.is_valid():
            try:
                announcement = announcements.announcement_create(
                    cooperative=tenant.cooperative,
                    author=request.user,
                    audience=form.cleaned_data["audience"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The announcement is on its way."))
                return redirect(
                    "koperasi:announcement-detail",
                    coop_slug=coop_slug,
                    announcement_id=announcement.pk,
                )
    context = {
        "tenant": tenant,
        "form": form,
        "announcements": announcements.announcements_for(cooperative=tenant.cooperative)[:RECENT],
        "audience_sizes": announcements.audience_sizes(cooperative=tenant.cooperative)
        if form is not None
        else {},
    }
    return render(request, "notifications/announcement_list.html", context)


def _context(request: HttpRequest, announcement: Announcement) -> dict:
    return {
        "tenant": request.tenant,
        "announcement": announcement,
        "running": announcement.status != Announcement.Status.DONE,
    }


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def announcement_detail(request: HttpRequest, coop_slug: str, announcement_id: int) -> HttpResponse:
    announcement = get_for_tenant(
        Announcement.objects.select_related("author"), request.tenant, pk=announcement_id
    )
    template = f"{DETAIL}#progress" if request.htmx else DETAIL
    return render(request, template, _context(request, announcement))


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def announcement_status(request: HttpRequest, coop_slug: str, announcement_id: int) -> HttpResponse:
    """The progress fragment htmx polls every second; it stops polling once all is written."""
    announcement = get_for_tenant(Announcement, request.tenant, pk=announcement_id)
    return render(request, f"{DETAIL}#progress", _context(request, announcement))
