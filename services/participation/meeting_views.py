"""Meetings: the board's pages under kelola/rapat/ and the members' under anggota/rapat/."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.tenancy import BOARD, MEMBER, STAFF_ROLES, TELLER, get_for_tenant, tenant_view
from services.participation import meetings, votes
from services.participation.forms import DocumentForm, DoorForm, MeetingForm, RsvpForm
from services.participation.models import Meeting, MeetingDocument
from services.savings.member_views import get_own_member

ADMIN = "participation/meeting_admin.html"
MEMBER_PAGE = "participation/meeting_member.html"


@require_GET
@tenant_view(*STAFF_ROLES)
def meeting_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    context = {"tenant": tenant, "meetings": meetings.meetings_for(cooperative=tenant.cooperative)}
    return render(request, "participation/meeting_list.html", context)


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, write=True)
def meeting_create(request: HttpRequest, coop_slug: str) -> HttpResponse:
    form = MeetingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meetings.meeting_create(
                cooperative=request.tenant.cooperative,
                acting_user=request.user,
                kind=data["kind"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                online_link=data["online_link"],
                agenda=data["agenda"],
                fiscal_year=data["fiscal_year"],
                documents=data["documents"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The meeting is called; the members are being invited."))
            return redirect("koperasi:meeting-admin", coop_slug=coop_slug, meeting_id=meeting.pk)
    return render(
        request, "participation/meeting_form.html", {"tenant": request.tenant, "form": form}
    )


def _admin_context(request: HttpRequest, meeting: Meeting, **extra) -> dict:
    return {
        "tenant": request.tenant,
        "meeting": meeting,
        "quorum": meetings.meeting_quorum(meeting=meeting),
        "present": meetings.present_list(meeting=meeting)[:50],
        "rsvps": meetings.rsvp_counts(meeting=meeting),
        "documents": meeting.documents.all(),
        "votes": meeting.votes.all(),
        "door_form": DoorForm(),
        "document_form": DocumentForm(),
        "can_mark": request.tenant.has(BOARD, TELLER),
        **extra,
    }


@require_GET
@tenant_view(*STAFF_ROLES)
def meeting_admin(request: HttpRequest, coop_slug: str, meeting_id: int) -> HttpResponse:
    """The attendance sheet with the live quorum."""
    meeting = get_for_tenant(Meeting, request.tenant, pk=meeting_id)
    return render(request, ADMIN, _admin_context(request, meeting))


@require_GET
@tenant_view(*STAFF_ROLES)
def meeting_quorum(request: HttpRequest, coop_slug: str, meeting_id: int) -> HttpResponse:
    """The quorum figure htmx polls every 5 seconds."""
    meeting = get_for_tenant(Meeting, request.tenant, pk=meeting_id)
    context = {
        "tenant": request.tenant,
        "meeting": meeting,
        "quorum": meetings.meeting_quorum(meeting=meeting),
    }
    return render(request, f"{ADMIN}#quorum", context)


@require_POST
@tenant_view(BOARD, TELLER, write=True)
def meeting_door(request: HttpRequest, coop_slug: str, meeting_id: int) -> HttpResponse:
    """Mark a member present at the door by member number (htmx: the sheet is redrawn)."""
    meeting = get_for_tenant(Meeting, request.tenant, pk=meeting_id)
    form = DoorForm(request.POST)
    marked = None
    if form.is_valid():
        try:
            marked = meetings.attendance_door(
                meeting=meeting, number=form.cleaned_data["number"], acting_user=request.user
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            form = DoorForm()
    context = _admin_context(request, meeting, door_form=form, marked=marked)
    if request.htmx:
        # htmx swaps only 2xx answers: the refusal is shown in the redrawn form.
        return render(request, f"{ADMIN}#sheet", context)
    if marked:
        return redirect("koperasi:meeting-admin", coop_slug=coop_slug, meeting_id=meeting.pk)
    return render(request, ADMIN, context, status=422)


@require_POST
@tenant_view(BOARD, write=True)
def meeting_document_upload(request: HttpRequest, coop_slug: str, meeting_id: int) -> HttpResponse:
    meeting = get_for_tenant(Meeting, request.tenant, pk=meeting_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            meetings.meeting_document_add(
                meeting=meeting, acting_user=request.user, file=form.cleaned_data["file"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The document is added."))
            return redirect("koperasi:meeting-admin", coop_slug=coop_slug, meeting_id=meeting.pk)
    return render(request, ADMIN, _admin_context(request, meeting, document_form=form), status=422)


@require_GET
@tenant_view(*STAFF_ROLES, MEMBER)
def meeting_document(
    request: HttpRequest, coop_slug: str, meeting_id: int, document_id: int
) -> FileResponse:
    """A meeting's PDF, for the cooperative's members and staff only."""
    meeting = get_for_tenant(Meeting, request.tenant, pk=meeting_id)
    document = get_object_or_404(MeetingDocument, meeting=meeting, pk=document_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, content_type="application/pdf", filename=f"{document.title}.pdf")


# Members


@require_GET
@tenant_view(MEMBER)
def member_meetings(request: HttpRequest, coop_slug: str) -> HttpResponse:
    member = get_own_member(request)
    now = timezone.now()
    rows = meetings.member_meetings(member=member)
    context = {
        "tenant": request.tenant,
        "upcoming": [m for m in rows if m.ends_at >= now][::-1],
        "past": [m for m in rows if m.ends_at < now],
    }
    return render(request, "participation/meeting_member_list.html", context)


def _member_context(request: HttpRequest, meeting: Meeting, member, **extra) -> dict:
    return {
        "tenant": request.tenant,
        "meeting": meeting,
        "member": member,
        "attendance": meetings.attendance_of(meeting=meeting, member=member),
        "running": meetings.meeting_is_running(meeting),
        "documents": meeting.documents.all(),
        "open_votes": votes.votes_open(cooperative=request.tenant.cooperative, meeting=meeting),
        "rsvp_choices": RsvpForm.base_fields["rsvp"].choices,
        **extra,
    }


@require_GET
@tenant_view(MEMBER)
def member_meeting(request: HttpRequest, coop_slug: str, meeting_id: int) -> HttpResponse:
    meeting = get_for_tenant(Meeting, request.tenant, pk=meeting_id)
    member = get_own_member(request)
    return render(request, MEMBER_PAGE, _member_context(request, meeting, member))


@require_POST
@tenant_view(MEMBER)
def member_meeting_rsvp(request: HttpRequest, coop_slug: str, meeting_id: int) -> HttpResponse:
    meeting = get_for_tenant(Meeting, request.tenant, pk=meeting_id)
    member = get_own_member(request)
    form = RsvpForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        error, status = _("Choose yes, no or maybe."), 422
    else:
        try:
            meetings.attendance_rsvp(meeting=meeting, member=member, rsvp=form.cleaned_data["rsvp"])
        except DomainError as refusal:
            error, status = refusal.message, 422
    context = _member_context(request, meeting, member, rsvp_error=error)
    if request.htmx:
        return render(request, f"{MEMBER_PAGE}#rsvp", context)  # htmx swaps 2xx only
    if error:
        return render(request, MEMBER_PAGE, context, status=status)
    return redirect("koperasi:member-meeting", coop_slug=coop_slug, meeting_id=meeting.pk)


@require_POST
@tenant_view(MEMBER)
def member_meeting_checkin(request: HttpRequest, coop_slug: str, meeting_id: int) -> HttpResponse:
    meeting = get_for_tenant(Meeting, request.tenant, pk=meeting_id)
    member = get_own_member(request)
    try:
        meetings.attendance_online(meeting=meeting, member=member)
    except DomainError as error:
        context = _member_context(request, meeting, member, checkin_error=error.message)
        return render(request, MEMBER_PAGE, context, status=422)
    messages.success(request, _("You are checked in. Welcome to the meeting."))
    return redirect("koperasi:member-meeting", coop_slug=coop_slug, meeting_id=meeting.pk)
