"""The audit log pages: a cooperative's (board and supervisors) and the platform's (staff).

Newest first, 50 rows at a time with a keyset cursor (`?before=<event id>`), filtered by
category, actor, date range and kind; the same filters download as CSV. A cooperative's log
holds its own events plus the sign-ins and refused accesses of its current board, supervisors
and tellers that belong to no cooperative.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from koperasi import audit
from koperasi.models import Cooperative, Event, Role, User
from koperasi.tenancy import BOARD, STAFF_ROLES, SUPERVISOR, tenant_view

PAGE_SIZE = 50
CSV_CHUNK = 1000


class AuditFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        choices=[("", gettext_lazy("Everything")), *audit.CATEGORIES],
    )
    actor = forms.CharField(
        label=gettext_lazy("Who (name or email)"), required=False, max_length=100
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.CharField(label=gettext_lazy("Kind contains"), required=False, max_length=60)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date comes before the start date."))
        return data


class PlatformAuditFilterForm(AuditFilterForm):
    cooperative = forms.CharField(
        label=gettext_lazy("Cooperative (name or address)"), required=False, max_length=100
    )

    field_order = ["cooperative", "category", "actor", "date_from", "date_to", "kind"]


# --- Selectors -----------------------------------------------------------------------------


def events_of_cooperative(*, cooperative: Cooperative) -> QuerySet[Event]:
    """The cooperative's events, and its staff's sign-ins and refusals that have no cooperative
    (a failed sign-in names the account tried in `data.user_id`)."""
    staff_ids = list(
        Role.objects.filter(cooperative=cooperative, kind__in=STAFF_ROLES)
        .values_list("user_id", flat=True)
        .distinct()
    )
    personal = Q(cooperative__isnull=True, kind__in=audit.PERSONAL_KINDS) & (
        Q(actor_id__in=staff_ids) | Q(data__user_id__in=staff_ids)
    )
    return Event.objects.filter(Q(cooperative=cooperative) | personal)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def events_filter(events: QuerySet[Event], data: dict) -> QuerySet[Event]:
    """Apply the cleaned filters (dates are whole local days, both ends included)."""
    if data.get("category"):
        events = events.filter(kind__in=audit.kinds_of(data["category"]))
    if actor := (data.get("actor") or "").strip():
        events = events.filter(
            Q(actor__email__icontains=actor) | Q(actor__full_name__icontains=actor)
        )
    if data.get("date_from"):
        events = events.filter(created_at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        events = events.filter(created_at__lt=_day_start(data["date_to"] + dt.timedelta(days=1)))
    if kind := (data.get("kind") or "").strip():
        events = events.filter(kind__icontains=kind)
    if cooperative := (data.get("cooperative") or "").strip():
        events = events.filter(
            Q(cooperative__name__icontains=cooperative) | Q(cooperative__slug=cooperative)
        )
    return events.order_by("-created_at", "-id")


def events_before(events: QuerySet[Event], before: int | None) -> QuerySet[Event]:
    """The keyset page after the event `before` (newest first)."""
    if not before:
        return events
    when = Event.objects.filter(pk=before).values_list("created_at", flat=True).first()
    if when is None:
        return events.none()
    return events.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=before))


# --- Rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    event: Event
    what: str
    category: str
    details: list[tuple[str, str]]


def _ids(events: Iterable[Event], key: str) -> set[int]:
    found = set()
    for event in events:
        value = event.data.get(key) if isinstance(event.data, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            found.add(value)
    return found


def _detail_text(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "—" if value is None or value == "" else str(value)


def rows_of(events: list[Event]) -> list[Row]:
    """Say each event as a sentence; members and people named in the details are loaded once
    for all the rows."""
    from members.models import Member

    members = {
        pk: f"{name} ({number})" if number else name
        for pk, name, number in Member.objects.filter(pk__in=_ids(events, "member_id")).values_list(
            "pk", "full_name", "number"
        )
    }
    users = {
        pk: name or email
        for pk, name, email in User.objects.filter(pk__in=_ids(events, "user_id")).values_list(
            "pk", "full_name", "email"
        )
    }
    labels = dict(audit.CATEGORIES)
    rows = []
    for event in events:
        spec = audit.KINDS.get(event.kind)
        data = event.data if isinstance(event.data, dict) else {"data": event.data}
        rows.append(
            Row(
                event=event,
                what=audit.describe(event, members=members, users=users),
                category=str(labels[spec.category]) if spec else "",
                details=[(key, _detail_text(value)) for key, value in data.items()],
            )
        )
    return rows


# --- Pages ---------------------------------------------------------------------------------


def _query(form: forms.Form, **extra) -> str:
    params = {
        name: value
        for name, value in form.data.items()
        if name in form.fields and name != "before" and value
    }
    params.update(extra)
    return urlencode(params)


def _log_response(
    request: HttpRequest, events: QuerySet[Event], form: AuditFilterForm, template: str, context
):
    status = 200
    page: list[Event] = []
    if form.is_valid():
        page = list(
            events_before(
                events_filter(events, form.cleaned_data), form.cleaned_data["before"]
            ).select_related("actor", "cooperative")[: PAGE_SIZE + 1]
        )
    else:
        status = 400
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    context.update(
        form=form,
        rows=rows_of(page),
        next_url=f"?{_query(form, before=page[-1].pk)}" if more else "",
        first_page_url=f"?{_query(form)}",
        first_page=not form.data.get("before"),
        csv_query=_query(form),
    )
    if request.htmx and request.htmx.target == "load-more" and status == 200:
        template += "#rows"  # "load more": just the next rows, and the next button
    return render(request, template, context, status=status)


def _csv_rows(events: QuerySet[Event]) -> Iterator[list[str]]:
    from services.savings.statements import safe_text

    yield [
        _("Number"),
        _("When"),
        _("Who"),
        _("Email"),
        _("What"),
        _("Kind"),
        _("Cooperative"),
        _("IP address"),
        _("Browser"),
        _("Page"),
        _("Details"),
    ]
    iterator = events.select_related("actor", "cooperative").iterator(chunk_size=CSV_CHUNK)
    while chunk := list(islice(iterator, CSV_CHUNK)):
        for row in rows_of(chunk):
            event = row.event
            yield [
                event.pk,
                timezone.localtime(event.created_at).isoformat(timespec="seconds"),
                safe_text(event.actor.full_name if event.actor else ""),
                safe_text(event.actor.email if event.actor else ""),
                safe_text(row.what),
                event.kind,
                safe_text(event.cooperative.name if event.cooperative else ""),
                event.ip_address or "",
                safe_text(event.user_agent),
                safe_text(event.path),
                safe_text(json.dumps(event.data, ensure_ascii=False, default=str)),
            ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(
    request: HttpRequest, events: QuerySet[Event], form: AuditFilterForm, *, cooperative, name
):
    if not form.is_valid():
        return HttpResponse(_("Check the filters."), status=400, content_type="text/plain")
    filters = {
        key: str(value) for key, value in form.cleaned_data.items() if value and key != "before"
    }
    exported = audit.export_record(
        request=request, what="audit", cooperative=cooperative, filters=filters
    )
    events = events_filter(events, form.cleaned_data)
    if exported is not None:
        events = events.filter(pk__lt=exported.pk)  # what there was when the download began
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def lines() -> Iterator[str]:
        yield "\ufeff"  # Excel reads names right in UTF-8
        for row in _csv_rows(events):
            yield writer.writerow(row)

    filename = f"audit-{name}-{timezone.localdate().isoformat()}.csv"
    return StreamingHttpResponse(
        lines(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@never_cache
@require_GET
@tenant_view(BOARD, SUPERVISOR)
def audit_log(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    events = events_of_cooperative(cooperative=tenant.cooperative)
    return _log_response(
        request,
        events,
        AuditFilterForm(request.GET),
        "koperasi/audit_log.html",
        {"tenant": tenant, "platform": False},
    )


@never_cache
@require_GET
@tenant_view(BOARD, SUPERVISOR)
def audit_csv(request: HttpRequest, coop_slug: str) -> HttpResponse:
    cooperative = request.tenant.cooperative
    return _csv_response(
        request,
        events_of_cooperative(cooperative=cooperative),
        AuditFilterForm(request.GET),
        cooperative=cooperative,
        name=cooperative.slug,
    )


def _platform_staff_only(request: HttpRequest) -> None:
    if not request.user.is_platform_staff:
        raise Http404


@never_cache
@require_GET
@login_required
def platform_audit(request: HttpRequest) -> HttpResponse:
    _platform_staff_only(request)
    return _log_response(
        request,
        Event.objects.all(),
        PlatformAuditFilterForm(request.GET),
        "koperasi/audit_log.html",
        {"platform": True},
    )


@never_cache
@require_GET
@login_required
def platform_audit_csv(request: HttpRequest) -> HttpResponse:
    _platform_staff_only(request)
    return _csv_response(
        request,
        Event.objects.all(),
        PlatformAuditFilterForm(request.GET),
        cooperative=None,
        name="platform",
    )
