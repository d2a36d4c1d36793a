"""Month end from the board's pages (/k/<coop_slug>/kelola/tugas/tutup-bulan/).

Celery beat closes last month on the 1st; this page lets the board run a month that was missed
(or run it now rather than wait). The work is `services.savings.month_end.month_end_run`, in
the background as a job with a progress page. A month that has not ended yet, or that already
ran, is refused on the form and nothing starts. Supervisors see the page and change nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from koperasi.tenancy import BOARD, SUPERVISOR, tenant_view
from services.jobs import actions
from services.jobs.forms import MonthEndForm
from services.jobs.kinds import parse_month
from services.jobs.models import Job
from services.jobs.views import job_rows, jobs_for
from services.savings.models import MonthEndRun
from services.savings.month_end import month_bounds

RECENT = 24


def _refusal(cooperative, month_text: str) -> str:
    """Why this month cannot run now ("" when it can), as month_end_run would say it."""
    first, last = month_bounds(parse_month(month_text))
    if last >= timezone.localdate():
        return _("%(month)s has not ended yet: its month end can run from %(day)s.") % {
            "month": f"{first:%Y-%m}",
            "day": date_format(last + dt.timedelta(days=1), "j M Y"),
        }
    run = MonthEndRun.objects.filter(cooperative=cooperative, month=first).first()
    if run is not None:
        return _("Month end %(month)s already ran on %(day)s: it runs only once.") % {
            "month": f"{first:%Y-%m}",
            "day": date_format(timezone.localtime(run.created_at), "j M Y H:i"),
        }
    return ""


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, SUPERVISOR)
def month_end(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    cooperative = tenant.cooperative
    if request.method == "POST" and not tenant.can_write:
        raise PermissionDenied  # supervisors read and change nothing
    form = MonthEndForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            month = form.cleaned_data["month"]
            refusal = _refusal(cooperative, month)
            if not refusal:
                job = actions.job_start(
                    cooperative=cooperative,
                    kind=Job.Kind.MONTH_END,
                    key=f"month:{month}",
                    params={"month": month},
                    acting_user=request.user,
                )
                return redirect("koperasi:job-detail", coop_slug=coop_slug, job_id=job.pk)
            form.add_error("month", refusal)
        status = 400
    context = {
        "tenant": tenant,
        "form": form,
        "runs": MonthEndRun.objects.filter(cooperative=cooperative)[:RECENT],
        "rows": job_rows(jobs_for(tenant, kind=Job.Kind.MONTH_END)[:RECENT]),
    }
    return render(request, "jobs/month_end.html", context, status=status)
