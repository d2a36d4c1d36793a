"""The public loan simulator: anyone may see what a loan of a verified cooperative would cost."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from koperasi.tenancy import tenant_view
from services.loans import exports, selectors
from services.loans.forms import SimulatorForm


def _simulation(request: HttpRequest) -> tuple[SimulatorForm, list | None]:
    """The form from the query string, and the schedule when the input is valid."""
    products = selectors.active_products(cooperative=request.tenant.cooperative)
    bound = any(name in request.GET for name in ("product", "amount", "term"))
    form = SimulatorForm(request.GET if bound else None, products=products)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, selectors.simulate(
        product=data["product"], amount=data["amount"], term=data["term"]
    )


def _page(request: HttpRequest, form: SimulatorForm, schedule, status: int = 200) -> HttpResponse:
    context = {
        "tenant": request.tenant,
        "form": form,
        "products": list(form.fields["product"].queryset),
        "schedule": schedule,
        "totals": selectors.totals_of(schedule) if schedule else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "loans/simulator.html", context, status=status)


@require_GET
@tenant_view()
def loan_simulator(request: HttpRequest, coop_slug: str) -> HttpResponse:
    form, schedule = _simulation(request)
    return _page(request, form, schedule, 400 if form.is_bound and not form.is_valid() else 200)


@require_GET
@tenant_view()
def loan_simulator_csv(request: HttpRequest, coop_slug: str) -> HttpResponse:
    form, schedule = _simulation(request)
    if schedule is None:
        if not form.is_bound:
            form = SimulatorForm({}, products=form.fields["product"].queryset)
            form.is_valid()
        return _page(request, form, None, 400)
    data = form.cleaned_data
    body = exports.schedule_csv(
        cooperative_name=request.tenant.cooperative.name,
        product=data["product"],
        amount=data["amount"],
        term=data["term"],
        schedule=schedule,
    )
    filename = f"simulation-{data['amount']}-{data['term']}.csv"
    return HttpResponse(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
